-- wrk script: POST the login body from $GH_BENCH_LOGIN_BODY (a login storm).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("GH_BENCH_LOGIN_BODY")
