-- wrk script of bench/public_pages.py: each connection sends, in turn, the requests listed in a
-- file, one a line: a path to GET ("get" mode), or a JSON body to POST to /api/verification
-- ("post" mode). A GET line may add, after a tab, a Cookie header (a signed-in person's session:
-- bench/load.py). At the end it prints one JSON line of figures for the script to read.
--
--   wrk -t1 -c16 -d10s -s bench/public_pages.lua http://127.0.0.1:8765 -- get paths.txt

local mode = "get"
local items = {}
local next_item = 0

function init(args)
  mode = args[1] or "get"
  for line in io.lines(args[2]) do
    if line ~= "" then
      items[#items + 1] = line
    end
  end
  if #items == 0 then
    error("no request in " .. tostring(args[2]))
  end
end

function request()
  next_item = next_item % #items + 1
  if mode == "post" then
    return wrk.format("POST", "/api/verification", { ["Content-Type"] = "application/json" }, items[next_item])
  end
  local path, cookie = items[next_item]:match("^([^\t]+)\t(.+)$")
  if path then
    return wrk.format("GET", path, { ["Cookie"] = cookie })
  end
  return wrk.format("GET", items[next_item])
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
