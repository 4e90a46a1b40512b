-- wrk script: POST _mget bodies of BATCH random keys of KEYPREFIX0 .. KEYPREFIX<N-1>.
-- 64 bodies are built per thread up front and sent in turn, so wrk spends no time on JSON.
-- Usage: wrk ... -s bench/lua/mget.lua http://HOST:PORT -- /v1/cache/NS/_mget KEYPREFIX N BATCH
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
end

function init(args)
  local path, keyprefix = args[1], args[2]
  local count, batch = tonumber(args[3]), tonumber(args[4])
  math.randomseed(os.time() * 1000 + (thread_id or 0))
  local headers = { ["Content-Type"] = "application/json" }
  requests = {}
  for r = 1, 64 do
    local keys = {}
    for i = 1, batch do
      keys[i] = '"' .. keyprefix .. math.random(0, count - 1) .. '"'
    end
    requests[r] = wrk.format("POST", path, headers, '{"keys":[' .. table.concat(keys, ",") .. ']}')
  end
  next_request = 0
end

function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end
