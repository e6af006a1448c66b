-- wrk script for bench/api_bench.py: add_lead with a unique phone number per request.
--
--   wrk -t2 -c8 -d20s --latency -s bench/wrk/add_lead.lua http://127.0.0.1:PORT -- MODE BASE STRIDE
--
-- MODE "simple": list 101, DUPLIST. MODE "mix": also dnc_check, add_to_hopper and a callback,
-- and every 10th request repeats the previous number, so it is an expected duplicate.
-- Numbers are 602 (a demo area code without DNC entries) and 7 digits: BASE + thread * STRIDE
-- + a counter below STRIDE, so api_bench.py gives each run its own block of numbers.
-- The answers are checked here; done() prints one BENCH line that api_bench.py parses, with
-- the number of latency samples over 50 ms (wrk's record, which adds coordinated-omission
-- samples below each slow request: zero means no request took over 50 ms).

local threads = {}
local thread_count = 0

function setup(thread)
   thread:set("thread_id", thread_count)
   thread_count = thread_count + 1
   table.insert(threads, thread)
end

function init(args)
   mode = args[1] or "simple"
   base = tonumber(args[2] or "0")
   stride = tonumber(args[3] or "100000")
   user = args[4] or "6666"
   pass = args[5] or "1234"
   counter = 0
   added, duplicates, other, incomplete = 0, 0, 0, 0
   sample = ""
   local path = "/API/lmapi.php?source=bench&user=" .. user .. "&pass=" .. pass
      .. "&function=add_lead&list_id=101&duplicate_check=DUPLIST"
      .. "&first_name=Bench&last_name=Caller"
   if mode == "mix" then
      path = path .. "&dnc_check=Y&add_to_hopper=Y&callback=Y&campaign_id=TESTCAMP"
         .. "&callback_datetime=NOW"
   end
   prefix = path .. "&phone_number="
end

local function phone(n)
   return string.format("602%07d", base + thread_id * stride + n % stride)
end

function request()
   local n = counter
   counter = counter + 1
   if mode == "mix" and n % 10 == 9 then
      n = n - 1
   end
   return wrk.format("GET", prefix .. phone(n))
end

function response(status, headers, body)
   if status == 200 and body:sub(1, 38) == "SUCCESS: add_lead LEAD HAS BEEN ADDED " then
      added = added + 1
      if mode == "mix" and not (body:find("\nNOTICE: add_lead ADDED TO HOPPER - ", 1, true)
            and body:find("\nNOTICE: add_lead SCHEDULED CALLBACK ADDED - ", 1, true)) then
         incomplete = incomplete + 1
         if sample == "" then sample = body end
      end
   elseif status == 200 and body:sub(1, 26) == "ERROR: add_lead DUPLICATE " then
      duplicates = duplicates + 1
   else
      other = other + 1
      if sample == "" then sample = status .. " " .. body:sub(1, 300) end
   end
end

function done(summary, latency, requests)
   local a, d, o, i, s = 0, 0, 0, 0, ""
   for _, thread in ipairs(threads) do
      a = a + thread:get("added")
      d = d + thread:get("duplicates")
      o = o + thread:get("other")
      i = i + thread:get("incomplete")
      if s == "" then s = thread:get("sample") end
   end
   local e = summary.errors
   local over = 0
   for i = 1, #latency do
      local value, count = latency(i)
      if value > 50000 then over = over + count end
   end
   io.write(string.format(
      "BENCH requests=%d duration_us=%d added=%d duplicates=%d other=%d incomplete=%d"
         .. " socket_errors=%d status_errors=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d"
         .. " over_50ms=%d\n",
      summary.requests, summary.duration, a, d, o, i,
      e.connect + e.read + e.write + e.timeout, e.status,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      over))
   if s ~= "" then
      io.write("BENCH-SAMPLE " .. s:gsub("\n", "\\n") .. "\n")
   end
end
