#!/usr/bin/env bash
# Prints an internal token (HS256 JWT for the audience portfolio-bulk-internal, valid 60 seconds) signed
# with BULK_INTERNAL_TOKEN_SECRET, for operators' calls to the services' internal APIs, e.g.
#   curl -H "Authorization: Bearer $(BULK_INTERNAL_TOKEN_SECRET=... ops/internal-token.sh)" ...
# Needs bash and openssl.
set -euo pipefail
: "${BULK_INTERNAL_TOKEN_SECRET:?Set BULK_INTERNAL_TOKEN_SECRET, the secret the services share}"
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
jti=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
header=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
claims=$(printf '{"iss":"%s","aud":"portfolio-bulk-internal","jti":"%s","iat":%d,"exp":%d}' \
  "${BULK_OPERATOR:-operator}" "$jti" "$now" "$((now + 60))" | b64url)
signature=$(printf '%s.%s' "$header" "$claims" \
  | openssl dgst -sha256 -mac HMAC -macopt "key:$BULK_INTERNAL_TOKEN_SECRET" -binary | b64url)
printf '%s.%s.%s\n' "$header" "$claims" "$signature"
