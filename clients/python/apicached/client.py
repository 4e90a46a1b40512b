"""A small, thread-safe HTTP client for apicached (standard library only).

It keeps a pool of keep-alive connections (``http.client``), sends the bearer token when one is
configured, applies a timeout to every connect, send and receive, and turns every failure into
an exception from :mod:`apicached.errors`. Methods map one to one onto the daemon's routes
(docs/API.md, docs/invalid-ids.md, docs/metrics.md); values are ``bytes`` at this level (see
:class:`apicached.APICacheService` for Python objects).

Example::

    client = Client("http://127.0.0.1:7431", token=None, timeout=2.0)
    client.put("migo", "ruc_20131312955", b'{"name": "ACME"}', ttl=3600,
               content_type="application/json")
    entry = client.get("migo", "ruc_20131312955")   # Entry or None
"""
from __future__ import annotations

import base64
import http.client
import json
import select
import socket
import ssl
import threading
import urllib.parse
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from .errors import CacheUnavailable, PreconditionFailed, error_for

Key = Union[str, bytes]

DEFAULT_URL = "http://127.0.0.1:7431"

# Methods that may be sent again on a fresh connection when a pooled one turns out to be dead.
# POST is never resent (incr, invalid-ID reports are not idempotent) unless the caller says so.
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE"})


@dataclass(frozen=True)
class Response:
    """One answer of the daemon."""

    status: int
    headers: Mapping[str, str]  # lower-case field names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass(frozen=True)
class Entry:
    """A live cache entry: its exact bytes, content type, ETag and seconds left (None: never
    expires)."""

    value: bytes
    content_type: str
    etag: str
    ttl: Optional[int]


def _quote(part: Key) -> str:
    return urllib.parse.quote(part, safe="")


def _ttl_of(headers: Mapping[str, str]) -> Optional[int]:
    for item in headers.get("cache-control", "").split(","):
        name, _, value = item.strip().partition("=")
        if name == "max-age" and value.isdigit():
            return int(value)
    return None


class Client:
    """A connection pool to one apicached daemon.

    Args:
        url: ``http://HOST:PORT`` of the daemon (a path prefix is allowed, e.g. behind a proxy),
            or ``https://HOST:PORT`` when its HTTP listener has TLS (``http-tls``).
        token: bearer token, sent as ``Authorization: Bearer ...`` when set.
        timeout: seconds for the connect and for each send or receive (``http.client``'s).
        pool_size: idle connections kept for reuse; more may be open at once while busy.
        ssl_context: for ``https://``: the :class:`ssl.SSLContext` that verifies the daemon
            (e.g. ``ssl.create_default_context(cafile="ca.crt")``, plus ``load_cert_chain`` for
            a client certificate under ``tls-auth-clients yes``); default: the system's CAs.

    Thread safety: one Client may be shared by any number of threads; each request takes a
    connection from the pool (or opens one) and gives it back when the answer was read.
    """

    def __init__(self, url: str = DEFAULT_URL, token: Optional[str] = None,
                 timeout: float = 5.0, pool_size: int = 8,
                 ssl_context: Optional[ssl.SSLContext] = None) -> None:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"apicached URL must be http[s]://HOST:PORT[/PREFIX], got {url!r}")
        if ssl_context is not None and parsed.scheme != "https":
            raise ValueError("ssl_context needs an https:// URL")
        self._ssl_context: Optional[ssl.SSLContext] = None
        if parsed.scheme == "https":
            self._ssl_context = ssl_context or ssl.create_default_context()
        if parsed.query or parsed.fragment:
            raise ValueError(f"apicached URL must not have a query or fragment: {url!r}")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.url = url
        self._host = parsed.hostname
        self._port = parsed.port or 7431
        self._prefix = parsed.path.rstrip("/")
        self._timeout = timeout
        self._pool_size = max(0, pool_size)
        self._headers = {"Accept": "application/json"}
        if token:
            if any(c in token for c in "\r\n"):
                raise ValueError("token must not contain line breaks")
            self._headers["Authorization"] = f"Bearer {token}"
        self._idle: List[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._closed = False

    # -- plumbing ---------------------------------------------------------------------------

    def close(self) -> None:
        """Closes every idle connection. The client can still be used (it opens new ones)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _take(self) -> Tuple[http.client.HTTPConnection, bool]:
        while True:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None:
                if self._ssl_context is not None:
                    return http.client.HTTPSConnection(self._host, self._port,
                                                       timeout=self._timeout,
                                                       context=self._ssl_context), False
                return http.client.HTTPConnection(self._host, self._port,
                                                  timeout=self._timeout), False
            if not _dropped(conn):
                return conn, True
            conn.close()

    def _give_back(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if len(self._idle) < self._pool_size:
                self._idle.append(conn)
                return
        conn.close()

    def request(self, method: str, path: str, body: Optional[bytes] = None,
                headers: Optional[Mapping[str, str]] = None,
                query: Optional[Mapping[str, Any]] = None,
                idempotent: Optional[bool] = None) -> Response:
        """Sends one request and returns the answer whatever its status.

        ``path`` is already percent-encoded and starts with ``/``. Raises CacheUnavailable when
        there is no answer. A pooled connection the daemon closed meanwhile is replaced and the
        request resent once, for idempotent requests only.
        """
        target = self._prefix + path
        if query:
            items = {k: v for k, v in query.items() if v is not None}
            if items:
                target += "?" + urllib.parse.urlencode(items, quote_via=urllib.parse.quote)
        send_headers = dict(self._headers)
        if headers:
            send_headers.update(headers)
        if body is not None:
            send_headers["Content-Length"] = str(len(body))
        may_resend = method in _IDEMPOTENT if idempotent is None else idempotent
        attempt = 0
        while True:
            attempt += 1
            conn, reused = self._take()
            try:
                conn.request(method, target, body=body, headers=send_headers)
                raw = conn.getresponse()
                data = raw.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                conn.close()
                if reused and may_resend and attempt == 1:
                    continue
                raise CacheUnavailable(f"{method} {target}: connection lost: {e}") from e
            except socket.timeout as e:
                conn.close()
                raise CacheUnavailable(
                    f"{method} {target}: no answer within {self._timeout:g} s") from e
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                raise CacheUnavailable(
                    f"{method} {target}: cannot reach apicached at {self._host}:{self._port}: "
                    f"{e}") from e
            answer = Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, data)
            if raw.will_close:
                conn.close()
            else:
                self._give_back(conn)
            return answer

    def _call(self, method: str, path: str, ok: Iterable[int], body: Optional[bytes] = None,
              headers: Optional[Mapping[str, str]] = None,
              query: Optional[Mapping[str, Any]] = None,
              idempotent: Optional[bool] = None) -> Response:
        res = self.request(method, path, body, headers, query, idempotent)
        if res.status not in ok:
            raise error_for(res.status, res.body, method, self._prefix + path)
        return res

    def _json_call(self, method: str, path: str, payload: Any, ok: Iterable[int] = (200,),
                   idempotent: Optional[bool] = None) -> Response:
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        return self._call(method, path, ok, body, {"Content-Type": "application/json"},
                          idempotent=idempotent)

    # -- single entries ---------------------------------------------------------------------

    def get(self, ns: str, key: Key) -> Optional[Entry]:
        """The live entry, or None when it is missing or expired."""
        res = self._call("GET", f"/v1/cache/{_quote(ns)}/{_quote(key)}", (200, 404))
        if res.status == 404:
            return None
        return Entry(res.body, res.headers.get("content-type", "application/octet-stream"),
                     res.headers.get("etag", ""), _ttl_of(res.headers))

    def exists(self, ns: str, key: Key) -> bool:
        """True when a live entry exists (a HEAD; counts as a lookup)."""
        return self._call("HEAD", f"/v1/cache/{_quote(ns)}/{_quote(key)}",
                          (200, 404)).status == 200

    def put(self, ns: str, key: Key, value: bytes, ttl: Optional[int] = None,
            content_type: str = "application/octet-stream", if_absent: bool = False,
            if_match: Optional[str] = None) -> bool:
        """Stores value; True when it created the entry, False when it replaced one.

        ttl: seconds (0 never expires; None: the namespace's default). if_absent: only when no
        live entry exists; if_match: only when the live entry has this ETag. A condition that
        does not hold raises PreconditionFailed.
        """
        headers = {"Content-Type": content_type}
        if if_absent:
            headers["If-None-Match"] = "*"
        if if_match is not None:
            headers["If-Match"] = if_match
        res = self._call("PUT", f"/v1/cache/{_quote(ns)}/{_quote(key)}", (201, 204),
                         bytes(value), headers, {"ttl": ttl})
        return res.status == 201

    def add(self, ns: str, key: Key, value: bytes, ttl: Optional[int] = None,
            content_type: str = "application/octet-stream") -> bool:
        """Stores value only when no live entry exists; False when one does."""
        try:
            return self.put(ns, key, value, ttl, content_type, if_absent=True)
        except PreconditionFailed:
            return False

    def delete(self, ns: str, key: Key) -> bool:
        """True when a live entry was deleted."""
        return self._call("DELETE", f"/v1/cache/{_quote(ns)}/{_quote(key)}",
                          (204, 404)).status == 204

    def incr(self, ns: str, key: Key, by: int = 1, ttl: Optional[int] = None) -> int:
        """Atomically adds by to an integer entry (created as by when missing); the new value."""
        res = self._call("POST", f"/v1/cache/{_quote(ns)}/{_quote(key)}/incr", (200,),
                         b"", query={"by": by, "ttl": ttl})
        return int(res.json()["value"])

    def touch(self, ns: str, key: Key, ttl: Optional[int] = None) -> bool:
        """Gives a live entry a new TTL from now; False when there is none."""
        return self._call("POST", f"/v1/cache/{_quote(ns)}/{_quote(key)}/touch", (204, 404),
                          b"", query={"ttl": ttl}, idempotent=True).status == 204

    # -- batches ----------------------------------------------------------------------------

    def mget(self, ns: str, keys: Sequence[str]) -> Dict[str, Entry]:
        """The live entries among keys (at most the daemon's --max-batch-keys, 1000)."""
        res = self._json_call("POST", f"/v1/cache/{_quote(ns)}/_mget", {"keys": list(keys)},
                              idempotent=True)
        found: Dict[str, Entry] = {}
        for key, item in res.json()["found"].items():
            encoding = item["encoding"]
            if encoding == "json":
                raw = json.dumps(item["value"], separators=(",", ":")).encode("utf-8")
            elif encoding == "base64":
                raw = base64.b64decode(item["value"])
            else:
                raw = item["value"].encode("utf-8")
            found[key] = Entry(raw, item["content_type"], item["etag"], item["ttl"])
        return found

    def mset(self, ns: str, entries: Iterable[Tuple[str, bytes, str, Optional[int]]]) -> int:
        """Stores (key, value, content_type, ttl) entries as one atomic batch; how many."""
        batch = [{"key": k, "value": base64.b64encode(bytes(v)).decode("ascii"),
                  "encoding": "base64", "content_type": ct, "ttl": ttl}
                 for k, v, ct, ttl in entries]
        res = self._json_call("POST", f"/v1/cache/{_quote(ns)}/_mset", {"entries": batch},
                              idempotent=True)
        return int(res.json()["stored"])

    def mdelete(self, ns: str, keys: Sequence[str]) -> int:
        """Deletes keys; how many live entries were deleted."""
        res = self._json_call("POST", f"/v1/cache/{_quote(ns)}/_mdelete", {"keys": list(keys)},
                              idempotent=True)
        return int(res.json()["deleted"])

    # -- namespaces -------------------------------------------------------------------------

    def namespaces(self) -> List[Dict[str, Any]]:
        """Every namespace with its figures (name, approx_live_keys, disk_bytes, ...)."""
        return list(self._call("GET", "/v1/cache", (200,)).json()["namespaces"])

    def namespace(self, ns: str) -> Optional[Dict[str, Any]]:
        """One namespace's figures; None when it was never written."""
        res = self._call("GET", f"/v1/cache/{_quote(ns)}", (200, 404))
        return res.json() if res.status == 200 else None

    def clear_namespace(self, ns: str, prefix: Optional[str] = None) -> Optional[int]:
        """Deletes every entry of ns (constant time), or only the keys starting with prefix
        (then returns how many were deleted)."""
        if prefix is None:
            self._call("DELETE", f"/v1/cache/{_quote(ns)}", (204,))
            return None
        if not prefix:
            raise ValueError("prefix must not be empty")
        res = self._call("DELETE", f"/v1/cache/{_quote(ns)}", (200,), query={"prefix": prefix})
        return int(res.json()["deleted"])

    # -- invalid identifiers and the RUC check ----------------------------------------------

    def report_invalid(self, list_name: str, ident: str, reason: str,
                       ttl: Optional[int] = None) -> Dict[str, Any]:
        """Records ident in list_name (attempts + 1, atomically); the record after it."""
        payload: Dict[str, Any] = {"reason": reason}
        if ttl is not None:
            payload["ttl"] = ttl
        return dict(self._json_call("PUT", f"/v1/invalid/{_quote(list_name)}/{_quote(ident)}",
                                    payload, ok=(200, 201), idempotent=False).json())

    def invalid_record(self, list_name: str, ident: str) -> Optional[Dict[str, Any]]:
        """The live record of ident, or None."""
        res = self._call("GET", f"/v1/invalid/{_quote(list_name)}/{_quote(ident)}", (200, 404))
        return res.json() if res.status == 200 else None

    def invalid_records(self, list_name: str, page_size: int = 1000
                        ) -> Iterator[Tuple[str, Dict[str, Any]]]:
        """Every live record of the list, page by page, in byte order of the identifiers."""
        after: Optional[str] = None
        while True:
            res = self._call("GET", f"/v1/invalid/{_quote(list_name)}", (200,),
                             query={"limit": page_size, "after": after})
            page = res.json()
            yield from page["records"].items()
            after = page.get("next_after")
            if after is None:
                return

    def forget_invalid(self, list_name: str, ident: str) -> bool:
        """Removes ident's record; False when there was none."""
        return self._call("DELETE", f"/v1/invalid/{_quote(list_name)}/{_quote(ident)}",
                          (204, 404)).status == 204

    def check_ruc(self, ruc: str, record: bool = False) -> Dict[str, Any]:
        """The RUC format check and its invalid-ID record ({ruc, valid_format, reason, detail,
        invalid}); with record=True a malformed RUC is reported as INVALID_FORMAT first."""
        return dict(self._call("GET", f"/v1/ruc/{_quote(ruc)}", (200,),
                               query={"record": 1 if record else None},
                               idempotent=not record).json())

    # -- figures and maintenance ------------------------------------------------------------

    def stats(self, date: Optional[str] = None) -> Dict[str, Any]:
        """GET /v1/stats: the seed's get_statistics() shape for a UTC day (today by default)."""
        return dict(self._call("GET", "/v1/stats", (200,), query={"date": date}).json())

    def reset_stats(self) -> None:
        """Forgets every day's hit and miss counts."""
        self._call("DELETE", "/v1/stats", (204,))

    def health(self) -> Dict[str, Any]:
        """GET /v1/health; the JSON also when the daemon answers 503 (status "error")."""
        return dict(self._call("GET", "/v1/health", (200, 503)).json())

    def metrics(self) -> str:
        """The Prometheus exposition text of GET /metrics."""
        return self._call("GET", "/metrics", (200,)).body.decode("utf-8")

    def compact(self, ns: Optional[str] = None) -> Dict[str, Any]:
        """POST /v1/admin/compact: drops expired entries now (all namespaces, or ns)."""
        return dict(self._call("POST", "/v1/admin/compact", (200,), b"",
                               query={"ns": ns}, idempotent=True).json())


def _dropped(conn: http.client.HTTPConnection) -> bool:
    """True when the daemon closed an idle pooled connection (readable means EOF or junk)."""
    sock = conn.sock
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)
