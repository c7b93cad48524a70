#!/usr/bin/env bash
# Probe every public endpoint of a deployed shop (and optionally its testing hub).
#   deploy/scripts/health-check.sh https://shop.example.com [https://hub.shop.example.com]
# Exit 0 when every check passes, 1 otherwise. Each check retries a few times so a rollout that
# is still settling is not reported as down. Set HEALTH_RETRIES / HEALTH_TIMEOUT to tune.
set -euo pipefail

usage() {
  echo "usage: $0 SHOP_URL [HUB_URL]" >&2
  exit 2
}

[ $# -ge 1 ] || usage
shop_url="${1%/}"
hub_url="${2:-}"
hub_url="${hub_url%/}"
retries="${HEALTH_RETRIES:-5}"
timeout="${HEALTH_TIMEOUT:-10}"
failures=0

# check NAME URL EXPECTED_STATUS [PATTERN]: the status must match; PATTERN, if given, must occur
# in the body.
check() {
  local name="$1" url="$2" expected="$3" pattern="${4:-}" attempt status body
  body="$(mktemp)"
  for attempt in $(seq 1 "$retries"); do
    status="$(curl --silent --show-error --location --max-time "$timeout" \
      --output "$body" --write-out '%{http_code}' "$url" 2>/dev/null || echo 000)"
    if [ "$status" = "$expected" ] && { [ -z "$pattern" ] || grep -q -- "$pattern" "$body"; }; then
      printf 'ok    %-28s %s %s\n' "$name" "$status" "$url"
      rm -f "$body"
      return 0
    fi
    [ "$attempt" -lt "$retries" ] && sleep $((attempt * 2))
  done
  printf 'FAIL  %-28s %s %s (wanted %s%s)\n' "$name" "$status" "$url" "$expected" \
    "${pattern:+ and \"$pattern\"}"
  rm -f "$body"
  failures=$((failures + 1))
}

check "liveness" "$shop_url/healthz" 200 '"ok"'
check "readiness (database, redis)" "$shop_url/readyz" 200 '"ok"'
check "storefront home" "$shop_url/" 200 'product-grid'
check "search page" "$shop_url/search?q=a" 200
check "cart page" "$shop_url/cart" 200
check "product API" "$shop_url/api/v1/products" 200 '"items"'
check "category API" "$shop_url/api/v1/categories" 200
check "unknown API route -> 404" "$shop_url/api/v1/no-such-route" 404
# Redirects to the sign-in page when not signed in; --location follows it.
check "back office" "$shop_url/admin" 200

# HSTS must be on every HTTPS response.
if [[ "$shop_url" == https://* ]]; then
  if curl --silent --head --max-time "$timeout" "$shop_url/healthz" \
    | grep -qi '^strict-transport-security:'; then
    printf 'ok    %-28s %s\n' "HSTS header" "$shop_url"
  else
    printf 'FAIL  %-28s %s\n' "HSTS header" "$shop_url"
    failures=$((failures + 1))
  fi
fi

if [ -n "$hub_url" ]; then
  check "hub liveness" "$hub_url/healthz" 200
  # The MCP endpoint exists and refuses a caller without a key.
  check "hub MCP needs a key" "$hub_url/mcp" 401
fi

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
