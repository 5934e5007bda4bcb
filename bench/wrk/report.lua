-- Shared by the wrk scripts: write the run's summary as one JSON line to TOCSIN_BENCH_OUT
-- (bench/ingest.py reads it). Load with: dofile(script_dir .. "report.lua")
function write_report(out, summary, latency)
  if out == nil then return end
  local f = io.open(out, "w")
  f:write(string.format(
    '{"requests":%d,"duration_us":%d,"errors_status":%d,"errors_connect":%d,' ..
    '"errors_read":%d,"errors_write":%d,"errors_timeout":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
  f:close()
end
