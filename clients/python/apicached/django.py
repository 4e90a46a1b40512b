"""A Django cache backend over apicached's HTTP API.

::

    CACHES = {
        "default": {
            "BACKEND": "apicached.django.APICachedCache",
            "LOCATION": "http://127.0.0.1:7431/myapp",   # the daemon, then the namespace
            "TIMEOUT": 300,                              # Django's default timeout
            "OPTIONS": {
                "TOKEN": None,               # bearer token (default: $APICACHED_TOKEN)
                "SOCKET_TIMEOUT": 2.0,       # seconds per connect / send / receive
                "POOL_SIZE": 8,              # idle keep-alive connections kept
                "IGNORE_EXCEPTIONS": False,  # True: an unreachable daemon reads as a miss
            },
        }
    }

Each Django cache is one apicached namespace (the last path segment of LOCATION), so
``cache.clear()`` empties that namespace only, at once. Keys are Django's (``KEY_PREFIX``,
``VERSION``, ``KEY_FUNCTION`` apply) and may be any text up to the daemon's 1024 bytes.
Values are pickled (like Django's own backends) except integers, stored as decimal text so that
``incr``/``decr`` run atomically on the daemon. Timeouts are whole seconds (a fraction rounds
up); ``None`` never expires; 0 or less does not store (and removes the key).

``incr`` checks that the key exists and then adds on the daemon: the addition itself is atomic,
but a key deleted between the two steps is created as ``delta``.
"""
from __future__ import annotations

import logging
import math
import os
import pickle
import re
import urllib.parse
from typing import Any, Callable, Dict, Iterable, List, Optional, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache, InvalidCacheKey

from . import codec
from .client import Client
from .errors import CacheUnavailable, Conflict, ServerError

log = logging.getLogger("apicached")

MAX_TTL_SECONDS = 3153600000  # the daemon's limit (100 years)
MAX_KEY_BYTES = 1024  # the daemon's default --max-key-bytes
BATCH = 1000  # the daemon's default --max-batch-keys
_INT_RE = re.compile(rb"-?[0-9]{1,19}\Z")
_INT64 = range(-(2 ** 63), 2 ** 63)
T = TypeVar("T")


def _split_location(location: str) -> tuple:
    parsed = urllib.parse.urlsplit(location)
    path = parsed.path.rstrip("/")
    base, _, ns = path.rpartition("/")
    if parsed.scheme != "http" or not parsed.netloc or not ns:
        raise ValueError(
            f"LOCATION must be http://HOST:PORT[/PREFIX]/NAMESPACE, got {location!r}")
    return urllib.parse.urlunsplit(("http", parsed.netloc, base, "", "")), ns


class APICachedCache(BaseCache):
    """Django's cache API on one apicached namespace. Thread-safe (one pool per cache object;
    Django makes one per thread)."""

    def __init__(self, server: str, params: Dict[str, Any]) -> None:
        super().__init__(params)
        if isinstance(server, (list, tuple)):
            server = server[0]
        url, self._namespace = _split_location(server)
        options = params.get("OPTIONS", {})
        token = options.get("TOKEN", os.environ.get("APICACHED_TOKEN"))
        self._ignore_exceptions = bool(options.get("IGNORE_EXCEPTIONS", False))
        self._client = Client(url, token, float(options.get("SOCKET_TIMEOUT", 2.0)),
                              int(options.get("POOL_SIZE", 8)))

    # -- helpers ----------------------------------------------------------------------------

    def _key(self, key: Any, version: Optional[int]) -> str:
        key = self.make_key(key, version=version)
        self.validate_key(key)
        return key

    def validate_key(self, key: str) -> None:
        """Django's portability warnings, and an error for keys the daemon refuses."""
        super().validate_key(key)
        if not key or len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
            raise InvalidCacheKey(f"Cache key must be 1 to {MAX_KEY_BYTES} bytes: {key!r}")

    def _ttl(self, timeout: Any) -> Optional[int]:
        """Seconds for the daemon (0: never expires), or None when not to store at all."""
        if timeout is DEFAULT_TIMEOUT:
            timeout = self.default_timeout
        if timeout is None:
            return 0
        if timeout <= 0:
            return None
        return min(MAX_TTL_SECONDS, max(1, math.ceil(timeout)))

    def _guard(self, fallback: T, call: Callable[[], T]) -> T:
        try:
            return call()
        except (CacheUnavailable, ServerError) as e:
            if not self._ignore_exceptions:
                raise
            log.warning("apicached: cache %s failed, treated as a miss: %s", self._namespace, e)
            return fallback

    @staticmethod
    def _encode(value: Any) -> tuple:
        if type(value) is int and value in _INT64:
            return str(value).encode("ascii"), codec.TEXT
        return pickle.dumps(value, pickle.HIGHEST_PROTOCOL), codec.PICKLE

    @staticmethod
    def _decode(data: bytes, content_type: str) -> Any:
        if content_type.split(";", 1)[0].strip().lower() == codec.PICKLE:
            return pickle.loads(data)
        if _INT_RE.match(data):
            return int(data)
        return codec.decode(data, content_type)

    # -- Django's cache API -----------------------------------------------------------------

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT,
            version: Optional[int] = None) -> bool:
        key = self._key(key, version)
        data, content_type = self._encode(value)
        ttl = self._ttl(timeout)
        if ttl is None:
            return self._guard(False, lambda: not self._client.exists(self._namespace, key))
        return self._guard(False, lambda: self._client.add(self._namespace, key, data, ttl,
                                                           content_type))

    def get(self, key: Any, default: Any = None, version: Optional[int] = None) -> Any:
        key = self._key(key, version)

        def call() -> Any:
            entry = self._client.get(self._namespace, key)
            return default if entry is None else self._decode(entry.value, entry.content_type)
        return self._guard(default, call)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT,
            version: Optional[int] = None) -> None:
        key = self._key(key, version)
        data, content_type = self._encode(value)
        ttl = self._ttl(timeout)
        if ttl is None:
            self._guard(False, lambda: self._client.delete(self._namespace, key))
            return
        self._guard(False, lambda: self._client.put(self._namespace, key, data, ttl,
                                                    content_type))

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT,
              version: Optional[int] = None) -> bool:
        key = self._key(key, version)
        ttl = self._ttl(timeout)
        if ttl is None:
            return self._guard(False, lambda: self._client.delete(self._namespace, key))
        return self._guard(False, lambda: self._client.touch(self._namespace, key, ttl))

    def delete(self, key: Any, version: Optional[int] = None) -> bool:
        key = self._key(key, version)
        return self._guard(False, lambda: self._client.delete(self._namespace, key))

    def has_key(self, key: Any, version: Optional[int] = None) -> bool:
        key = self._key(key, version)
        return self._guard(False, lambda: self._client.exists(self._namespace, key))

    def incr(self, key: Any, delta: int = 1, version: Optional[int] = None) -> int:
        key = self._key(key, version)
        if not self._guard(False, lambda: self._client.exists(self._namespace, key)):
            raise ValueError("Key '%s' not found" % key)
        try:
            return self._client.incr(self._namespace, key, delta)
        except Conflict as e:
            raise TypeError(f"cannot incr {key!r}: {e.detail or e}") from e

    def decr(self, key: Any, delta: int = 1, version: Optional[int] = None) -> int:
        return self.incr(key, -delta, version=version)

    def get_many(self, keys: Iterable[Any], version: Optional[int] = None) -> Dict[Any, Any]:
        by_key = {self._key(key, version): key for key in keys}
        inner = list(by_key)

        def call() -> Dict[Any, Any]:
            out: Dict[Any, Any] = {}
            for i in range(0, len(inner), BATCH):
                for k, entry in self._client.mget(self._namespace, inner[i:i + BATCH]).items():
                    out[by_key[k]] = self._decode(entry.value, entry.content_type)
            return out
        return self._guard({}, call)

    def set_many(self, data: Dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT,
                 version: Optional[int] = None) -> List[Any]:
        ttl = self._ttl(timeout)
        entries = []
        for key, value in data.items():
            raw, content_type = self._encode(value)
            entries.append((self._key(key, version), raw, content_type, ttl))
        if ttl is None:
            self._guard(0, lambda: self._delete_batches([e[0] for e in entries]))
            return []

        def call() -> List[Any]:
            failed: List[Any] = []
            originals = list(data)
            for i in range(0, len(entries), BATCH):
                try:
                    self._client.mset(self._namespace, entries[i:i + BATCH])
                except (CacheUnavailable, ServerError):
                    if not self._ignore_exceptions:
                        raise
                    failed.extend(originals[i:i + BATCH])
            return failed
        return call()

    def _delete_batches(self, keys: List[str]) -> int:
        return sum(self._client.mdelete(self._namespace, keys[i:i + BATCH])
                   for i in range(0, len(keys), BATCH))

    def delete_many(self, keys: Iterable[Any], version: Optional[int] = None) -> None:
        inner = [self._key(key, version) for key in keys]
        self._guard(0, lambda: self._delete_batches(inner))

    def clear(self) -> None:
        self._guard(None, lambda: self._client.clear_namespace(self._namespace))

    def close(self, **kwargs: Any) -> None:
        """Keeps the pooled keep-alive connections (they are closed when the daemon drops them or
        at exit); Django calls this after every request."""
