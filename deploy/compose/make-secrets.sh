#!/usr/bin/env bash
# Writes the secrets docker-compose.yml mounts, under deploy/compose/secrets/ (never committed):
# passwords and keys from the kernel's random source, the connection URLs that carry them, an
# Ed25519 JWT signing key, and a self-signed TLS certificate for the public URL's host (replace
# tls.crt and tls.key with real ones). Files that exist are kept, so running it again changes
# nothing; delete a file to make a new one.
#
#   deploy/compose/make-secrets.sh [HOST]     HOST for the certificate (default: localhost)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
host="${1:-localhost}"
command -v openssl >/dev/null || { echo "make-secrets.sh: openssl is needed" >&2; exit 1; }
umask 077
mkdir -p secrets
chmod 0700 secrets

random() { openssl rand -hex "$1"; }
# write NAME CONTENT: once; readable inside the containers (their users are not root), while the
# 0700 folder keeps everyone else on the host out.
write() {
  [ -e "secrets/$1" ] && return 0
  printf '%s' "$2" >"secrets/$1"
  chmod 0444 "secrets/$1"
  echo "wrote secrets/$1"
}

write postgres_password "$(random 24)"
write redis_password "$(random 24)"
write nats_token "$(random 24)"
write database_url "postgresql://gatehouse:$(cat secrets/postgres_password)@postgres:5432/gatehouse"
write redis_url "redis://:$(cat secrets/redis_password)@redis:6379/0"
write nats_url "nats://$(cat secrets/nats_token)@nats:4222"
write redis.conf "requirepass $(cat secrets/redis_password)
dir /data
appendonly yes
"
write nats.conf "port: 4222
http_port: 8222
server_name: gatehouse-nats
jetstream {
  store_dir: /data
}
authorization {
  token: \"$(cat secrets/nats_token)\"
}
"
write secrets_key "$(random 32)"
write bootstrap_admin_key "$(random 32)"
if [ ! -e secrets/jwt_signing_key.pem ]; then
  openssl genpkey -algorithm ed25519 -out secrets/jwt_signing_key.pem 2>/dev/null
  chmod 0444 secrets/jwt_signing_key.pem
  echo "wrote secrets/jwt_signing_key.pem"
fi
if [ ! -e secrets/tls.crt ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
    -subj "/CN=$host" -addext "subjectAltName=DNS:$host" \
    -keyout secrets/tls.key -out secrets/tls.crt 2>/dev/null
  chmod 0444 secrets/tls.crt secrets/tls.key
  echo "wrote secrets/tls.crt and secrets/tls.key (self-signed for $host)"
fi
echo "the bootstrap admin key (for the first API key; remove it afterwards): secrets/bootstrap_admin_key"
