-- wrk script for the soak run: a mix of GET (60%), PUT with a short TTL (30%) and DELETE (10%)
-- on random keys of PREFIX0 .. PREFIX<N-1>. TTLs are 1 to MAX_TTL seconds, so entries expire
-- all the time. Counts answers by class; done() prints "mixed: 2xx=.. 404=.. 5xx=.. other=..".
-- Usage: wrk ... -s bench/lua/mixed.lua http://HOST:PORT -- /v1/cache/NS/k N SIZE MAX_TTL
local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
  table.insert(threads, thread)
end

function init(args)
  prefix = args[1]
  count = tonumber(args[2])
  body = string.rep("s", tonumber(args[3]))
  max_ttl = tonumber(args[4])
  headers = { ["Content-Type"] = "text/plain" }
  math.randomseed(os.time() * 1000 + (thread_id or 0))
  ok, notfound, server_error, other = 0, 0, 0, 0
end

function request()
  local key = prefix .. math.random(0, count - 1)
  local dice = math.random(100)
  if dice <= 60 then
    return wrk.format("GET", key)
  elseif dice <= 90 then
    return wrk.format("PUT", key .. "?ttl=" .. math.random(1, max_ttl), headers, body)
  end
  return wrk.format("DELETE", key)
end

function response(status)
  if status < 300 then
    ok = ok + 1
  elseif status == 404 then
    notfound = notfound + 1
  elseif status >= 500 then
    server_error = server_error + 1
  else
    other = other + 1
  end
end

function done()
  local t = { ok = 0, notfound = 0, server_error = 0, other = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(t) do
      t[name] = t[name] + (thread:get(name) or 0)
    end
  end
  io.write(string.format("mixed: 2xx=%d 404=%d 5xx=%d other=%d\n", t.ok, t.notfound,
                         t.server_error, t.other))
end
