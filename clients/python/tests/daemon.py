"""Starts the real apicached binary for the tests: port 0 on 127.0.0.1, a temp data dir, the
port read from its "apicached: listening on HOST:PORT" stderr line, readiness polled on
/v1/health under a deadline (no fixed sleeps).

The binary comes from $APICACHED_BIN (ctest passes the one it built), else build/daemon/apicached
of this checkout.
"""
from __future__ import annotations

import http.client
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from typing import List, Optional

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
LISTEN_RE = re.compile(rb"apicached: listening on 127\.0\.0\.1:(\d+)")
START_DEADLINE_S = 60.0


def binary() -> str:
    return os.environ.get("APICACHED_BIN") or os.path.join(REPO, "build", "daemon", "apicached")


class Daemon:
    """One apicached process; stop() ends it (SIGTERM, then SIGKILL after the deadline)."""

    def __init__(self, extra_args: Optional[List[str]] = None) -> None:
        self.dir = tempfile.mkdtemp(prefix="apicached-py-")
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        extra = list(extra_args or [])
        # The machine's free disk is not the test's to choose: below the default floor (1 GiB)
        # health says "degraded" and eviction keeps the floor free. Tests about it pass their own.
        if not any(a.startswith("--min-free-disk-bytes") for a in extra):
            extra = ["--min-free-disk-bytes", "0"] + extra
        self.args = [binary(), "--listen", "127.0.0.1:0", "--data-dir",
                     os.path.join(self.dir, "data")] + extra
        self.proc: Optional[subprocess.Popen] = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Daemon":
        if not os.access(self.args[0], os.X_OK):
            raise FileNotFoundError(f"apicached binary not found at {self.args[0]} "
                                    "(build it, or set APICACHED_BIN)")
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        deadline = time.monotonic() + START_DEADLINE_S
        seen = b""
        assert self.proc.stderr is not None
        fd = self.proc.stderr.fileno()
        while not self.port:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"apicached did not start: {seen.decode(errors='replace')}")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 65536)
                seen += chunk
                m = LISTEN_RE.search(seen)
                if m:
                    self.port = int(m.group(1))
        # Keep draining stderr into a file so the daemon never blocks on a full pipe.
        self._log = open(self.stderr_path, "ab")
        self._log.write(seen)
        self._drain = threading.Thread(target=shutil.copyfileobj,
                                       args=(self.proc.stderr, self._log), daemon=True)
        self._drain.start()
        while True:  # the listen line comes once the port is bound; health says it serves
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/v1/health")
                if conn.getresponse().status in (200, 503):
                    conn.close()
                    return self
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise
            select.select([], [], [], 0.01)  # a poll interval, not a wait for an event

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_drain", None) is not None:
            self._drain.join()
            self._log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
