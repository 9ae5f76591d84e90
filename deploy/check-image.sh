#!/usr/bin/env bash
# Build the image with podman and run its entry points and HEALTHCHECK command, as root, on a
# machine where no container can be started (no registry for the base image, a runtime that may
# not set rlimits). Not part of `make test`: it needs root, podman and a few minutes.
#
#   sudo deploy/check-image.sh            # PYTHON_IMAGE=python:3.11-slim-bookworm when pullable
#
# Why the fallbacks: where the base image cannot be pulled, a Debian bookworm root filesystem
# (debootstrap, with Debian's python3 = 3.11) stands in for it, imported as localhost/pybase; where
# `podman run` cannot start a container, the built image's own filesystem is run under chroot as
# the image's user (10001), with the image's environment, which checks what the image ships: its
# venv, its non-root home, `db upgrade`, `serve`, the scheduler's metrics port and the exact
# HEALTHCHECK command (failing before serve is up, passing once /ready answers 200).
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-$(mktemp -d /tmp/hg-image-check.XXXXXX)}
KEY=check-key-0123456789abcdef
BASE=${PYTHON_IMAGE:-python:3.11-slim-bookworm}

if ! podman image exists "$BASE" && ! timeout 60 podman pull "docker.io/library/$BASE"; then
  BASE=localhost/pybase:bookworm
  if ! podman image exists "$BASE"; then
    debootstrap --variant=minbase --include=python3,python3-venv,python-is-python3,ca-certificates \
      bookworm "$WORK/rootfs" http://deb.debian.org/debian
    tar -C "$WORK/rootfs" -c . | podman import - "$BASE"
  fi
fi

# The committed tree only (what a clone builds), not a working copy's edits.
mkdir -p "$WORK/src" && git -C "$HERE" archive HEAD | tar -x -C "$WORK/src"
podman build --format docker --isolation chroot --network host \
  -v /etc/ssl/certs:/etc/ssl/certs:ro --env PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
  --build-arg PYTHON_IMAGE="$BASE" -t localhost/hedgegraph:check "$WORK/src"
podman image inspect localhost/hedgegraph:check | grep -q "127.0.0.1:8000/ready" \
  || { echo "the image has no /ready HEALTHCHECK" >&2; exit 1; }
HEALTH=$(podman image inspect localhost/hedgegraph:check \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Healthcheck"]["Test"][-1])')

LOWER=$(podman image mount localhost/hedgegraph:check)
R="$WORK/root"
mkdir -p "$WORK/up" "$WORK/ovwork" "$R"
mount -t overlay overlay -o "lowerdir=$LOWER,upperdir=$WORK/up,workdir=$WORK/ovwork" "$R"
mount --bind /proc "$R/proc" && mount --bind /dev "$R/dev"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
  umount "$R/proc" "$R/dev" "$R" 2>/dev/null || true
  podman image unmount localhost/hedgegraph:check >/dev/null || true
}
trap cleanup EXIT

IN=(chroot --userspec=10001:10001 "$R" env -i
    PATH=/opt/hedgegraph/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HEDGEGRAPH_HOME=/data HEDGEGRAPH_ENV_FILE=
    HOME=/data HEDGEGRAPH_API_KEY=$KEY)
healthy() { "${IN[@]}" python -c "$HEALTH" 2>/dev/null; }

[ "$("${IN[@]}" id -u)" = 10001 ]
"${IN[@]}" sh -c 'cd /data && hedgegraph db upgrade'
if healthy; then echo "health check passed with no server" >&2; exit 1; fi
"${IN[@]}" sh -c 'cd /data && exec hedgegraph serve --host 0.0.0.0 --port 8000' \
  > "$WORK/serve.log" 2>&1 & PIDS+=($!)
for _ in $(seq 1 120); do healthy && break; sleep 1; done
healthy || { tail -20 "$WORK/serve.log" >&2; echo "health check never passed" >&2; exit 1; }
echo "health check: passes"
curl -sf -H "authorization: Bearer $KEY" http://127.0.0.1:8000/metrics \
  | grep -q '^hedgegraph_trading_state{state="active"} 1.0'
"${IN[@]}" sh -c 'cd /data && exec hedgegraph scheduler --metrics-port 19464' \
  > "$WORK/scheduler.log" 2>&1 & PIDS+=($!)
for _ in $(seq 1 60); do curl -sf http://127.0.0.1:19464/metrics > /dev/null && break; sleep 1; done
curl -sf http://127.0.0.1:19464/metrics | grep -q '^hedgegraph_heartbeat_age_seconds{job="scheduler"}'
grep -q '"logger": "uvicorn.error"' "$WORK/serve.log"
echo "image check passed: uid 10001, db upgrade, serve healthy, metrics, scheduler metrics port"
