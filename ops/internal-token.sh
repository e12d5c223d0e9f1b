#!/usr/bin/env bash
# Prints an internal token for operators' calls to one service's internal API: an HS256 JWT whose
# audience is that service, valid 60 seconds, signed with the secret the service verifies.
#   ops/internal-token.sh [bulk-worker|audit-consumer]     the service called; bulk-worker when not given
# The secret: BULK_WORKER_TOKEN_SECRET for the bulk-worker, BULK_AUDIT_TOKEN_SECRET for the
# audit-consumer (the gateway's secrets of its calls to them), or BULK_INTERNAL_TOKEN_SECRET where that
# is not set (a link without a secret of its own, or the called service's own environment), e.g.
#   set -a; . ./.env; set +a        # the secrets stay out of the shell's history
#   curl -H "Authorization: Bearer $(ops/internal-token.sh bulk-worker)" ...
# Needs bash, od and openssl. The secret never reaches a command line (where ps would show it): the
# HMAC is computed from its padded key, which bash's own printf writes into openssl's input.
set -euo pipefail
service=${1:-bulk-worker}
case "$service" in
  bulk-worker) link=BULK_WORKER_TOKEN_SECRET ;;
  audit-consumer) link=BULK_AUDIT_TOKEN_SECRET ;;
  *)
    echo "Usage: $0 [bulk-worker|audit-consumer]: the service the token is for (bulk-worker when not given)" >&2
    exit 2
    ;;
esac
secret=${!link:-${BULK_INTERNAL_TOKEN_SECRET:-}}
if [ -z "$secret" ]; then
  echo "Set $link, or BULK_INTERNAL_TOKEN_SECRET: the secret the $service verifies internal tokens with" >&2
  exit 2
fi
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
hex() { od -An -v -tx1 | tr -d ' \n'; }
# HMAC-SHA256 (RFC 2104) of stdin with the secret's UTF-8 bytes as the key.
hmac_sha256() {
  local key i inner outer=""
  key=$(printf '%s' "$secret" | hex)
  if [ "${#key}" -gt 128 ]; then
    key=$(printf '%s' "$secret" | openssl dgst -sha256 -binary | hex)
  fi
  while [ "${#key}" -lt 128 ]; do key="${key}00"; done
  local ipad="" opad=""
  for ((i = 0; i < 128; i += 2)); do
    ipad+=$(printf '\\x%02x' $((0x${key:i:2} ^ 0x36)))
    opad+=$(printf '\\x%02x' $((0x${key:i:2} ^ 0x5c)))
  done
  inner=$({ printf '%b' "$ipad"; cat; } | openssl dgst -sha256 -binary | hex)
  for ((i = 0; i < ${#inner}; i += 2)); do outer+="\\x${inner:i:2}"; done
  { printf '%b' "$opad"; printf '%b' "$outer"; } | openssl dgst -sha256 -binary
}
now=$(date +%s)
jti=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
header=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
claims=$(printf '{"iss":"%s","aud":"%s","jti":"%s","iat":%d,"exp":%d}' \
  "${BULK_OPERATOR:-operator}" "$service" "$jti" "$now" "$((now + 60))" | b64url)
signature=$(printf '%s.%s' "$header" "$claims" | hmac_sha256 | b64url)
printf '%s.%s.%s\n' "$header" "$claims" "$signature"
