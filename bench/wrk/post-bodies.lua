-- wrk script for bench/gateway.ts: POSTs the bodies of WRK_BODIES (one JSON body per line, made
-- once by the harness from the seeded event mix) round-robin, with WRK_API_KEY as a Bearer key,
-- and prints one JSON line of figures at the end (wrk's own text summary is not meant for parsing).
local bodies = {}
for line in io.lines(os.getenv("WRK_BODIES")) do bodies[#bodies + 1] = line end
local key = os.getenv("WRK_API_KEY") or ""
local headers = { ["content-type"] = "application/json", ["authorization"] = "Bearer " .. key }
local i = 0

request = function()
  i = i % #bodies + 1
  return wrk.format("POST", nil, headers, bodies[i])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_RESULT {"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency.max))
end
