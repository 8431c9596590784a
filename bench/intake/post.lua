-- wrk script for bench/intake/run.sh: every request is a new report (unique text and
-- Idempotency-Key), sent to POST /api/v1/reports. TOCSIN_BENCH_AUTH, when set, is sent as the
-- Authorization header (e.g. "Bearer abc…"); when unset, no Authorization header is sent.

local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  n = 0
  headers = { ["Content-Type"] = "application/json" }
  local auth = os.getenv("TOCSIN_BENCH_AUTH")
  if auth ~= nil and auth ~= "" then
    headers["Authorization"] = auth
  end
  -- Keys stay unique across runs against the same database.
  run = os.getenv("TOCSIN_BENCH_RUN") or "0"
end

function request()
  n = n + 1
  headers["Idempotency-Key"] = "bench-" .. run .. "-" .. id .. "-" .. n
  -- The same text as the baseline rows of examples/intake_bench.rs.
  local body = '{"text": "bench ' .. id .. '-' .. n .. ' run ' .. run ..
    ': armed men at the checkpoint on the north road, families leaving", ' ..
    '"place": {"lat": 36.2, "lon": 37.15}}'
  return wrk.format("POST", "/api/v1/reports", headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d seconds=%.3f non2xx=%d connect=%d read=%d write=%d timeout=%d p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
    summary.requests, summary.duration / 1e6, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
