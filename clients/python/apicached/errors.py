"""The exceptions of the apicached client.

Every error the client raises is an :class:`APICachedError`:

* :class:`CacheUnavailable` - no answer: cannot connect, connection reset, timed out, malformed
  answer (the daemon may not have seen the request);
* :class:`HTTPError` - the daemon answered with an error status; ``status``, ``title`` and
  ``detail`` come from its problem+json body (RFC 9457). Subclasses name the statuses callers
  commonly handle: :class:`BadRequest` (400), :class:`Unauthorized` (401), :class:`NotFound`
  (404), :class:`Conflict` (409), :class:`PreconditionFailed` (412), :class:`PayloadTooLarge`
  (413), :class:`ServerError` (5xx; :class:`ServiceUnavailable` for 503 and 507).
"""
from __future__ import annotations

import json
from typing import Dict, Optional, Type


class APICachedError(Exception):
    """Base class of every error raised by the apicached client."""


class CacheUnavailable(APICachedError):
    """The daemon could not be reached or did not answer in time."""


class HTTPError(APICachedError):
    """The daemon answered with an error status (4xx or 5xx)."""

    def __init__(self, status: int, title: str = "", detail: str = "", method: str = "",
                 path: str = "") -> None:
        self.status = status
        self.title = title
        self.detail = detail
        self.method = method
        self.path = path
        what = f"{method} {path}: " if method else ""
        text = f"{title}: {detail}" if title and detail else (title or detail)
        super().__init__(f"{what}HTTP {status}" + (f" {text}" if text else ""))


class BadRequest(HTTPError):
    """400: the daemon refused the request's content (bad name, ttl, JSON...)."""


class Unauthorized(HTTPError):
    """401: missing or wrong bearer token."""


class NotFound(HTTPError):
    """404: no live entry, record or namespace (most methods return None/False instead)."""


class Conflict(HTTPError):
    """409: incr on a value that is not an integer, or overflow."""


class PreconditionFailed(HTTPError):
    """412: an If-Match / If-None-Match condition did not hold."""


class PayloadTooLarge(HTTPError):
    """413: a value, body or batch over the daemon's limits."""


class ServerError(HTTPError):
    """5xx: the daemon could not serve the request."""


class ServiceUnavailable(ServerError):
    """503 (store cannot read or write now) or 507 (too many namespaces or lists)."""


_BY_STATUS: Dict[int, Type[HTTPError]] = {
    400: BadRequest, 401: Unauthorized, 404: NotFound, 409: Conflict, 412: PreconditionFailed,
    413: PayloadTooLarge, 503: ServiceUnavailable, 507: ServiceUnavailable,
}


def error_for(status: int, body: bytes, method: str = "", path: str = "") -> HTTPError:
    """The exception for an error answer, with the problem+json title and detail when present."""
    title = detail = ""
    try:
        problem = json.loads(body.decode("utf-8")) if body else None
        if isinstance(problem, dict):
            title = str(problem.get("title", ""))
            detail = str(problem.get("detail", ""))
    except (UnicodeDecodeError, ValueError):
        detail = body[:200].decode("utf-8", "replace")
    cls: Optional[Type[HTTPError]] = _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else HTTPError
    return cls(status, title, detail, method, path)
