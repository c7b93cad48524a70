#!/usr/bin/env bash
# Backup helpers for the CloudNativePG cluster "shop-db" (WAL is archived continuously and the
# ScheduledBackup takes a base backup every night; these are for the moments in between).
#
#   deploy/scripts/backup.sh now      NAMESPACE          take a base backup now and wait for it
#   deploy/scripts/backup.sh list     NAMESPACE          backups and their state
#   deploy/scripts/backup.sh restore  NAMESPACE TARGET [TIME]
#       print a Cluster that recovers shop-db into a new cluster named TARGET, up to TIME
#       (RFC 3339, e.g. 2026-11-26T10:00:00Z; default: the newest WAL). Apply it in a scratch
#       namespace to test a restore, or in place of shop-db after a disaster (docs/deployment.md).
set -euo pipefail

usage() {
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[ $# -ge 2 ] || usage
command="$1"
namespace="$2"
context_args=()
[ -n "${KUBE_CONTEXT:-}" ] && context_args=(--context "$KUBE_CONTEXT")
k() { kubectl "${context_args[@]}" --namespace "$namespace" "$@"; }

case "$command" in
  now)
    name="shop-db-manual-$(date -u +%Y%m%d%H%M%S)"
    k apply -f - <<EOF
apiVersion: postgresql.cnpg.io/v1
kind: Backup
metadata:
  name: $name
spec:
  cluster:
    name: shop-db
EOF
    echo "waiting for backup $name"
    k wait --for=jsonpath='{.status.phase}'=completed "backup/$name" --timeout=3600s
    ;;
  list)
    k get backups.postgresql.cnpg.io \
      -o custom-columns=NAME:.metadata.name,PHASE:.status.phase,STARTED:.status.startedAt,STOPPED:.status.stoppedAt
    ;;
  restore)
    [ $# -ge 3 ] || usage
    target="$3"
    time="${4:-}"
    source="$(k get cluster shop-db -o jsonpath='{.spec.backup.barmanObjectStore.destinationPath}')"
    image="$(k get cluster shop-db -o jsonpath='{.spec.imageName}')"
    [ -n "$source" ] || { echo "shop-db has no barmanObjectStore" >&2; exit 1; }
    cat <<EOF
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: $target
spec:
  instances: 1
  imageName: $image
  storage:
    size: 50Gi
  bootstrap:
    recovery:
      source: shop-db-archive
$( [ -n "$time" ] && printf '      recoveryTarget:\n        targetTime: "%s"\n' "$time" )
  externalClusters:
    - name: shop-db-archive
      barmanObjectStore:
        destinationPath: $source
        serverName: shop-db
        s3Credentials:
          accessKeyId:
            name: shop-db-backup-credentials
            key: ACCESS_KEY_ID
          secretAccessKey:
            name: shop-db-backup-credentials
            key: SECRET_ACCESS_KEY
        wal:
          maxParallel: 4
EOF
    ;;
  *) usage ;;
esac
