-- SPDX-License-Identifier: BSD-2-Clause
-- wrk script of bench/run.sh.  Configured by the environment:
--   BENCH_TOKENS  a file of tokens, one per line (unset: no header)
--   BENCH_MODE    fixed: the first token on every request (a static request)
--                 cycle: the next token on every request, round and round,
--                        starting at line BENCH_START (default 1)
--   BENCH_OUT     a file to which done() appends one TSV line:
--                 requests duration_us rps p50_us p90_us p99_us max_us
--                 status>=400 socket_errors
-- (wrk runs for its whole -d whatever the script does, so run.sh sizes -d
-- to the number of distinct tokens where they must not repeat.)

local mode = os.getenv("BENCH_MODE") or "fixed"
local file = os.getenv("BENCH_TOKENS") or ""

if mode == "fixed" then
   if file ~= "" then
      local f = assert(io.open(file, "r"))
      wrk.headers["Authorization"] = "Bearer " .. f:read("*l")
      f:close()
   end
else
   local tokens, n, i, prefix, suffix

   function init(args)
      -- the request with a placeholder, split around it once
      local req = wrk.format(nil, nil, { ["Authorization"] = "Bearer @T@" })
      local a, b = req:find("@T@", 1, true)
      prefix, suffix = req:sub(1, a - 1), req:sub(b + 1)
      -- whole requests built once: request() then only picks one, so
      -- cycling costs wrk (and the CPU next to the server's) no more than
      -- a fixed request does
      tokens, n = {}, 0
      for line in io.lines(file) do
         if #line > 0 then n = n + 1; tokens[n] = prefix .. line .. suffix end
      end
      i = (tonumber(os.getenv("BENCH_START") or "1") or 1) - 1
   end

   function request()
      i = i + 1
      if i > n then i = 1 end
      return tokens[i]
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   local line = string.format("%d\t%d\t%.1f\t%d\t%d\t%d\t%d\t%d\t%d\n",
      summary.requests, summary.duration,
      summary.requests / (summary.duration / 1e6),
      latency:percentile(50.0), latency:percentile(90.0),
      latency:percentile(99.0), latency.max,
      e.status, e.connect + e.read + e.write + e.timeout)
   local out = os.getenv("BENCH_OUT")
   if out and out ~= "" then
      local f = assert(io.open(out, "a"))
      f:write(line)
      f:close()
   else
      io.write(line)
   end
end
