"""apicached's Python client: an HTTP client, the seed's APICacheService, a Django cache
backend (``apicached.django.APICachedCache``). Standard library only."""
from .client import Client, Entry, Response
from .errors import (APICachedError, BadRequest, CacheUnavailable, Conflict, HTTPError, NotFound,
                     PayloadTooLarge, PreconditionFailed, ServerError, ServiceUnavailable,
                     Unauthorized)
from .service import (CACHE_TIMEOUT_EXTRA_LONG, CACHE_TIMEOUT_LONG, CACHE_TIMEOUT_MEDIUM,
                      CACHE_TIMEOUT_SHORT, APICacheService)

__version__ = "0.1.0"
__all__ = [
    "APICacheService", "APICachedError", "BadRequest", "CacheUnavailable", "Client", "Conflict",
    "Entry", "HTTPError", "NotFound", "PayloadTooLarge", "PreconditionFailed", "Response",
    "ServerError", "ServiceUnavailable", "Unauthorized", "CACHE_TIMEOUT_SHORT",
    "CACHE_TIMEOUT_MEDIUM", "CACHE_TIMEOUT_LONG", "CACHE_TIMEOUT_EXTRA_LONG",
]
