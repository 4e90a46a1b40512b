"""apicachectl top on a terminal (a pseudo-terminal): frames replace each other, q quits, and
the terminal's mode is restored on the way out."""
from __future__ import annotations

import os
import pty
import select
import subprocess
import termios
import time

import pytest

from conftest import make_traffic
from apicached import Client

DEADLINE_S = 30.0


def apicachectl() -> str:
    path = os.environ.get("APICACHECTL_BIN") or os.path.join(
        os.path.dirname(__file__), "..", "..", "build", "cli", "apicachectl")
    if not os.access(path, os.X_OK):
        pytest.skip(f"SKIPPED LOUDLY: apicachectl not built at {path} (set APICACHECTL_BIN)")
    return path


def read_until(fd: int, needle: bytes, seen: bytearray) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while needle not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"no {needle!r} in {bytes(seen)[-500:]!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                break


def test_top_on_a_terminal_refreshes_and_quits_on_q(daemon):
    make_traffic(Client(daemon.url))
    main, sub = pty.openpty()
    before = termios.tcgetattr(sub)
    proc = subprocess.Popen([apicachectl(), "--url", daemon.url, "top", "--interval", "0.05"],
                            stdin=sub, stdout=sub, stderr=subprocess.PIPE, close_fds=True)
    try:
        seen = bytearray()
        read_until(main, b"(q quits)", seen)
        read_until(main, b"migo", seen)
        frames_before_q = seen.count(b"\x1b[H\x1b[2J")
        assert frames_before_q >= 1  # each frame clears the screen first
        os.write(main, b"q")
        assert proc.wait(DEADLINE_S) == 0, proc.stderr.read()
        assert termios.tcgetattr(sub)[3] == before[3], "terminal mode not restored"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main)
        os.close(sub)
