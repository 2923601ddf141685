-- wrk script of `npm run bench`: replays a scenario's plan (plans.ts writes it, one
-- request a line: method, path, Authorization, X-User, Content-Type or empty, body or empty, tab-
-- separated), so every request is for a random seeded user with that user's token. The requests are
-- formatted once in init(); request() only hands out the next one. Each thread starts at its own
-- offset of the plan. done() prints one JSON line for the harness (latencies in microseconds).
local requests = {}
local cursor = 1
local started = 0

function setup(thread)
  thread:set("thread_index", started)
  started = started + 1
end

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do fields[#fields + 1] = field end
  return fields
end

function init(args)
  for line in io.lines(args[1]) do
    local f = split(line)
    local headers = { ["Authorization"] = f[3], ["X-User"] = f[4] }
    if f[5] ~= "" then headers["Content-Type"] = f[5] end
    local body = nil
    if f[6] ~= "" then body = f[6] end
    requests[#requests + 1] = wrk.format(f[1], f[2], headers, body)
  end
  cursor = (thread_index * 7919) % #requests + 1
end

function request()
  local r = requests[cursor]
  cursor = cursor + 1
  if cursor > #requests then cursor = 1 end
  return r
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p95":%d,"p99":%d,"max":%d,"mean":%.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean))
end
