-- wrk script of bench/records.sh: POST /api/v1/collections/bench/records with the same data as
-- bench/records_load.cpp, each request as the next of the users whose access tokens are the
-- lines of the file GH_BENCH_TOKENS (rotating, so no user's write budget runs out).
local tokens = {}
local next_token = 0

function init(args)
  for line in io.lines(os.getenv("GH_BENCH_TOKENS")) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  next_token = math.random(#tokens)
end

function request()
  next_token = next_token % #tokens + 1
  return wrk.format("POST", "/api/v1/collections/bench/records", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[next_token],
  }, '{"data":{"title":"bench","n":1,"tags":["a","b"]}}')
end
