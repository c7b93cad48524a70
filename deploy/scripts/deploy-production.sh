#!/usr/bin/env bash
# Deploy Shopwright to Kubernetes: render and validate the manifests, optionally build and push
# the images, run the migrations, roll out with the chosen strategy, check health, and roll back
# automatically when a check fails.
#
#   deploy/scripts/deploy-production.sh --dry-run                     render + validate, no cluster
#   deploy/scripts/deploy-production.sh --context prod --image ghcr.io/shopwright/shopwright@sha256:...
#   deploy/scripts/deploy-production.sh --context prod --build --push --tag 1.4.0 --strategy canary
#   deploy/scripts/deploy-production.sh --context prod --rollback
#
# Strategies (web and api; worker and hub always roll):
#   rolling     (default) update the live slot's Deployments in place; `rollout undo` on failure
#   blue-green  start the other slot, check it, switch the Services' selector; switch back on failure
#   canary      canary pods get 10/25/50/100% of the traffic (HTTPRoute weights); each step is gated
#               on the canary's error rate and p99 latency in Prometheus; weights back on failure
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

overlay="production"
strategy="rolling"
context=""
namespace=""
image=""
hub_image=""
registry="ghcr.io/shopwright"
tag=""
build=false
push=false
dry_run=false
rollback=false
public_url="${PUBLIC_URL:-}"
hub_url="${HUB_URL:-}"
prometheus_url="${PROMETHEUS_URL:-}"
# Canary gates: the canary's 5xx ratio and p99 latency (seconds) over the step's window.
max_error_ratio="${CANARY_MAX_ERROR_RATIO:-0.01}"
max_p99_seconds="${CANARY_MAX_P99_SECONDS:-1.0}"
step_seconds="${CANARY_STEP_SECONDS:-300}"
rollout_timeout="${ROLLOUT_TIMEOUT:-600s}"

log() { printf '\033[1;34m[deploy]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[deploy]\033[0m %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
  cat <<'EOF'

Options:
  --overlay NAME       staging | production | production-ingress (default: production)
  --strategy NAME      rolling | blue-green | canary (default: rolling)
  --context NAME       kubectl context to use; required unless --dry-run
  --image REF          shop image (prefer a digest: registry/name@sha256:...)
  --hub-image REF      testing hub image
  --build              build both images (docker buildx, linux/amd64 + linux/arm64)
  --push               push what --build built (needs --tag)
  --registry PREFIX    image registry and owner (default: ghcr.io/shopwright)
  --tag TAG            image tag for --build
  --public-url URL     shop URL for the health checks (default: SHOP_PUBLIC_URL of the overlay)
  --hub-url URL        hub URL for the health checks (optional)
  --prometheus-url URL Prometheus for the canary gates (required for --strategy canary)
  --rollback           undo the last deploy of the chosen strategy
  --dry-run            render and validate everything; touch no cluster, build nothing
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --overlay) overlay="$2"; shift 2 ;;
    --strategy) strategy="$2"; shift 2 ;;
    --context) context="$2"; shift 2 ;;
    --image) image="$2"; shift 2 ;;
    --hub-image) hub_image="$2"; shift 2 ;;
    --registry) registry="$2"; shift 2 ;;
    --tag) tag="$2"; shift 2 ;;
    --build) build=true; shift ;;
    --push) push=true; shift ;;
    --public-url) public_url="$2"; shift 2 ;;
    --hub-url) hub_url="$2"; shift 2 ;;
    --prometheus-url) prometheus_url="$2"; shift 2 ;;
    --rollback) rollback=true; shift ;;
    --dry-run) dry_run=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

case "$overlay" in staging|production|production-ingress) ;; *) die "unknown overlay: $overlay" ;; esac
case "$strategy" in rolling|blue-green|canary) ;; *) die "unknown strategy: $strategy" ;; esac
if [ "$strategy" = canary ] && [ "$overlay" = production-ingress ]; then
  die "canary needs HTTPRoute weights: use the Gateway API overlays, or --strategy blue-green"
fi
if [ "$push" = true ] && [ "$build" = false ]; then die "--push needs --build"; fi
if [ "$build" = true ] && [ -z "$tag" ]; then die "--build needs --tag"; fi

# --- tools -------------------------------------------------------------------------------------

require() { command -v "$1" >/dev/null 2>&1 || die "$1 is required ($2)"; }
require uv "https://docs.astral.sh/uv/"
require node "the CRD schemas are checked with Node.js"
[ -d tools/npm/node_modules ] || npm ci --prefix tools/npm --no-audit --no-fund >/dev/null
manifests() { uv run --frozen python deploy/scripts/manifests.py "$@"; }
if [ "$dry_run" = false ]; then
  require kubectl "the cluster's client"
  require curl "health checks"
  [ "$build" = false ] || require docker "docker buildx builds the images"
fi

# --- render and validate (always, also before a real deploy) ----------------------------------

log "validating $overlay (schemas and policy)"
manifests validate "$overlay" >&2 || die "the manifests of $overlay do not validate"

if [ "$dry_run" = true ]; then
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
  for part in infra migrate apps; do
    manifests render "$overlay" --part "$part" >"$out/$part.yaml"
  done
  manifests render "$overlay" --slot green --service-slot blue --part apps >"$out/green.yaml"
  manifests canary "$overlay" --image "${image:-$registry/shopwright:dry-run}" >"$out/canary.yaml"
  for file in "$out"/*.yaml; do
    log "rendered $(basename "$file" .yaml): $(grep -c '^kind:' "$file") objects"
  done
  log "plan for --strategy $strategy on $overlay:"
  log "  1. kubectl apply infra (config, secrets, database, redis, services, policies, monitoring)"
  log "  2. recreate Job/migrate and wait for it to complete"
  case "$strategy" in
    rolling) log "  3. apply the live slot's Deployments; wait; health checks; rollout undo on failure" ;;
    blue-green) log "  3. start the idle slot; wait; check it in-pod; switch Services; health checks; switch back on failure" ;;
    canary) log "  3. canary Deployments; weights 10/25/50/100 gated on Prometheus; promote; weights back on failure" ;;
  esac
  log "dry run: nothing was applied"
  exit 0
fi

# --- cluster and context ------------------------------------------------------------------------

[ -n "$context" ] || die "--context is required (the kubectl context of the target cluster)"
current="$(kubectl config current-context 2>/dev/null || true)"
[ "$current" = "$context" ] || die "kubectl context is '$current', not '$context'"
k() { kubectl --context "$context" "$@"; }
namespace="$(manifests render "$overlay" --part infra \
  | awk '/^kind: Namespace$/{ns=1} ns && /^  name: /{print $2; exit}')"
[ -n "$namespace" ] || die "no Namespace in the $overlay overlay"
kn() { k --namespace "$namespace" "$@"; }
for crd in clusters.postgresql.cnpg.io externalsecrets.external-secrets.io \
  certificates.cert-manager.io podmonitors.monitoring.coreos.com; do
  k get crd "$crd" >/dev/null 2>&1 || die "CRD $crd is missing: install its operator first (docs/deployment.md)"
done
if [ "$overlay" != production-ingress ]; then
  k get crd httproutes.gateway.networking.k8s.io >/dev/null 2>&1 || die "Gateway API CRDs are missing"
fi
if [ -z "$public_url" ]; then
  public_url="$(manifests render "$overlay" --part infra | awk '/SHOP_PUBLIC_URL:/{print $2; exit}')"
fi

# --- images -------------------------------------------------------------------------------------

digest_of() {
  docker buildx imagetools inspect "$1" --format '{{json .Manifest}}' \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["digest"])'
}

if [ "$build" = true ]; then
  output="--load"
  [ "$push" = true ] && output="--push"
  for name in shopwright shopwright-hub; do
    dockerfile="deploy/docker/Dockerfile"
    [ "$name" = shopwright-hub ] && dockerfile="deploy/docker/Dockerfile.hub"
    log "building $registry/$name:$tag"
    docker buildx build --platform linux/amd64,linux/arm64 -f "$dockerfile" \
      -t "$registry/$name:$tag" "$output" .
  done
  if [ "$push" = true ]; then
    image="$registry/shopwright@$(digest_of "$registry/shopwright:$tag")"
    hub_image="$registry/shopwright-hub@$(digest_of "$registry/shopwright-hub:$tag")"
  fi
fi

# --- helpers --------------------------------------------------------------------------------------

active_slot() {
  local slot
  slot="$(kn get service api -o jsonpath='{.spec.selector.shopwright\.dev/slot}' 2>/dev/null || true)"
  echo "${slot:-blue}"
}
other_slot() { if [ "$1" = blue ]; then echo green; else echo blue; fi; }
deployment_for() { if [ "$2" = blue ]; then echo "$1"; else echo "$1-$2"; fi; }

render() {
  local args=("$overlay")
  [ -n "$image" ] && args+=(--image "$image")
  [ -n "$hub_image" ] && args+=(--hub-image "$hub_image")
  manifests render "${args[@]}" "$@"
}

wait_rollouts() {
  local deployment
  for deployment in "$@"; do
    kn rollout status "deployment/$deployment" --timeout="$rollout_timeout" || return 1
  done
}

# The new pods answer /readyz from inside (before any traffic reaches them).
check_in_pod() {
  local deployment
  for deployment in "$@"; do
    kn exec "deployment/$deployment" -c shop -- python -c \
      "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=5).status != 200)" \
      || return 1
  done
}

public_checks() {
  local args=("$public_url")
  [ -n "$hub_url" ] && args+=("$hub_url")
  deploy/scripts/health-check.sh "${args[@]}"
}

switch_services() {
  local slot="$1" component
  for component in web api; do
    kn patch service "$component" --type merge \
      -p "{\"spec\":{\"selector\":{\"shopwright.dev/slot\":\"$slot\"}}}"
  done
  log "Services web and api now select slot $slot"
}

set_weights() {
  local canary="$1" stable=$((100 - $1))
  kn patch httproute shop --type json -p "[
    {\"op\":\"replace\",\"path\":\"/spec/rules/0/backendRefs/0/weight\",\"value\":$stable},
    {\"op\":\"replace\",\"path\":\"/spec/rules/0/backendRefs/1/weight\",\"value\":$canary},
    {\"op\":\"replace\",\"path\":\"/spec/rules/1/backendRefs/0/weight\",\"value\":$stable},
    {\"op\":\"replace\",\"path\":\"/spec/rules/1/backendRefs/1/weight\",\"value\":$canary}]"
  log "traffic: ${stable}% stable, ${canary}% canary"
}

prometheus_value() {
  curl --silent --fail --max-time 10 --get "$prometheus_url/api/v1/query" \
    --data-urlencode "query=$1" \
    | python3 -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "0")'
}

canary_healthy() {
  local selector="namespace=\"$namespace\",shopwright_dev_slot=\"canary\"" errors p99
  errors="$(prometheus_value "sum(rate(shop_http_requests_total{$selector,status=~\"5..\"}[2m])) / clamp_min(sum(rate(shop_http_requests_total{$selector}[2m])), 1e-9)")" || return 1
  p99="$(prometheus_value "histogram_quantile(0.99, sum by (le) (rate(shop_http_request_duration_seconds_bucket{$selector}[2m])))")" || return 1
  [ "$p99" = NaN ] && p99=0
  log "canary: error ratio $errors (max $max_error_ratio), p99 ${p99}s (max ${max_p99_seconds}s)"
  python3 -c "import sys; sys.exit(not (float('$errors') <= $max_error_ratio and float('$p99') <= $max_p99_seconds))"
}

remove_canary() {
  set_weights 0 || true
  kn delete deployment web-canary api-canary --ignore-not-found
}

run_migrations() {
  log "migrations"
  kn delete job migrate --ignore-not-found --wait=true
  render --part migrate | kn apply -f -
  if ! kn wait --for=condition=complete job/migrate --timeout=900s; then
    kn logs job/migrate --tail=100 || true
    die "migrations failed: nothing was rolled out"
  fi
}

# --- rollback -------------------------------------------------------------------------------------

if [ "$rollback" = true ]; then
  case "$strategy" in
    rolling)
      for deployment in web api worker hub; do
        kn rollout undo "deployment/$(deployment_for "$deployment" "$(active_slot)")" 2>/dev/null \
          || kn rollout undo "deployment/$deployment"
      done
      ;;
    blue-green)
      previous="$(other_slot "$(active_slot)")"
      for component in web api; do
        kn scale "deployment/$(deployment_for "$component" "$previous")" --replicas=2
      done
      wait_rollouts "$(deployment_for web "$previous")" "$(deployment_for api "$previous")" \
        || die "slot $previous does not come up: traffic stays where it is"
      switch_services "$previous"
      ;;
    canary) remove_canary ;;
  esac
  public_checks || die "health checks fail after the rollback"
  log "rolled back ($strategy)"
  exit 0
fi

# --- deploy ---------------------------------------------------------------------------------------

[ -n "$image" ] || die "--image (or --build --push) is required: which image to deploy?"
slot="$(active_slot)"
log "deploying $image to $overlay ($namespace), strategy $strategy, live slot $slot"
render --slot "$slot" --part infra | kn apply -f -
run_migrations

case "$strategy" in
  rolling)
    render --slot "$slot" --part apps | kn apply -f -
    deployments=("$(deployment_for web "$slot")" "$(deployment_for api "$slot")" worker hub)
    if ! wait_rollouts "${deployments[@]}" || ! public_checks; then
      log "rolling back"
      for deployment in "${deployments[@]}"; do kn rollout undo "deployment/$deployment" || true; done
      wait_rollouts "${deployments[@]}" || true
      die "deploy failed and was rolled back"
    fi
    ;;

  blue-green)
    target="$(other_slot "$slot")"
    render --slot "$target" --service-slot "$slot" --part apps | kn apply -f -
    new=("$(deployment_for web "$target")" "$(deployment_for api "$target")")
    if ! wait_rollouts "${new[@]}" worker hub || ! check_in_pod "${new[@]}"; then
      kn scale deployment "${new[@]}" --replicas=0 || true
      die "slot $target did not become healthy; traffic stayed on $slot"
    fi
    switch_services "$target"
    if ! public_checks; then
      log "health checks failed after the switch: switching back to $slot"
      switch_services "$slot"
      die "deploy failed and was rolled back"
    fi
    # The old slot stays, scaled to zero, for a fast --rollback.
    kn delete hpa "$(deployment_for web "$slot")" "$(deployment_for api "$slot")" --ignore-not-found
    kn scale deployment "$(deployment_for web "$slot")" "$(deployment_for api "$slot")" --replicas=0
    ;;

  canary)
    [ -n "$prometheus_url" ] || die "--prometheus-url is required for the canary gates"
    manifests canary "$overlay" --image "$image" | kn apply -f -
    wait_rollouts web-canary api-canary || { remove_canary; die "canary pods did not start"; }
    for weight in 10 25 50 100; do
      set_weights "$weight"
      sleep "$step_seconds"
      if ! canary_healthy; then
        log "canary gate failed at ${weight}%: rolling back"
        remove_canary
        die "deploy failed and was rolled back"
      fi
    done
    # Promote: the stable Deployments take the new image while the canary holds the traffic.
    render --slot "$slot" --part apps | kn apply -f -
    if ! wait_rollouts "$(deployment_for web "$slot")" "$(deployment_for api "$slot")" worker hub; then
      remove_canary
      die "promotion failed; run --rollback --strategy rolling"
    fi
    remove_canary
    public_checks || die "health checks fail after the promotion; run --rollback --strategy rolling"
    ;;
esac

log "deployed $image ($strategy)"
