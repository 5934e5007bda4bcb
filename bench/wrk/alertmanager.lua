-- wrk script: Alertmanager webhook notifications (payload version 4) of N firing alerts.
--   TOCSIN_BENCH_ALERTS  alerts per notification (default 1; 100 is a large grouped page)
--   TOCSIN_BENCH_AM_KEY  the key of an integration of type alertmanager (goes in the path)
--   TOCSIN_BENCH_RUN     a random id per wrk run, inside every fingerprint, so a second run
--                        against the same database creates new alerts instead of appending
--   TOCSIN_BENCH_OUT     where to write counts and latency percentiles (same JSON as
--                        pagerduty.lua); requests are notifications: events = requests * N
-- Every alert of every request has its own fingerprint, so each one creates an alert.
local script_dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(script_dir .. "report.lua")
local key = os.getenv("TOCSIN_BENCH_AM_KEY") or "00000000000000000000000000000000"
local alerts = tonumber(os.getenv("TOCSIN_BENCH_ALERTS") or "1")
local run = os.getenv("TOCSIN_BENCH_RUN") or tostring(os.time())
local out = os.getenv("TOCSIN_BENCH_OUT")
local path = "/v1/alertmanager/" .. key
local headers = {["Content-Type"] = "application/json"}
local counter = 0
local threads = {}

-- Set per thread by setup() (a global in each thread's Lua state, so it cannot be a local).
thread_id = 0

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

local function alert(fingerprint, i)
  return '{"status":"firing","labels":{"alertname":"HighCPU","instance":"web-' .. i ..
    ':9100","job":"node","severity":"critical","bench":"' .. fingerprint .. '"},' ..
    '"annotations":{"summary":"CPU above 90% on web-' .. i .. '",' ..
    '"runbook_url":"https://runbooks.example.invalid/HighCPU"},' ..
    '"startsAt":"2026-11-28T00:00:00.000Z","endsAt":"0001-01-01T00:00:00Z",' ..
    '"generatorURL":"http://prometheus.example.invalid/graph?g0.expr=cpu",' ..
    '"fingerprint":"' .. fingerprint .. '"}'
end

function request()
  counter = counter + 1
  local prefix = run .. "-t" .. thread_id .. "-" .. counter .. "-"
  local items = {}
  for i = 1, alerts do
    items[i] = alert(prefix .. i, i)
  end
  local body = '{"receiver":"tocsin","status":"firing","alerts":[' ..
    table.concat(items, ",") ..
    '],"groupLabels":{"alertname":"HighCPU"},"commonLabels":{"alertname":"HighCPU"},' ..
    '"commonAnnotations":{},"externalURL":"http://alertmanager.example.invalid:9093",' ..
    '"version":"4","groupKey":"{}:{alertname=\\"HighCPU\\"}","truncatedAlerts":0}'
  return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
  write_report(out, summary, latency)
end
