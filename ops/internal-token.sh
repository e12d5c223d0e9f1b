#!/usr/bin/env bash
# Prints an internal token (HS256 JWT for the audience portfolio-bulk-internal, valid 60 seconds) signed
# with BULK_INTERNAL_TOKEN_SECRET, for operators' calls to the services' internal APIs, e.g.
#   set -a; . ./.env; set +a        # the secret stays out of the shell's history
#   curl -H "Authorization: Bearer $(ops/internal-token.sh)" ...
# Needs bash, od and openssl. The secret never reaches a command line (where ps would show it): the
# HMAC is computed from its padded key, which bash's own printf writes into openssl's input.
set -euo pipefail
: "${BULK_INTERNAL_TOKEN_SECRET:?Set BULK_INTERNAL_TOKEN_SECRET, the secret the services share}"
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
hex() { od -An -v -tx1 | tr -d ' \n'; }
# HMAC-SHA256 (RFC 2104) of stdin with the secret's UTF-8 bytes as the key.
hmac_sha256() {
  local key i inner outer=""
  key=$(printf '%s' "$BULK_INTERNAL_TOKEN_SECRET" | hex)
  if [ "${#key}" -gt 128 ]; then
    key=$(printf '%s' "$BULK_INTERNAL_TOKEN_SECRET" | openssl dgst -sha256 -binary | hex)
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
claims=$(printf '{"iss":"%s","aud":"portfolio-bulk-internal","jti":"%s","iat":%d,"exp":%d}' \
  "${BULK_OPERATOR:-operator}" "$jti" "$now" "$((now + 60))" | b64url)
signature=$(printf '%s.%s' "$header" "$claims" | hmac_sha256 | b64url)
printf '%s.%s.%s\n' "$header" "$claims" "$signature"
