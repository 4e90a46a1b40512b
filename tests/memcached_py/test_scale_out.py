"""Scale-out on existing engines: three subject daemons behind twemproxy (Debian nutcracker,
ketama distribution, its config written here on free loopback ports) and behind pymemcache's
HashClient (what Django uses for a LOCATION list). The keys spread over the nodes (each has
some); one node restarted (clean and SIGKILL) on its address comes back with its keys, where a
memcached node comes back empty (asserted as well, to document the difference).
docs/scale-out.md shows the same configurations."""
import os
import signal
import subprocess

import pytest

import mcservers
from conftest import require_tool, started
from mcwire import Conn
from test_text_compare import S

NODES = 3
KEYS = 300
SIGNALS = {"SIGTERM": signal.SIGTERM, "SIGKILL": signal.SIGKILL}


def node_factory(kind):
    if kind == "memcached":
        return lambda: mcservers.MemcachedServer().start()
    if kind == "apicached":
        return lambda: mcservers.ApicachedServer().start()
    pytest.skip("SKIPPED LOUDLY: MC_SUBJECT=%s: the scale-out tests start their own nodes" % kind)


def cluster(kind):
    nodes = []
    try:
        for _ in range(NODES):
            nodes.append(started(node_factory(kind)))
    except BaseException:
        for n in nodes:
            n.close()
        raise
    return nodes


def kinds():
    """The subject's kind, and memcached beside it to document the difference."""
    kind = mcservers.subject_kind()
    return [kind] if kind == "memcached" else [kind, "memcached"]


class Nutcracker(mcservers.Server):
    name = "nutcracker"

    def __init__(self, nodes):
        super().__init__()
        self.conf = os.path.join(self.tmp, "nutcracker.yml")
        self.port = mcservers.free_port()
        self.stats_port = mcservers.free_port()
        lines = ["apicached:",
                 "  listen: 127.0.0.1:%d" % self.port,
                 "  hash: md5",
                 "  distribution: ketama",
                 "  timeout: 2000",
                 "  auto_eject_hosts: false",
                 "  server_connections: 1",
                 "  servers:"]
        lines += ["    - %s:1 node%d" % (n.location, i) for i, n in enumerate(nodes)]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")

    def start(self):
        test = subprocess.run(["nutcracker", "--test-conf", "-c", self.conf],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        assert test.returncode == 0, test.stdout
        self._spawn(["nutcracker", "-c", self.conf, "-s", str(self.stats_port),
                     "-a", "127.0.0.1", "-v", "5"])
        mcservers.poll(lambda: mcservers.can_connect(self.port) or self.proc.poll() is not None,
                       mcservers.START_DEADLINE_S, "nutcracker")
        assert self.proc.poll() is None, "nutcracker exited; log:\n" + self.log()
        return self


class ProxyReader:
    """GETs through a proxy that may answer SERVER_ERROR (or drop the connection) for a moment
    after a node restarts: retried under a deadline, on a new connection when dropped."""

    def __init__(self, address, deadline_s=20.0):
        self.address = address
        self.deadline_s = deadline_s
        self.conn = Conn(address)

    def get(self, key):
        def attempt():
            try:
                self.conn.send(b"get %s\r\n" % key)
                reply = self.conn.read_unit()
                if reply.startswith(b"VALUE "):
                    reply += self.conn.read_line()
                if not reply.startswith(b"SERVER_ERROR"):
                    return reply
            except (EOFError, OSError):
                self.conn = Conn(self.address)
            return None
        return mcservers.poll(attempt, self.deadline_s,
                              "an answer for %r through the proxy" % key, interval_s=0.05)


def keys_on(node, keys):
    c = Conn(node.address)
    reply = c.call(b"get " + b" ".join(keys) + b"\r\n")
    c.close()
    return {line.split()[1] for line in reply.split(b"\r\n") if line.startswith(b"VALUE ")}


def value(key):
    return b"value of " + key


@pytest.mark.parametrize("sig", SIGNALS.values(), ids=SIGNALS.keys())
@pytest.mark.parametrize("kind", kinds())
def test_twemproxy_ketama(kind, sig):
    require_tool("nutcracker")
    nodes = cluster(kind)
    proxy = Nutcracker(nodes).start()
    try:
        keys = [b"user:%d" % i for i in range(KEYS)]
        c = Conn(proxy.address)  # twemproxy knows no meta command: no mn, count the replies
        c.send(b"".join(S(k, value(k)) for k in keys))
        assert [c.read_line() for _ in keys] == [b"STORED\r\n"] * KEYS
        c.close()
        spread = [keys_on(n, keys) for n in nodes]
        assert all(spread), "a node got no key: %r" % [len(s) for s in spread]
        assert sum(len(s) for s in spread) == KEYS and set().union(*spread) == set(keys)

        victim = nodes[1]
        assert victim.stop(sig) is not None
        victim.restart()
        reader = ProxyReader(proxy.address)
        got = {k: reader.get(k) for k in keys}
        lost = [k for k in keys if got[k] == b"END\r\n"]
        if victim.persistent:
            assert not lost, "%d keys of the restarted node lost" % len(lost)
            assert all(got[k] == b"VALUE %s 0 %d\r\n%s\r\nEND\r\n" % (k, len(value(k)), value(k))
                       for k in keys)
        else:
            assert set(lost) == spread[1], "memcached's restarted node should be empty"
    finally:
        proxy.close()
        for n in nodes:
            n.close()


@pytest.mark.parametrize("sig", SIGNALS.values(), ids=SIGNALS.keys())
@pytest.mark.parametrize("kind", kinds())
def test_pymemcache_hashclient(kind, sig):
    hashmod = pytest.importorskip("pymemcache.client.hash", reason="SKIPPED LOUDLY: "
                                  "python3-pymemcache is not installed")
    nodes = cluster(kind)
    try:
        servers = [n.address for n in nodes]
        hc = hashmod.HashClient(servers, default_noreply=False, connect_timeout=5, timeout=15)
        keys = [b"django:1:item%d" % i for i in range(KEYS)]
        assert hc.set_many({k: value(k) for k in keys}) == []
        hc.close()
        spread = [keys_on(n, keys) for n in nodes]
        assert all(spread), "a node got no key: %r" % [len(s) for s in spread]
        assert set().union(*spread) == set(keys)

        nodes[0].stop(sig)
        nodes[0].restart()
        # a fresh client, as an application restarted with the node would have
        hc = hashmod.HashClient(servers, default_noreply=False, connect_timeout=5, timeout=15)
        got = hc.get_many(keys)
        hc.close()
        if nodes[0].persistent:
            assert got == {k: value(k) for k in keys}
        else:
            assert set(keys) - set(got) == spread[0], "memcached's restarted node should be empty"
    finally:
        for n in nodes:
            n.close()
