"""The seed's hourly cleanup task.

In the seed, ``cleanup_expired_cache.delay()`` was a Celery task run hourly. With apicached the
daemon drops expired entries itself (a background check every ``maintenance-period``); the task
asks it to do so now and to prune statistics past their retention (``POST /v1/admin/compact``).

Use it as a plain function, with ``.delay()`` (a background thread, returning a
``concurrent.futures.Future``), from Celery (``app.task(cleanup_expired_cache)``) or with
:func:`start_hourly_cleanup`.
"""
from __future__ import annotations

import concurrent.futures
import logging
import threading
from typing import Any, Callable, Dict, Optional

from .service import APICacheService

log = logging.getLogger("apicached")


def cleanup_expired_cache(service: Optional[APICacheService] = None) -> Dict[str, Any]:
    """Runs the daemon's maintenance now; its report (namespaces checked and compacted,
    expired entries dropped)."""
    service = service or APICacheService()
    report = service.cleanup_expired()
    log.info("apicached: cleanup done: %s", report)
    return report


def _delay(service: Optional[APICacheService] = None) -> "concurrent.futures.Future[Dict[str, Any]]":
    future: "concurrent.futures.Future[Dict[str, Any]]" = concurrent.futures.Future()

    def run() -> None:
        try:
            future.set_result(cleanup_expired_cache(service))
        except BaseException as e:  # handed to whoever waits on the future
            future.set_exception(e)
    threading.Thread(target=run, name="apicached-cleanup", daemon=True).start()
    return future


cleanup_expired_cache.delay = _delay  # type: ignore[attr-defined]


def start_hourly_cleanup(service: Optional[APICacheService] = None,
                         interval_seconds: float = 3600.0) -> Callable[[], None]:
    """Runs cleanup_expired_cache every interval in a daemon thread; returns a function that
    stops it (waiting for a run in progress)."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval_seconds):
            try:
                cleanup_expired_cache(service)
            except Exception as e:  # keep the schedule; the next run may succeed
                log.warning("apicached: hourly cleanup failed: %s", e)
    thread = threading.Thread(target=loop, name="apicached-hourly-cleanup", daemon=True)
    thread.start()

    def stopper() -> None:
        stop.set()
        thread.join()
    return stopper
