"""APICacheService: the seed application's caching service, backed by apicached.

Same method names, arguments and return shapes as the service in the seed's caching-strategy
guide, with what apicached adds underneath:

* ``"service:key"`` keys live in the namespace ``service`` (``get_service_cache_key('migo',
  'ruc_1')`` is ``"migo:ruc_1"``), so ``clear_service_cache('migo')`` really clears that
  service's entries, in constant time; keys without a service prefix live in
  ``default_namespace``;
* invalid RUCs are one record per RUC in the daemon's invalid-ID list ``ruc``: ``add_invalid_ruc``
  adds one attempt atomically on the daemon, however many workers report at once, and each
  record expires on its own (7 days after its latest report by default);
* ``get_statistics`` and ``get_health`` are the daemon's ``/v1/stats`` and ``/v1/health``, which
  count every client's lookups, per namespace.

"Cache is optional" (the seed's rule): with ``fail_silently=True`` (the default) a daemon that
cannot be reached, times out or answers 5xx reads as a miss (``get`` returns the default,
``set`` returns False...) and the failure is logged on the ``apicached`` logger; bad input
(a value too large, a bad name) still raises.
"""
from __future__ import annotations

import datetime as _dt
import logging
import os
import re
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, TypeVar

from . import codec
from .client import DEFAULT_URL, Client
from .errors import APICachedError, CacheUnavailable, HTTPError, ServerError

log = logging.getLogger("apicached")

# The seed's TTL tiers (seconds).
CACHE_TIMEOUT_SHORT = 60
CACHE_TIMEOUT_MEDIUM = 3600
CACHE_TIMEOUT_LONG = 86400
CACHE_TIMEOUT_EXTRA_LONG = 604800

_NAMESPACE_RE = re.compile(r"[a-z0-9_-]{1,64}\Z")
T = TypeVar("T")


def _seed_timestamp(iso: Optional[str]) -> Optional[str]:
    """'2026-01-25T10:30:00.000Z' -> '2026-01-25 10:30:00' (UTC), the seed's timestamp shape."""
    if not iso:
        return iso
    return iso[:19].replace("T", " ")


def _seed_record(record: Mapping[str, Any]) -> Dict[str, Any]:
    """An invalid-ID record in the seed's shape (reason, timestamp, attempts) plus the daemon's
    first_seen, last_seen and expires_at."""
    out = {"reason": record["reason"], "timestamp": _seed_timestamp(record.get("last_seen")),
           "attempts": int(record["attempts"])}
    for name in ("first_seen", "last_seen", "expires_at"):
        out[name] = record.get(name)
    return out


class APICacheService:
    """The seed's centralized cache service over one apicached daemon.

    Args:
        url: the daemon (default: ``$APICACHED_URL`` or ``http://127.0.0.1:7431``).
        token: bearer token (default: ``$APICACHED_TOKEN``).
        timeout: seconds per connect / send / receive.
        default_namespace: where keys without a ``service:`` prefix live.
        invalid_list: the daemon's invalid-ID list for RUCs.
        fail_silently: a failure of the daemon reads as a miss and is logged (the seed's
            "cache is optional"); False: it raises :class:`apicached.APICachedError`.
        pickle: store values JSON cannot hold as pickles (and read pickles back). Off by default:
            unpickling runs code.
        client: an existing :class:`apicached.Client` to share (url/token/timeout then unused).

    Thread safety: one instance may be shared by every thread of a process.
    """

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None,
                 timeout: float = 2.0, default_namespace: str = "default",
                 invalid_list: str = "ruc", fail_silently: bool = True, pickle: bool = False,
                 client: Optional[Client] = None) -> None:
        if not _NAMESPACE_RE.match(default_namespace):
            raise ValueError(f"bad namespace name {default_namespace!r}: 1-64 of [a-z0-9_-]")
        self.client = client or Client(url or os.environ.get("APICACHED_URL", DEFAULT_URL),
                                       token if token is not None
                                       else os.environ.get("APICACHED_TOKEN"), timeout)
        self.default_namespace = default_namespace
        self.invalid_list = invalid_list
        self.fail_silently = fail_silently
        self.allow_pickle = pickle

    # -- helpers ----------------------------------------------------------------------------

    def _guard(self, what: str, fallback: T, call: Callable[[], T]) -> T:
        try:
            return call()
        except (CacheUnavailable, ServerError) as e:
            if not self.fail_silently:
                raise
            log.warning("apicached: %s failed, treated as a miss: %s", what, e)
            return fallback

    def split_key(self, key: str) -> Tuple[str, str]:
        """(namespace, key) of a seed key: ``"migo:ruc_1"`` -> ``("migo", "ruc_1")``; a key with
        no valid namespace before its first ``:`` goes to default_namespace whole."""
        service, sep, rest = key.partition(":")
        if sep and rest and _NAMESPACE_RE.match(service):
            return service, rest
        return self.default_namespace, key

    # -- the seed's key/value methods -------------------------------------------------------

    def get_service_cache_key(self, service: str, key: str) -> str:
        """``f"{service}:{key}"``: the key lives in the namespace named service."""
        if not _NAMESPACE_RE.match(service):
            raise ValueError(f"bad service name {service!r}: 1-64 of [a-z0-9_-]")
        return f"{service}:{key}"

    def get(self, key: str, default: Any = None) -> Any:
        """The cached value, or default when missing, expired (or unreachable, when failing
        silently)."""
        ns, k = self.split_key(key)

        def call() -> Any:
            entry = self.client.get(ns, k)
            if entry is None:
                return default
            return codec.decode(entry.value, entry.content_type, self.allow_pickle)
        return self._guard(f"get {key!r}", default, call)

    def set(self, key: str, value: Any, ttl: Optional[int] = None) -> bool:
        """Stores value for ttl seconds (None: the namespace's default, 3600 s unless configured;
        0: never expires). True when stored."""
        ns, k = self.split_key(key)
        data, content_type = codec.encode(value, self.allow_pickle)
        return self._guard(f"set {key!r}", False,
                           lambda: self.client.put(ns, k, data, ttl, content_type) or True)

    def add(self, key: str, value: Any, ttl: Optional[int] = None) -> bool:
        """Stores value only when the key has no live entry; True when stored."""
        ns, k = self.split_key(key)
        data, content_type = codec.encode(value, self.allow_pickle)
        return self._guard(f"add {key!r}", False,
                           lambda: self.client.add(ns, k, data, ttl, content_type))

    def delete(self, key: str) -> bool:
        """Removes the key; True when a live entry was removed."""
        ns, k = self.split_key(key)
        return self._guard(f"delete {key!r}", False, lambda: self.client.delete(ns, k))

    def incr(self, key: str, delta: int = 1, ttl: Optional[int] = None) -> Optional[int]:
        """Atomically adds delta (created as delta with ttl when missing), e.g. rate limits;
        the new value (None when failing silently)."""
        ns, k = self.split_key(key)
        return self._guard(f"incr {key!r}", None, lambda: self.client.incr(ns, k, delta, ttl))

    def get_many(self, keys: Iterable[str]) -> Dict[str, Any]:
        """The cached values among keys (missing keys are left out), one request per namespace
        and 1000 keys."""
        by_ns: Dict[str, Dict[str, str]] = {}
        for key in keys:
            ns, k = self.split_key(key)
            by_ns.setdefault(ns, {})[k] = key

        def call() -> Dict[str, Any]:
            out: Dict[str, Any] = {}
            for ns, names in by_ns.items():
                inner = list(names)
                for i in range(0, len(inner), 1000):
                    for k, entry in self.client.mget(ns, inner[i:i + 1000]).items():
                        out[names[k]] = codec.decode(entry.value, entry.content_type,
                                                     self.allow_pickle)
            return out
        return self._guard("get_many", {}, call)

    def set_many(self, mapping: Mapping[str, Any], ttl: Optional[int] = None) -> bool:
        """Stores every value (atomically per namespace and 1000 keys); True when stored."""
        by_ns: Dict[str, List[Tuple[str, bytes, str, Optional[int]]]] = {}
        for key, value in mapping.items():
            ns, k = self.split_key(key)
            data, content_type = codec.encode(value, self.allow_pickle)
            by_ns.setdefault(ns, []).append((k, data, content_type, ttl))

        def call() -> bool:
            for ns, entries in by_ns.items():
                for i in range(0, len(entries), 1000):
                    self.client.mset(ns, entries[i:i + 1000])
            return True
        return self._guard("set_many", False, call)

    def clear(self, statistics: bool = True) -> bool:
        """Empties every namespace of the daemon and, with statistics=True, forgets the hit and
        miss counts (in the seed they lived in the cache too). Invalid-ID records are kept: they
        are long-term tracking with their own expiry (remove_invalid_ruc forgets one)."""
        def call() -> bool:
            for ns in self.client.namespaces():
                self.client.clear_namespace(ns["name"])
            if statistics:
                self.client.reset_stats()
            return True
        return self._guard("clear", False, call)

    def clear_service_cache(self, service: str) -> bool:
        """Deletes every entry of the service's namespace at once (constant time on the daemon);
        True when done (also when the namespace never existed)."""
        if not _NAMESPACE_RE.match(service):
            raise ValueError(f"bad service name {service!r}: 1-64 of [a-z0-9_-]")

        def call() -> bool:
            try:
                self.client.clear_namespace(service)
            except HTTPError as e:
                if e.status != 404:
                    raise
            return True
        return self._guard(f"clear_service_cache {service!r}", False, call)

    # -- invalid RUCs -----------------------------------------------------------------------

    def add_invalid_ruc(self, ruc: str, reason: str = "NOT_FOUND",
                        ttl: int = CACHE_TIMEOUT_EXTRA_LONG) -> Optional[Dict[str, Any]]:
        """Records ruc as invalid: attempts + 1 atomically on the daemon, the record's expiry
        moved to ttl seconds after this report. The record in the seed's shape ({reason,
        timestamp, attempts} plus first_seen, last_seen, expires_at); None when failing
        silently."""
        return self._guard(
            f"add_invalid_ruc {ruc!r}", None,
            lambda: _seed_record(self.client.report_invalid(self.invalid_list, ruc, reason, ttl)))

    def is_ruc_invalid(self, ruc: str, check_format: bool = True) -> bool:
        """True when ruc was recorded invalid (and, with check_format, also when it is not a
        well-formed RUC: 11 digits, a known prefix, the right check digit). Skip the upstream
        call when it is."""
        def call() -> bool:
            if check_format and self.invalid_list == "ruc":
                answer = self.client.check_ruc(ruc)
                return answer.get("invalid") is not None or not answer.get("valid_format", True)
            return self.client.invalid_record(self.invalid_list, ruc) is not None
        return self._guard(f"is_ruc_invalid {ruc!r}", False, call)

    def get_invalid_ruc(self, ruc: str) -> Optional[Dict[str, Any]]:
        """One RUC's record in the seed's shape, or None."""
        def call() -> Optional[Dict[str, Any]]:
            record = self.client.invalid_record(self.invalid_list, ruc)
            return None if record is None else _seed_record(record)
        return self._guard(f"get_invalid_ruc {ruc!r}", None, call)

    def remove_invalid_ruc(self, ruc: str) -> bool:
        """Forgets ruc's record; True when there was one."""
        return self._guard(f"remove_invalid_ruc {ruc!r}", False,
                           lambda: self.client.forget_invalid(self.invalid_list, ruc))

    def get_invalid_rucs(self) -> Dict[str, Dict[str, Any]]:
        """{ruc: {reason, timestamp, attempts, first_seen, last_seen, expires_at}} of every live
        record (paged through the daemon, 1000 at a time)."""
        return self._guard("get_invalid_rucs", {}, lambda: {
            ruc: _seed_record(record)
            for ruc, record in self.client.invalid_records(self.invalid_list)})

    # -- monitoring -------------------------------------------------------------------------

    def get_statistics(self, date: Optional[str] = None) -> Dict[str, Any]:
        """{hits, misses, hit_rate, total_keys, service_breakdown, timestamp, date} for a UTC
        day (today by default), counted by the daemon across every client."""
        now = _dt.datetime.now(_dt.timezone.utc)
        empty = {"hits": 0, "misses": 0, "hit_rate": 0.0, "total_keys": 0,
                 "service_breakdown": {}, "timestamp": now.strftime("%Y-%m-%d %H:%M:%S"),
                 "date": date or now.strftime("%Y-%m-%d")}
        return self._guard("get_statistics", empty, lambda: self.client.stats(date))

    def get_health(self) -> Dict[str, Any]:
        """{status, backend, connection, avg_response_time (ms), uptime (s), checks}. Never
        raises: an unreachable daemon is status "error" with the reason in connection."""
        try:
            return self.client.health()
        except APICachedError as e:
            log.warning("apicached: health check failed: %s", e)
            return {"status": "error", "backend": "apicached", "connection": str(e),
                    "avg_response_time": None, "uptime": 0}

    def cleanup_expired(self) -> Dict[str, Any]:
        """What the seed's hourly cleanup task did, done by the daemon: drops expired entries
        from disk now and prunes statistics past their retention. Invalid-ID records expire on
        their own. The daemon's maintenance report ({} when failing silently)."""
        return self._guard("cleanup_expired", {}, lambda: self.client.compact())

    def close(self) -> None:
        """Closes the idle pooled connections."""
        self.client.close()
