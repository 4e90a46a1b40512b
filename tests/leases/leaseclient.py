"""get_or_fetch over plain HTTP, as docs/leases.md shows it (the tests run this very code)."""
from __future__ import annotations

import http.client


# --- docs/leases.md: HTTP get_or_fetch (begin) ---
def get_or_fetch(conn, ns, key, fetch, ttl=3600, grace=600, lease=10, wait=10):
    """ns/key from apicached; on a miss exactly one caller runs fetch() and stores the result.
    Past the TTL (within the grace) callers get the old value at once and one of them refreshes."""
    while True:
        conn.request("GET", f"/v1/cache/{ns}/{key}?lease={lease}&wait={wait}&stale=1")
        r = conn.getresponse()
        body = r.read()
        token = r.getheader("Apicached-Lease")  # set: this caller fetches
        if token is None:
            if r.status == 200:
                return body  # fresh, stale, or stored by the caller that fetched
            continue  # the fetcher is slow (over `wait`): ask again
        value = fetch()
        conn.request("PUT", f"/v1/cache/{ns}/{key}?ttl={ttl}&grace={grace}", body=value,
                     headers={"Apicached-Lease": token})
        conn.getresponse().read()  # 412: someone stored a newer value meanwhile; ours is fine
        return value
# --- docs/leases.md: HTTP get_or_fetch (end) ---


def connect(daemon, timeout=30.0):
    return http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=timeout)


def request(daemon, method, path, body=None, headers=None):
    c = connect(daemon)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


def metrics(daemon):
    _, _, body = request(daemon, "GET", "/metrics")
    return body.decode()


def lease_events(daemon, ns, event, protocol="http"):
    needle = (f'apicached_cache_lease_events_total{{cache_namespace="{ns}",'
              f'event="{event}",protocol="{protocol}"}} ')
    for line in metrics(daemon).splitlines():
        if line.startswith(needle):
            return float(line[len(needle):])
    return 0.0

