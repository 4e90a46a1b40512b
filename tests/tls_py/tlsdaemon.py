"""apicached with its three fronts (HTTP, memcached, Redis) on port 0 listeners over TLS; the
ports are read from its log lines."""
import os
import re
import shutil
import signal
import ssl
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "memcached_py"))

from mcservers import START_DEADLINE_S, Server, apicached_bin, can_connect, poll  # noqa

LINES = {
    "http": re.compile(rb"apicached: listening on 127\.0\.0\.1:(\d+) \(TLS\)"),
    "memcached": re.compile(rb"apicached: memcached listening on 127\.0\.0\.1:(\d+) \(TLS\)"),
    "redis": re.compile(rb"apicached: redis listening on 127\.0\.0\.1:(\d+) \(TLS\)"),
}


class TlsDaemon(Server):
    """The process handling (temp dir, log, spawn, stop) is mcservers.Server's, as for the
    memcached and Redis suites' daemons; this one runs all three fronts at once, over TLS."""
    name = "apicached-tls"

    def __init__(self, certs, extra_args=(), cert="server"):
        super().__init__()
        # Copies: the SIGHUP test overwrites them.
        self.cert_file = os.path.join(self.tmp, "cert.pem")
        self.key_file = os.path.join(self.tmp, "key.pem")
        shutil.copy(certs[cert + ".crt"], self.cert_file)
        shutil.copy(certs[cert + ".key"], self.key_file)
        self.argv = [apicached_bin(), "--config", "", "--data-dir", os.path.join(self.tmp, "d"),
                     "--min-free-disk-bytes", "0",
                     "--listen", "127.0.0.1:0", "--memcached-listen", "127.0.0.1:0",
                     "--redis-listen", "127.0.0.1:0", "--http-tls", "--memcached-tls",
                     "--redis-tls", "--tls-cert-file", self.cert_file,
                     "--tls-key-file", self.key_file] + list(extra_args)
        self.ports = {}

    def start(self):
        self._spawn(self.argv)

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError("apicached exited with %s; log:\n%s"
                                     % (self.proc.returncode, self.log()))
            with open(self.log_path, "rb") as f:
                text = f.read()
            found = {k: r.search(text) for k, r in LINES.items()}
            return found if all(found.values()) else None

        found = poll(ready, START_DEADLINE_S, "apicached's TLS listening lines")
        self.ports = {k: int(m.group(1)) for k, m in found.items()}
        for p in self.ports.values():
            poll(lambda: can_connect(p), START_DEADLINE_S, "apicached accepting")
        return self

    def hup(self):
        self.proc.send_signal(signal.SIGHUP)

    def close(self):
        """A graceful stop (SIGTERM; killed past the deadline), then the temp dir goes."""
        try:
            self.stop()
        finally:
            super().close()


def client_context(certs, ca="ca", cert=None):
    """A client's SSLContext trusting ca, with the client certificate `cert` if given."""
    ctx = ssl.create_default_context(cafile=certs[ca + ".crt"])
    if cert:
        ctx.load_cert_chain(certs[cert + ".crt"], certs[cert + ".key"])
    return ctx
