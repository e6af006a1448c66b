-- wrk script for bench/rest_bench.py: POST /api/v1/leads/ with a unique phone number per
-- request, as api_bench.py's add_lead.lua does for the legacy door ("simple": list 101,
-- the phone:list duplicate check).
--
--   wrk -t2 -c8 -d20s --latency -s bench/wrk/rest_add.lua http://127.0.0.1:PORT -- KEY RUN
--
-- A number is 604 (a demo area code without DNC entries), RUN (0-9), the wrk thread (0-9),
-- a 5-digit counter. done() prints one BENCH line in add_lead.lua's form.

local threads = {}
local thread_count = 0

function setup(thread)
   thread:set("thread_id", thread_count)
   thread_count = thread_count + 1
   table.insert(threads, thread)
end

function init(args)
   key = args[1]
   run = tonumber(args[2] or "0") % 10
   counter = 0
   added, duplicates, other, incomplete = 0, 0, 0, 0
   sample = ""
   headers = {["Authorization"] = "Api-Key " .. key, ["Content-Type"] = "application/json"}
end

function request()
   local n = counter
   counter = counter + 1
   local phone = string.format("604%d%d%05d", run, thread_id % 10, n % 100000)
   local body = '{"list_id":101,"phone_number":"' .. phone .. '","first_name":"Bench",'
      .. '"last_name":"Caller","options":{"duplicate_checks":["phone:list"]}}'
   return wrk.format("POST", "/api/v1/leads/", headers, body)
end

function response(status, headers, body)
   if status == 201 then
      added = added + 1
   elseif status == 409 then
      duplicates = duplicates + 1
   else
      other = other + 1
      if sample == "" then sample = status .. " " .. body:sub(1, 300) end
   end
end

function done(summary, latency, requests)
   local a, d, o, s = 0, 0, 0, ""
   for _, thread in ipairs(threads) do
      a = a + thread:get("added")
      d = d + thread:get("duplicates")
      o = o + thread:get("other")
      if s == "" then s = thread:get("sample") end
   end
   local e = summary.errors
   -- Latency samples over 50 ms, as add_lead.lua counts them (api_bench reads both).
   local over = 0
   for i = 1, #latency do
      local value, count = latency(i)
      if value > 50000 then over = over + count end
   end
   io.write(string.format(
      "BENCH requests=%d duration_us=%d added=%d duplicates=%d other=%d incomplete=0"
         .. " socket_errors=%d status_errors=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d"
         .. " over_50ms=%d\n",
      summary.requests, summary.duration, a, d, o,
      e.connect + e.read + e.write + e.timeout, e.status,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      over))
   if s ~= "" then
      io.write("BENCH-SAMPLE " .. s:gsub("\n", "\\n") .. "\n")
   end
end
