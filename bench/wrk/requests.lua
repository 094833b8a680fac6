-- Cycles through the requests in $BENCH_REQUESTS, one per line: METHOD<TAB>PATH<TAB>BODY
-- (BODY may be empty). "%N%" in a path or body becomes a counter, so creates can differ.
-- $BENCH_HEADERS holds "Name: value" pairs separated by "|". done() prints one JSON line.
local requests = {}
local index = 0
local counter = 0

function init(args)
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    local method, path, body = line:match("^(%u+)\t([^\t]*)\t?(.*)$")
    table.insert(requests, { method, path, body })
  end
  for name, value in string.gmatch(os.getenv("BENCH_HEADERS") or "", "([^:|]+):%s*([^|]+)") do
    wrk.headers[name] = value
  end
  counter = tonumber(os.getenv("BENCH_COUNTER_START") or "0")
end

function request()
  index = index % #requests + 1
  counter = counter + 1
  local r = requests[index]
  local n = tostring(counter)
  local path = r[2]:gsub("%%N%%", n)
  local body = nil
  if r[3] ~= "" then
    body = r[3]:gsub("%%N%%", n)
  end
  return wrk.format(r[1], path, nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "status_errors": %d, "connect_errors": %d, '
      .. '"read_errors": %d, "write_errors": %d, "timeouts": %d, '
      .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.status, e.connect, e.read, e.write,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
