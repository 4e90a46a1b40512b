-- wrk script: PUT a SIZE-byte value under a random key of PREFIX0 .. PREFIX<N-1>.
-- Usage: wrk ... -s bench/lua/put_random.lua http://HOST:PORT -- /v1/cache/NS/k N SIZE
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
end

function init(args)
  prefix = args[1]
  count = tonumber(args[2])
  body = string.rep("v", tonumber(args[3]))
  headers = { ["Content-Type"] = "application/octet-stream" }
  math.randomseed(os.time() * 1000 + (thread_id or 0))
end

function request()
  return wrk.format("PUT", prefix .. math.random(0, count - 1), headers, body)
end
