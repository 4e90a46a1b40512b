-- wrk script: GET a random key of PREFIX0 .. PREFIX<N-1>.
-- Usage: wrk ... -s bench/lua/get_random.lua http://HOST:PORT -- /v1/cache/NS/k N
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
end

function init(args)
  prefix = args[1]
  count = tonumber(args[2])
  math.randomseed(os.time() * 1000 + (thread_id or 0))
end

function request()
  return wrk.format("GET", prefix .. math.random(0, count - 1))
end
