"""GET /api/v1/users/me in FastAPI, for bench/compare.sh: the same work Gatehouse does on that
route. The bearer token is one Gatehouse issued (EdDSA, Ed25519); it is verified against the
public keys of Gatehouse's JWKS (BENCH_JWKS_FILE) with PyJWT: signature, `iss`, `aud`, `exp`
and the claims Gatehouse requires. The profile comes from an in-process cache keyed by the
token's subject, filled at start from BENCH_PROFILE_FILE (Gatehouse's own answer for the bench
user), so every request is a cache hit.

    uvicorn --workers 2 --app-dir bench/compare fastapi_app:app
"""

import json
import os

import jwt
from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse, Response

ISSUER = os.environ["BENCH_ISSUER"]
AUDIENCE = os.environ["BENCH_AUDIENCE"]

with open(os.environ["BENCH_JWKS_FILE"], encoding="utf-8") as jwks_file:
    KEYS = {k["kid"]: jwt.PyJWK(k, algorithm="EdDSA").key for k in json.load(jwks_file)["keys"]}

with open(os.environ["BENCH_PROFILE_FILE"], "rb") as profile_file:
    PROFILE = profile_file.read()
PROFILES = {json.loads(PROFILE)["id"]: PROFILE}

REQUIRED = ["exp", "iat", "sub", "jti", "iss", "aud"]

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


def unauthorized():
    return JSONResponse(
        {"type": "about:blank", "title": "Unauthorized", "status": 401},
        status_code=401,
        media_type="application/problem+json",
    )


@app.get("/api/v1/users/me")
async def users_me(authorization: str | None = Header(default=None)):
    if authorization is None or not authorization.startswith("Bearer "):
        return unauthorized()
    token = authorization[7:]
    try:
        key = KEYS[jwt.get_unverified_header(token)["kid"]]
        claims = jwt.decode(
            token,
            key,
            algorithms=["EdDSA"],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": REQUIRED},
        )
    except (jwt.PyJWTError, KeyError):
        return unauthorized()
    profile = PROFILES.get(claims["sub"])
    if profile is None:
        return JSONResponse({"status": 404}, status_code=404)
    return Response(profile, media_type="application/json")
