"""Redis-speaking servers for the tests: the reference redis-server 7.0 and the real apicached.

Every server listens on 127.0.0.1 only, with its files in a temp dir. Readiness is polled under a
deadline (a PING for redis-server, the log line then a connect for apicached); nothing sleeps a
fixed time.

Environment (see tests/redis_py/README.md):
  APICACHED_BIN   the apicached binary (ctest passes the built one)
  REDIS_SERVER_BIN the reference (default: redis-server from PATH)
  REDIS_SUBJECT   what the suites test: "apicached" (default), "redis" (a second reference
                  redis-server, to check the suites themselves) or HOST:PORT (a server that is
                  already running; tests that stop, restart or configure the server skip)
"""
import os
import shutil
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "memcached_py"))

# the process plumbing every protocol suite shares (temp dir, log, stop/kill, polling)
from mcservers import (START_DEADLINE_S, ApicachedFront, ExternalServer,  # noqa: E402,F401
                       FrontMissing, Server, ToolMissing, apicached_bin, can_connect,
                       free_port, poll)



def answers_ping(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as s:
            s.sendall(b"PING\r\n")
            data = s.recv(64)
            # -NOAUTH also proves it is up
            return data.startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


def redis_server_bin():
    path = shutil.which(os.environ.get("REDIS_SERVER_BIN", "redis-server"))
    if not path:
        raise ToolMissing("redis-server (Debian package redis-server) is not installed; "
                          "scripts/install-deps.sh test installs it")
    return path


_help = {}


def help_text(binary):
    if binary not in _help:
        _help[binary] = subprocess.run([binary, "--help"], stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, timeout=30).stdout
    return _help[binary]


def require_redis_front(binary):
    if b"--redis-listen" not in help_text(binary):
        raise FrontMissing("%s has no --redis-listen: the Redis front has not landed in this "
                           "build" % binary)


def url(server, db=0):
    """The redis:// URL of a server (with its token, if it has one)."""
    auth = ":%s@" % server.token if getattr(server, "token", None) else ""
    return "redis://%s%s/%d" % (auth, server.location, db)


class RedisServer(Server):
    """The reference: redis-server 7.0 on 127.0.0.1, no persistence (--save '' --appendonly no),
    its dir a temp dir. A free port is picked first and the start retried if it was taken."""
    name = "redis"

    def __init__(self, extra_args=(), token=None):
        super().__init__()
        self.binary = redis_server_bin()
        self.extra_args = list(extra_args)
        self.token = token

    def start(self, port=None):
        attempts = 1 if port else 5
        for _ in range(attempts):
            p = port or free_port()
            argv = [self.binary, "--port", str(p), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no", "--dir", self.tmp, "--daemonize", "no",
                    "--logfile", ""]
            if self.token:
                argv += ["--requirepass", self.token]
            self._spawn(argv + self.extra_args)
            try:
                poll(lambda: answers_ping(p) or self.proc.poll() is not None, START_DEADLINE_S,
                     "redis-server on port %d" % p)
            except TimeoutError:
                self.proc.kill()
                self.proc.wait()
                raise
            if self.proc.poll() is None:
                self.port = p
                return self
        raise AssertionError("redis-server did not start; log:\n" + self.log())

    def restart(self):
        return self.start(self.port)


class ApicachedServer(ApicachedFront):
    """apicached with its Redis front. With token, the token is written to a file given as
    --auth-token-file (the token of every front)."""
    front = "redis"

    def __init__(self, extra_args=(), token=None):
        super().__init__(extra_args)
        require_redis_front(self.binary)
        self.token = token

    def front_args(self):
        if not self.token:
            return []
        token_file = os.path.join(self.tmp, "token")
        with open(token_file, "w") as f:
            f.write(self.token + "\n")
        os.chmod(token_file, 0o600)
        return ["--auth-token-file", token_file]


def subject_kind():
    return os.environ.get("REDIS_SUBJECT", "apicached")


def make_subject(extra_args=(), token=None):
    """A started server of the kind REDIS_SUBJECT names (see the module comment)."""
    kind = subject_kind()
    if kind == "apicached":
        return ApicachedServer(extra_args, token=token).start()
    if kind == "redis":
        return RedisServer(token=token).start()
    if extra_args or token:
        raise ToolMissing("REDIS_SUBJECT=%s is not started by the tests, so they cannot give it "
                          "options" % kind)
    return ExternalServer(kind).start()
