#!/usr/bin/env bash
# Start or stop the local cluster: two Rasa servers and two action servers behind nginx, on
# loopback, sharing PostgreSQL and Redis (scripts/cluster.py; docs/production.md).
#   deploy/local/cluster.sh up      # foreground, Ctrl-C stops (make cluster)
#   deploy/local/cluster.sh start   # background;   deploy/local/cluster.sh stop
# MILA_CLUSTER_PORT (8080), TRACKER_STORE_URL and LOCK_STORE_URL override the defaults.
set -euo pipefail
cd "$(dirname "$0")/../.."
export RASA_TELEMETRY_ENABLED=false
exec .venv/bin/python -m scripts.cluster "$@"
