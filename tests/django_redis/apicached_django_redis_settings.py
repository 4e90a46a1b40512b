"""django-redis 5.2.0's single-server test settings (its tests/settings/sqlite.py: DefaultClient,
database 1) with LOCATION pointed at the server under test (DJANGO_REDIS_LOCATION, HOST:PORT)
and "doesnotexist" at a port nothing listens on (DJANGO_REDIS_DEAD_LOCATION)."""
import os

_here = os.environ["DJANGO_REDIS_LOCATION"]
_dead = os.environ["DJANGO_REDIS_DEAD_LOCATION"]
_password = os.environ.get("DJANGO_REDIS_PASSWORD", "")
_auth = ":%s@" % _password if _password else ""

SECRET_KEY = "django_tests_secret_key"
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": ["redis://%s%s?db=1" % (_auth, _here), "redis://%s%s?db=1" % (_auth, _here)],
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
    },
    "doesnotexist": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://%s?db=1" % _dead,
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
    },
    "sample": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://%s%s:1,redis://%s%s:1" % (_auth, _here, _auth, _here),
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
    },
    "with_prefix": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://%s%s?db=1" % (_auth, _here),
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        "KEY_PREFIX": "test-prefix",
    },
}
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
]
USE_TZ = False
