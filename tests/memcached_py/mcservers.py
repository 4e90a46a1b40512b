"""Memcached-speaking servers for the tests: the reference memcached and the real apicached.

Every server listens on 127.0.0.1 only, on a port the kernel picked, with its files in a temp
dir. Readiness is polled under a deadline (a connect for memcached, the log line for
apicached); nothing sleeps a fixed time.

Environment (see tests/memcached_py/README.md):
  APICACHED_BIN    the apicached binary (ctest passes the built one)
  MEMCACHED_BIN    the reference memcached (default: memcached from PATH)
  MC_SUBJECT       what the suites test: "apicached" (default), "memcached" (a second reference
                   memcached, to check the suites themselves) or HOST:PORT (a server that is
                   already running; tests that stop or restart the server skip)
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

START_DEADLINE_S = 30.0
STOP_DEADLINE_S = 30.0

HTTP_LISTEN_RE = re.compile(rb"apicached: listening on 127\.0\.0\.1:(\d+)")


class ToolMissing(Exception):
    """A program the test needs is not installed (the caller skips loudly)."""


class FrontMissing(Exception):
    """The apicached binary has no memcached front (--memcached-listen unknown)."""


def free_port():
    """A port that was free a moment ago (for servers that cannot listen on port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def can_connect(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


def poll(predicate, deadline_s, what, interval_s=0.01):
    """Calls predicate until it returns a true value or deadline_s pass; returns that value."""
    end = time.monotonic() + deadline_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise TimeoutError("timed out after %.0f s waiting for %s" % (deadline_s, what))
        time.sleep(interval_s)


def memcached_bin():
    path = shutil.which(os.environ.get("MEMCACHED_BIN", "memcached"))
    if not path:
        raise ToolMissing("memcached (Debian package memcached) is not installed; "
                          "scripts/install-deps.sh test installs it")
    return path


def apicached_bin():
    path = os.environ.get("APICACHED_BIN", "")
    if not path or not os.access(path, os.X_OK):
        raise ToolMissing("APICACHED_BIN is not set to an executable apicached (%r); ctest sets "
                          "it, by hand: APICACHED_BIN=build/daemon/apicached" % path)
    return path


_front_checked = {}


def require_memcached_front(binary):
    """Raises FrontMissing when `binary --help` does not list --memcached-listen."""
    if binary not in _front_checked:
        out = subprocess.run([binary, "--help"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=30).stdout
        _front_checked[binary] = b"--memcached-listen" in out
    if not _front_checked[binary]:
        raise FrontMissing("%s has no --memcached-listen: the memcached front has not landed "
                           "in this build" % binary)


class Server:
    """A server process on 127.0.0.1:port. Subclasses start it."""
    name = "server"
    persistent = False   # does it keep its entries across a restart?
    controllable = True  # can the tests stop and restart it?

    def __init__(self):
        self.proc = None
        self.port = None
        self.tmp = tempfile.mkdtemp(prefix="mc-%s-" % self.name)
        self.log_path = os.path.join(self.tmp, "server.log")

    @property
    def address(self):
        return ("127.0.0.1", self.port)

    @property
    def location(self):
        return "127.0.0.1:%d" % self.port

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM):
        """Sends sig and waits for the exit; returns the exit status (negative: signal)."""
        if not self.running():
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=STOP_DEADLINE_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("%s did not exit within %.0f s of signal %d; log:\n%s"
                                 % (self.name, STOP_DEADLINE_S, sig, self.log()))

    def kill(self):
        return self.stop(signal.SIGKILL)

    def close(self):
        if self.running():
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _spawn(self, argv):
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            log.close()


class MemcachedServer(Server):
    """The reference: memcached -l 127.0.0.1 -p PORT -U 0 (memcached cannot report a port 0
    choice, so a free port is picked first and the start is retried if it was taken)."""
    name = "memcached"

    def __init__(self, extra_args=()):
        super().__init__()
        self.binary = memcached_bin()
        self.extra_args = list(extra_args)

    def start(self, port=None):
        attempts = 1 if port else 5
        for _ in range(attempts):
            p = port or free_port()
            argv = [self.binary, "-l", "127.0.0.1", "-p", str(p), "-U", "0"] + self.extra_args
            if os.geteuid() == 0:
                argv += ["-u", "nobody"]  # memcached refuses to run as root without -u
            self._spawn(argv)
            try:
                poll(lambda: can_connect(p) or self.proc.poll() is not None, START_DEADLINE_S,
                     "memcached on port %d" % p)
            except TimeoutError:
                self.proc.kill()
                self.proc.wait()
                raise
            if self.proc.poll() is None:
                self.port = p
                return self
        raise AssertionError("memcached did not start; log:\n" + self.log())

    def restart(self):
        return self.start(self.port)


class ApicachedFront(Server):
    """The real apicached with one protocol front (`front`: "memcached" or "redis") on a port 0
    listener; the port is read from its log line "apicached: FRONT listening on 127.0.0.1:PORT".
    Shared by the memcached and Redis suites; a subclass names the front and may add arguments
    (front_args)."""
    name = "apicached"
    persistent = True
    front = None

    def __init__(self, extra_args=()):
        super().__init__()
        self.binary = apicached_bin()
        self.data_dir = os.path.join(self.tmp, "data")
        self.extra_args = list(extra_args)
        self.http_port = None

    def front_args(self):
        return []

    def start(self, port=None):
        """Starts on the data dir; port None takes a free one, else listens on that port (a
        restarted node of a cluster keeps its address)."""
        start_of_log = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        # --min-free-disk-bytes 0: the machine's free disk must not make eviction evict.
        argv = [self.binary, "--config", "", "--listen", "127.0.0.1:0",
                "--%s-listen" % self.front, "127.0.0.1:%d" % (port or 0),
                "--data-dir", self.data_dir, "--min-free-disk-bytes", "0"
                ] + self.extra_args + self.front_args()
        self._spawn(argv)
        listen_re = re.compile(rb"apicached: %s listening on 127\.0\.0\.1:(\d+)"
                               % self.front.encode())

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError("apicached exited with %s before listening; log:\n%s"
                                     % (self.proc.returncode, self.log()))
            with open(self.log_path, "rb") as f:
                f.seek(start_of_log)
                text = f.read()
            m = listen_re.search(text)
            h = HTTP_LISTEN_RE.search(text)
            return (m, h) if m and h else None

        try:
            m, h = poll(ready, START_DEADLINE_S, "apicached's %s listening line" % self.front)
        except TimeoutError:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("apicached did not log its %s port; log:\n%s"
                                 % (self.front, self.log()))
        self.port = int(m.group(1))
        self.http_port = int(h.group(1))
        poll(lambda: can_connect(self.port), START_DEADLINE_S, "apicached accepting")
        return self

    def restart(self):
        return self.start(self.port)


class ApicachedServer(ApicachedFront):
    """apicached with its memcached front."""
    front = "memcached"

    def __init__(self, extra_args=()):
        super().__init__(extra_args)
        require_memcached_front(self.binary)


class ExternalServer(Server):
    """A server somebody else started (MC_SUBJECT=HOST:PORT); never stopped by the tests."""
    name = "external"
    controllable = False

    def __init__(self, location):
        super().__init__()
        host, _, port = location.rpartition(":")
        if host not in ("127.0.0.1", "localhost"):
            raise AssertionError("MC_SUBJECT must be a loopback HOST:PORT, not %r" % location)
        self.port = int(port)

    def start(self, port=None):
        poll(lambda: can_connect(self.port), 5.0, "the server at %s" % self.location)
        return self


def subject_kind():
    return os.environ.get("MC_SUBJECT", "apicached")


def make_subject(extra_args=()):
    """A started server of the kind MC_SUBJECT names (see the module comment)."""
    kind = subject_kind()
    if kind == "apicached":
        return ApicachedServer(extra_args).start()
    if kind == "memcached":
        return MemcachedServer().start()
    return ExternalServer(kind).start()
