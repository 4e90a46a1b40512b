"""libmemcached-tools (Debian names the binaries memccp, memccat, memcflush, memcstat, memcslap,
memcping, memcrm) against the subject: copy a file in, read it back, flush, stats, a bounded
slap run. Each tool is given --servers=127.0.0.1:PORT."""
import os
import subprocess

import pytest

from conftest import require_tool
from mcwire import Conn

TOOL_DEADLINE_S = 120


def run(tool, subject, *args, cwd=None):
    require_tool(tool)
    p = subprocess.run([tool, "--servers=%s" % subject.location] + list(args), cwd=cwd,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TOOL_DEADLINE_S)
    return p


def ok(p):
    assert p.returncode == 0, "exit %d\nstdout: %r\nstderr: %r" % (p.returncode, p.stdout[:2000],
                                                                   p.stderr[:2000])
    return p.stdout


@pytest.fixture
def flushed(subject):
    c = Conn(subject.address)
    assert c.call(b"flush_all\r\n") == b"OK\r\n"
    c.close()
    return subject


def test_memccp_memccat_round_trip(flushed, tmp_path):
    payload = bytes(range(256)) * 1000 + b"\r\nEND\r\n"  # 256 KB, every byte value
    f = tmp_path / "payload.bin"
    f.write_bytes(payload)
    ok(run("memccp", flushed, str(f)))
    # memccp stores under the file's base name; memccat prints each value and a newline
    assert ok(run("memccat", flushed, "payload.bin")) == payload + b"\n"
    # and the entry is visible to a raw client too
    c = Conn(flushed.address)
    assert c.call(b"get payload.bin\r\n") == b"VALUE payload.bin 0 %d\r\n%s\r\nEND\r\n" % (
        len(payload), payload)
    c.close()


def test_memccp_several_files_with_flags_and_expire(flushed, tmp_path):
    names = []
    for i in range(5):
        f = tmp_path / ("f%d.txt" % i)
        f.write_bytes(b"file %d\n" % i)
        names.append(str(f))
    ok(run("memccp", flushed, "--flag=7", "--expire=1000", *names))
    out = ok(run("memccat", flushed, *[os.path.basename(n) for n in names]))
    assert out == b"".join(b"file %d\n\n" % i for i in range(5))
    c = Conn(flushed.address)
    assert c.call(b"mg f3.txt f v\r\n") == b"VA 7 f7\r\nfile 3\n\r\n"
    c.close()


def test_memccat_missing_key_fails(flushed):
    p = run("memccat", flushed, "no-such-key")
    assert p.returncode != 0


def test_memcflush(flushed, tmp_path):
    f = tmp_path / "x"
    f.write_bytes(b"x")
    ok(run("memccp", flushed, str(f)))
    ok(run("memcflush", flushed))
    assert run("memccat", flushed, "x").returncode != 0


def test_memcrm(flushed, tmp_path):
    f = tmp_path / "gone"
    f.write_bytes(b"x")
    ok(run("memccp", flushed, str(f)))
    ok(run("memcrm", flushed, "gone"))
    assert run("memccat", flushed, "gone").returncode != 0


def test_memcstat(flushed):
    out = ok(run("memcstat", flushed)).decode()
    assert "Server: 127.0.0.1 (%d)" % flushed.port in out, out
    for field in ("pid", "uptime", "curr_items", "get_hits"):
        assert "\t%s:" % field in out, out


def test_memcping(flushed):
    ok(run("memcping", flushed))


@pytest.mark.parametrize("test", ["set", "get", "mget"])
def test_memcslap_bounded(flushed, test):
    """A bounded slap run (4 threads x 2000 operations) finishes without errors."""
    out = ok(run("memcslap", flushed, "--concurrency=4", "--execute-number=2000",
                 "--test=%s" % test, "--flush")).decode()
    assert "Took" in out or "seconds" in out, out
