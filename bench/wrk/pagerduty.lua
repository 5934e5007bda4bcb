-- wrk script: PagerDuty Events v2 bodies. Scenario from env TOCSIN_BENCH_SCENARIO:
--   unique   every request triggers a new dedup key
--   repeated every request triggers the same key (the dedup path)
--   mix      per key: trigger, trigger, acknowledge, resolve (a realistic life cycle)
-- Routing key from TOCSIN_BENCH_KEY. Every dedup key starts with TOCSIN_BENCH_RUN (a random
-- id per wrk run), so a second run against the same database creates new alerts instead of
-- appending to the first run's. Writes counts and latency percentiles to TOCSIN_BENCH_OUT.
local script_dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(script_dir .. "report.lua")
local key = os.getenv("TOCSIN_BENCH_KEY") or "00000000000000000000000000000000"
local scenario = os.getenv("TOCSIN_BENCH_SCENARIO") or "unique"
local run = os.getenv("TOCSIN_BENCH_RUN") or tostring(os.time())
local out = os.getenv("TOCSIN_BENCH_OUT")
local counter = 0
local threads = {}

-- Set per thread by setup() (a global in each thread's Lua state, so it cannot be a local).
thread_id = 0

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

local function trigger(dedup)
  return '{"routing_key":"' .. key .. '","event_action":"trigger","dedup_key":"' .. dedup ..
    '","payload":{"summary":"CPU above 90% on web-' .. dedup .. '","source":"web-' .. dedup ..
    '","severity":"critical","component":"web","group":"prod","class":"cpu",' ..
    '"custom_details":{"cpu":93.5,"region":"eu-west-1"}}}'
end

local function follow_up(action, dedup)
  return '{"routing_key":"' .. key .. '","event_action":"' .. action .. '","dedup_key":"' .. dedup .. '"}'
end

function request()
  counter = counter + 1
  local body
  if scenario == "repeated" then
    body = trigger(run .. "-same-key")
  elseif scenario == "mix" then
    local n = math.floor((counter - 1) / 4)
    local step = (counter - 1) % 4
    local dedup = run .. "-t" .. thread_id .. "-" .. n
    if step < 2 then body = trigger(dedup)
    elseif step == 2 then body = follow_up("acknowledge", dedup)
    else body = follow_up("resolve", dedup) end
  else
    body = trigger(run .. "-t" .. thread_id .. "-" .. counter)
  end
  return wrk.format("POST", "/v2/enqueue", {["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  write_report(out, summary, latency)
end
