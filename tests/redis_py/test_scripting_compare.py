"""EVAL, EVALSHA and SCRIPT LOAD/EXISTS/FLUSH byte for byte against redis-server 7.0: the
scripts django-redis and redis-py run (incr via EXISTS+INCRBY, the Lock's release), Lua to RESP
conversions, redis.call / redis.pcall errors and the scripting error strings."""
import hashlib

import pytest

from resp import parse

# django-redis 5.2.0 (client/default.py) runs this on every incr/decr
DJANGO_REDIS_INCR = """
local exists = redis.call('EXISTS', KEYS[1])
if (exists == 1) then
    return redis.call('INCRBY', KEYS[1], ARGV[1])
else return false end
"""
# redis-py 4.3.4 Lock.LUA_RELEASE_SCRIPT
LOCK_RELEASE = """
        local token = redis.call('get', KEYS[1])
        if not token or token ~= ARGV[1] then
            return 0
        end
        redis.call('del', KEYS[1])
        return 1
    """


def sha1(script):
    return hashlib.sha1(script.encode()).hexdigest()


def test_django_redis_incr_script(pair):
    pair.check("EVAL", DJANGO_REDIS_INCR, "1", "n", "5", expect=b"$-1\r\n")
    pair.check("SET", "n", "10")
    pair.check("EVAL", DJANGO_REDIS_INCR, "1", "n", "5", expect=b":15\r\n")
    pair.check("EVAL", DJANGO_REDIS_INCR, "1", "n", "-20", expect=b":-5\r\n")
    pair.check("SET", "s", "abc")
    pair.check("EVAL", DJANGO_REDIS_INCR, "1", "s", "1")


def test_script_load_evalsha_exists_flush(pair):
    sha = sha1(LOCK_RELEASE)
    pair.check("SCRIPT", "FLUSH", expect=b"+OK\r\n")  # the script cache outlives FLUSHALL
    pair.check("SCRIPT", "EXISTS", sha, "0" * 40, expect=b"*2\r\n:0\r\n:0\r\n")
    pair.check("EVALSHA", sha, "1", "lock", "tok",
               expect=b"-NOSCRIPT No matching script. Please use EVAL.\r\n")
    pair.check("SCRIPT", "LOAD", LOCK_RELEASE, expect=b"$40\r\n%s\r\n" % sha.encode())
    pair.check("SCRIPT", "EXISTS", sha, "0" * 40, expect=b"*2\r\n:1\r\n:0\r\n")
    pair.check("SET", "lock", "tok")
    pair.check("EVALSHA", sha, "1", "lock", "other", expect=b":0\r\n")
    pair.check("EVALSHA", sha.upper(), "1", "lock", "tok", expect=b":1\r\n")
    pair.check("GET", "lock", expect=b"$-1\r\n")
    pair.check("SCRIPT", "FLUSH", expect=b"+OK\r\n")
    pair.check("SCRIPT", "EXISTS", sha, expect=b"*1\r\n:0\r\n")
    pair.check("SCRIPT", "FLUSH", "ASYNC", expect=b"+OK\r\n")


def test_eval_caches_the_script_for_evalsha(pair):
    pair.check("EVAL", "return 42", "0", expect=b":42\r\n")
    pair.check("EVALSHA", sha1("return 42"), "0", expect=b":42\r\n")


@pytest.mark.parametrize("script", [
    "return 1", "return -7", "return 3.99", "return 'str'", "return true", "return false",
    "return nil", "return {1, 'two', {3, 'four'}, false, 5}", "return {1, nil, 3}",
    "return {err='MYERR custom'}", "return {ok='FINE'}", "return redis.error_reply('boom')",
    "return redis.status_reply('STATUS')", "return {}", "return ''",
    "return redis.call('PING')", "return redis.call('ECHO', 'x')",
    "return redis.call('SET', 'k', 'v')", "return redis.call('GET', 'nope')",
    "return redis.call('MGET', 'k', 'nope')", "return tostring(redis.call('GET', 'nope'))",
    "return type(redis.call('GET', 'nope'))",
    "return redis.pcall('INCR', 'k')", "return redis.pcall('NOSUCH')",
    "return redis.sha1hex('abc')", "return #KEYS + #ARGV",
])
def test_lua_to_resp(pair, script):
    pair.check("EVAL", script, "1", "key", "arg1", "arg2")


@pytest.mark.parametrize("script,args", [
    ("return 1", ("x",)),
    ("return 1", ("-1",)),
    ("return 1", ("5", "a")),
    ("return redis.call('INCR', 'k')", ("0",)),
    ("return redis.call('NOSUCH')", ("0",)),
    ("return redis.call()", ("0",)),
    ("return redis.call('GET')", ("0",)),
    ("error('raw')", ("0",)),
    ("return (", ("0",)),
])
def test_script_errors(pair, script, args):
    pair.check("SET", "k", "notanumber")
    pair.check("EVAL", script, *args, normalise=lambda r: r.replace(sha1(script).encode(),
                                                                    b"<sha>"))


def test_script_arity_and_subcommands(pair):
    pair.check("EVAL", "return 1", expect=b"-ERR wrong number of arguments for 'eval' "
                                          b"command\r\n")
    pair.check("EVALSHA", "abc", "0",
               expect=b"-NOSCRIPT No matching script. Please use EVAL.\r\n")
    pair.check("SCRIPT", "BOGUS")
    pair.check("SCRIPT", "LOAD", "return (")


def test_script_writes_are_atomic(pair):
    script = ("redis.call('SET', KEYS[1], ARGV[1]); redis.call('INCR', KEYS[2]); "
              "return redis.call('MGET', KEYS[1], KEYS[2])")
    pair.check("EVAL", script, "2", "a", "n", "x", expect=b"*2\r\n$1\r\nx\r\n$1\r\n1\r\n")
    pair.check("MGET", "a", "n", expect=b"*2\r\n$1\r\nx\r\n$1\r\n1\r\n")


def test_script_in_multi(pair):
    pair.check("MULTI")
    pair.check("EVAL", "return redis.call('INCR', KEYS[1])", "1", "n", expect=b"+QUEUED\r\n")
    pair.check("INCR", "n")
    pair.check("EXEC", expect=b"*2\r\n:1\r\n:2\r\n")


def test_resp3_script_replies(pair):
    for side in (pair.ref, pair.sub):
        parse(side.conn.call("HELLO", "3"))
    pair.check("EVAL", "return redis.call('GET', 'nope')", "0")
    pair.check("EVAL", "return {1, 'a'}", "0")
