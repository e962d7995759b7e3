-- One wrk script for every scenario of bench/run.py; the scenario comes in environment variables
-- so that the Python side stays the only place that knows about endpoints and credentials.
--
--   BENCH_METHOD        GET or POST
--   BENCH_BODY          the request body (POST), sent as application/x-www-form-urlencoded
--   BENCH_AUTHORIZATION the Authorization header, if any
--   BENCH_ROTATE_FILE   refresh mode: a file of single-use refresh tokens, one per line; each
--                       request spends one and each answer's new refresh token is queued again,
--                       because a rotated refresh token must never be sent twice
--   BENCH_THREADS       wrk's thread count (refresh mode splits the token file between threads)
--
-- done() prints one JSON line the Python side parses: totals and latency percentiles in µs.

local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local authorization = os.getenv("BENCH_AUTHORIZATION")
local rotate_file = os.getenv("BENCH_ROTATE_FILE")

wrk.method = method
if authorization and authorization ~= "" then
  wrk.headers["Authorization"] = authorization
end
if method == "POST" then
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.body = body or ""
end

local thread_count = 0
local threads = {}
function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

-- the first failed answer of each thread, so a failing scenario says why
first_failure = nil
local function note_failure(status, response_body)
  if status >= 400 and first_failure == nil then
    first_failure = status .. " " .. response_body:sub(1, 160):gsub("[\r\n\"]", " ")
  end
end

local queue, head, tail = {}, 1, 0

function init(args)
  if not rotate_file or rotate_file == "" then
    return
  end
  local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
  local line_number = 0
  for token in io.lines(rotate_file) do
    if line_number % threads == thread_index then
      tail = tail + 1
      queue[tail] = token
    end
    line_number = line_number + 1
  end
end

if rotate_file and rotate_file ~= "" then
  local prefix = (body or "grant_type=refresh_token") .. "&refresh_token="

  function request()
    -- Each connection has one request in flight and the file holds at least one token per
    -- connection, so the queue is empty only after a failed answer lost its token.
    local token = queue[head]
    if token then
      queue[head] = nil
      head = head + 1
    else
      token = "exhausted"
    end
    return wrk.format("POST", nil, nil, prefix .. token)
  end

  function response(status, headers, response_body)
    note_failure(status, response_body)
    local token = response_body:match('"refresh_token"%s*:%s*"([^"]+)"')
    if token then
      tail = tail + 1
      queue[tail] = token
    end
  end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    local failure = thread:get("first_failure")
    if failure then
      io.write("BENCH_FAILURE " .. failure .. "\n")
    end
  end
  local errors = summary.errors
  io.write(string.format(
    '\nBENCH_RESULT {"requests":%d,"duration_us":%d,"status_errors":%d,' ..
    '"socket_errors":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
