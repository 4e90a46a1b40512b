"""redis-cli 7.0 (Debian redis-tools) against the subject beside redis-server: one-shot commands,
`-n db`, `--scan --pattern`, `-a token`, `-e` exit codes, stdin pipe mode, and the interactive
mode under a pseudo-terminal, where redis-cli reads COMMAND DOCS for its hints (the typed command
must show its hint and still run)."""
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time

import pytest

from conftest import TOKEN, require_tool
from resp import Conn

CLI_DEADLINE_S = 60


def cli(server, *args, stdin=None, token=None):
    require_tool("redis-cli")
    argv = ["redis-cli", "-h", "127.0.0.1", "-p", str(server.port)]
    if token:
        argv += ["-a", token, "--no-auth-warning"]
    p = subprocess.run(argv + list(args), input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=CLI_DEADLINE_S)
    return p.returncode, p.stdout, p.stderr


def both(pair, *args, **kw):
    """Runs the same redis-cli invocation against both servers; asserts equal output."""
    ref = cli(pair.ref.server, *args, **kw)
    sub = cli(pair.sub.server, *args, **kw)
    assert sub == ref, "redis-cli %s:\nredis:     %r\n%-10s %r" % (
        " ".join(map(str, args)), ref, pair.sub.server.name + ":", sub)
    return ref


def test_one_shot_commands(pair):
    assert both(pair, "SET", "k", "hello world")[1] == b"OK\n"
    assert both(pair, "GET", "k")[1] == b"hello world\n"
    assert both(pair, "INCR", "n")[1] == b"1\n"  # no tty: --raw style output
    both(pair, "MGET", "k", "n", "missing")
    both(pair, "--raw", "MGET", "k", "n", "missing")
    both(pair, "TTL", "k")
    both(pair, "NOSUCH", "x")
    both(pair, "GET")


def test_dash_n_selects_the_database(pair):
    assert both(pair, "-n", "4", "SET", "k", "four")[1] == b"OK\n"
    assert both(pair, "-n", "4", "GET", "k")[1] == b"four\n"
    assert both(pair, "GET", "k")[1] == b"\n"
    assert both(pair, "-n", "4", "DBSIZE")[1] == b"1\n"


def test_scan_pattern(pair):
    for side in (pair.ref, pair.sub):
        keys = ["migo:ruc_%d" % i for i in range(120)] + ["nube:inv_%d" % i for i in range(30)]
        side.conn.send(b"".join(b"SET %s v\r\n" % k.encode() for k in keys))
        assert side.conn.read_replies(len(keys)) == [b"+OK\r\n"] * len(keys)
    results = []
    for side in (pair.ref, pair.sub):
        rc, out, err = cli(side.server, "--scan", "--pattern", "migo:*")
        assert rc == 0, (side.server.name, err)
        results.append(sorted(out.split()))
    assert results[0] == sorted(b"migo:ruc_%d" % i for i in range(120))
    assert results[1] == results[0]
    rc, out, _ = cli(pair.sub.server, "--scan")
    assert len(out.split()) == 150


def test_exit_code_on_error(pair):
    both(pair, "SET", "k", "abc")
    assert both(pair, "-e", "INCR", "k")[0] == 1


def test_pipe_mode_from_stdin(pair):
    script = b"SET a 1\nINCR a\nGET a\nDEL a\n"
    assert both(pair, stdin=script)[1] == b"OK\n2\n2\n1\n"


def test_dash_a_token(token_servers):
    token = TOKEN
    for server in token_servers:
        assert cli(server, "SET", "k", "v", token=token)[1] == b"OK\n", server.name
        assert cli(server, "GET", "k", token=token)[1] == b"v\n", server.name
        assert cli(server, "--user", "default", "--pass", token, "--no-auth-warning",
                   "GET", "k")[1] == b"v\n", server.name
        rc, out, err = cli(server, "GET", "k")
        assert out.startswith(b"NOAUTH Authentication required.\n"), (server.name, out, err)
        rc, out, err = cli(server, "GET", "k", token="wrong")
        assert b"WRONGPASS" in out + err, (server.name, out, err)


HINT_RE = re.compile(rb"SET hintkey \x1b\[[0-9;]*m([^\x1b]*)\x1b\[0m")


def interactive(server, deadline_s=20):
    """Runs redis-cli under a 200-column pty, types "SET hintkey " and reads the hint it draws
    (from the server's COMMAND DOCS, or its own table), then "v" + Enter, GET, quit. Returns
    (hint, screen)."""
    require_tool("redis-cli")
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal linenoise can measure, then redis-cli
        try:
            fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 200, 0, 0))
            os.environ["TERM"] = "xterm"
            os.environ["REDISCLI_HISTFILE"] = "/dev/null"
            os.execvp("redis-cli", ["redis-cli", "-h", "127.0.0.1", "-p", str(server.port)])
        finally:
            os._exit(127)
    out = b""
    end = time.monotonic() + deadline_s

    def read_until(pattern):
        nonlocal out
        while not re.search(pattern, out):
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("redis-cli showed no %r; screen: %r" % (pattern, out[-2000:]))
            r, _, _ = select.select([fd], [], [], left)
            if r:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # EIO: the child closed the terminal
                    chunk = b""
                if not chunk:
                    raise EOFError("redis-cli exited; screen: %r" % out[-2000:])
                out += chunk
    try:
        read_until(rb"> $")
        os.write(fd, b"SET hintkey ")
        read_until(HINT_RE.pattern)
        hint = HINT_RE.search(out).group(1)
        # linenoise flushes type-ahead when it takes the terminal (TCSAFLUSH): each line is
        # typed after the next prompt is drawn
        os.write(fd, b"v\r")
        read_until(rb"\r\nOK\r\n[^\n]*> $")
        os.write(fd, b"GET hintkey\r")
        read_until(rb'"v"\r\n[^\n]*> $')
        os.write(fd, b"quit\r")
        read_until(rb"quit")
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)
    return hint, out


def test_interactive_command_runs_beside_hints(pair):
    """redis-cli's interactive mode (which asks COMMAND DOCS for its hints) works: the typed
    command runs and nothing answers an error."""
    for side in (pair.ref, pair.sub):
        hint, screen = interactive(side.server)
        assert b"ERR" not in screen, (side.server.name, screen[-2000:])
        c = Conn(side.server.address)
        assert c.call("GET", "hintkey") == b"$1\r\nv\r\n", side.server.name
        c.close()


def test_interactive_hint_matches_redis(pair):
    """The hint redis-cli draws after "SET hintkey " is the same against both servers (it comes
    from COMMAND DOCS's arguments when the server answers them)."""
    hints = [interactive(side.server)[0] for side in (pair.ref, pair.sub)]
    assert hints[0].startswith(b"value [NX|XX] [GET]"), hints[0]
    assert hints[1] == hints[0]
