"""The seed's use case (/work/shared/seed/caching-strategy-guide.md): Django with
django_redis.cache.RedisCache at LOCATION redis://HOST:PORT/1, service-scoped keys
"migo:ruc_<RUC>", and APICacheService.clear_service_cache('migo') done as django-redis's
delete_pattern("migo:*") (SCAN MATCH, then one DEL per key). The other service's keys and the
other databases stay. Also the calls the guide's service makes: set/get with TTLs, incr (an
EVAL script in django-redis), add, get_many/set_many, ttl, touch, clear."""
import pytest

import redisservers

django = pytest.importorskip("django", reason="SKIPPED LOUDLY: Debian python3-django missing")
pytest.importorskip("django_redis", reason="SKIPPED LOUDLY: Debian python3-django-redis missing")


@pytest.fixture(scope="module")
def caches(subject):
    from django.conf import settings
    if not settings.configured:
        settings.configure(CACHES={
            "default": {"BACKEND": "django_redis.cache.RedisCache",
                        "LOCATION": redisservers.url(subject, 1)},
            "db0": {"BACKEND": "django_redis.cache.RedisCache",
                    "LOCATION": redisservers.url(subject, 0)},
        })
        django.setup()
    from django.core.cache import caches as django_caches
    return django_caches


@pytest.fixture
def cache(caches, client):  # client: the subject flushed
    return caches["default"]


def test_clear_service_cache_deletes_only_that_service(cache, caches):
    for i in range(300):
        cache.set("migo:ruc_20%09d" % i, {"ruc": i, "name": "Company %d" % i}, timeout=3600)
    for i in range(40):
        cache.set("nubefact:invoice_INV-%03d" % i, "inv", timeout=3600)
    cache.set("invalid_rucs", {"20000000000": "INVALID_FORMAT"}, timeout=604800)
    caches["db0"].set("migo:ruc_elsewhere", "db0 is another database")
    assert cache.get("migo:ruc_20000000007") == {"ruc": 7, "name": "Company 7"}

    deleted = cache.delete_pattern("migo:*")   # clear_service_cache('migo')

    assert deleted == 300
    assert cache.keys("migo:*") == []
    assert cache.get("migo:ruc_20000000007") is None
    assert len(cache.keys("nubefact:*")) == 40
    assert cache.get("invalid_rucs") == {"20000000000": "INVALID_FORMAT"}
    assert caches["db0"].get("migo:ruc_elsewhere") == "db0 is another database"


def test_delete_pattern_itersize_and_prefix(cache):
    for i in range(50):
        cache.set("migo:%d" % i, i)
        cache.set("migox%d" % i, i)
    assert cache.delete_pattern("migo:*", itersize=7) == 50
    assert len(cache.keys("migox*")) == 50
    assert cache.delete_pattern("nothing:*") == 0


def test_service_calls(cache):
    assert cache.add("stats_migo_2026_01_28", 0, timeout=86400) is True
    assert cache.add("stats_migo_2026_01_28", 5) is False
    assert cache.incr("stats_migo_2026_01_28") == 1
    assert cache.incr("stats_migo_2026_01_28", 10) == 11
    assert cache.decr("stats_migo_2026_01_28", 2) == 9
    with pytest.raises(ValueError):
        cache.incr("missing-counter")
    assert 86000 < cache.ttl("stats_migo_2026_01_28") <= 86400
    cache.set_many({"migo:ruc_1": "a", "migo:ruc_2": "b"}, timeout=60)
    assert cache.get_many(["migo:ruc_1", "migo:ruc_2", "migo:ruc_3"]) == {
        "migo:ruc_1": "a", "migo:ruc_2": "b"}
    assert cache.touch("migo:ruc_1", 600) is True
    assert 590 < cache.ttl("migo:ruc_1") <= 600
    assert cache.persist("migo:ruc_1") is True
    assert cache.ttl("migo:ruc_1") is None
    cache.clear()
    assert cache.get("migo:ruc_2") is None


def test_lock(cache):
    """django-redis's lock: redis-py's Lock (SET NX PX, then EVALSHA to release)."""
    raw = cache.client.get_client()
    key = cache.make_key("migo:refresh")
    with cache.lock("migo:refresh", timeout=10):
        assert raw.exists(key) == 1
        assert cache.lock("migo:refresh", timeout=10).acquire(blocking=False) is False
    assert raw.exists(key) == 0
