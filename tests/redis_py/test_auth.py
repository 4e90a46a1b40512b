"""AUTH with a token, byte for byte: apicached started with --auth-token-file (the token every
front shares) against redis-server started with --requirepass and the same token. NOAUTH before
AUTH, WRONGPASS, the `AUTH user token` form (user "default"), HELLO with AUTH, and the bound
on what an unauthenticated client may send."""
import pytest

from conftest import TOKEN
from resp import Conn, Pair, cmd

@pytest.fixture
def apair(token_servers):
    for server in token_servers:  # each test starts from an empty server
        c = Conn(server.address)
        assert c.call("AUTH", TOKEN) == b"+OK\r\n" and c.call("FLUSHALL") == b"+OK\r\n"
        c.close()
    p = Pair(*token_servers)
    yield p
    p.close()


NOAUTH = b"-NOAUTH Authentication required.\r\n"
WRONGPASS = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"


def test_noauth_before_auth(apair):
    apair.check("GET", "k", expect=NOAUTH)
    apair.check("SET", "k", "v", expect=NOAUTH)
    # an unknown command is named as unknown before the NOAUTH check (Redis 7.0's order)
    apair.check("NOSUCH", expect=b"-ERR unknown command 'NOSUCH', with args beginning with: "
                                 b"\r\n")
    apair.check("SELECT", "1", expect=NOAUTH)
    apair.raw(b"GET k\r\n", expect=NOAUTH)


def test_commands_allowed_before_auth(apair):
    # QUIT and HELLO without AUTH are allowed; HELLO then fails for want of AUTH (Redis 7.0)
    apair.check("HELLO", "3", expect=b"-NOAUTH HELLO must be called with the client already "
                                     b"authenticated, otherwise the HELLO AUTH <user> "
                                     b"<pass> option can be used to authenticate the client "
                                     b"and select the RESP protocol version at the same "
                                     b"time\r\n")
    apair.raw(cmd("QUIT"), expect=b"+OK\r\n<closed>", expect_close=True)


def test_wrong_token(apair):
    apair.check("AUTH", "nope", expect=WRONGPASS)
    apair.check("AUTH", "default", "nope", expect=WRONGPASS)
    apair.check("AUTH", "someone", TOKEN, expect=WRONGPASS)
    apair.check("AUTH", expect=b"-ERR wrong number of arguments for 'auth' command\r\n")
    apair.check("AUTH", "a", "b", "c", expect=b"-ERR syntax error\r\n")
    apair.check("GET", "k", expect=NOAUTH)


def test_auth_token_then_commands(apair):
    apair.check("AUTH", TOKEN, expect=b"+OK\r\n")
    apair.check("SET", "k", "v", expect=b"+OK\r\n")
    apair.check("GET", "k", expect=b"$1\r\nv\r\n")
    apair.check("DEL", "k")


def test_auth_user_token_form(apair):
    apair.check("AUTH", "default", TOKEN, expect=b"+OK\r\n")
    apair.check("PING", expect=b"+PONG\r\n")


def test_hello_with_auth(apair):
    for side in (apair.ref, apair.sub):
        reply = side.conn.call("HELLO", "3", "AUTH", "default", TOKEN)
        assert reply.startswith(b"%7\r\n"), (side.server.name, reply[:200])
    apair.check("GET", "missing", expect=b"_\r\n")
    apair.reconnect()
    apair.check("HELLO", "2", "AUTH", "default", "nope", expect=WRONGPASS)


def test_unauthenticated_big_multibulk_is_refused(apair):
    """Before AUTH, Redis refuses an array of more than 1024*1024 arguments or a bulk longer
    than 16 KB, and closes (no allocation for a stranger)."""
    apair.raw(b"*1048577\r\n", 1,
              expect=b"-ERR Protocol error: unauthenticated multibulk length\r\n<closed>",
              expect_close=True)
    apair.reconnect()
    apair.raw(b"*1\r\n$16385\r\n", 1,
              expect=b"-ERR Protocol error: unauthenticated bulk length\r\n<closed>",
              expect_close=True)


def test_redis_py_with_token(token_servers):
    redis = pytest.importorskip("redis")
    _, sub = token_servers
    c = redis.Redis(host="127.0.0.1", port=sub.port, password=TOKEN)
    assert c.set("x", "1") is True and c.get("x") == b"1"
    c.close()
    bad = redis.Redis(host="127.0.0.1", port=sub.port, password="nope")
    with pytest.raises(redis.ResponseError, match="^WRONGPASS "):
        bad.ping()
    bad.close()
    anon = redis.Redis(host="127.0.0.1", port=sub.port)
    with pytest.raises(redis.AuthenticationError):
        anon.get("x")
    anon.close()
    user = redis.Redis(host="127.0.0.1", port=sub.port, username="default", password=TOKEN)
    assert user.get("x") == b"1"
    user.close()
