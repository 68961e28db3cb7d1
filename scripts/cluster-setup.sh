#!/usr/bin/env bash
# Install nginx from Debian's packages if it is missing (`make cluster`, the cluster tests).
# Idempotent and quick when nginx is there. The package's own service is not used: the cluster
# starts its own nginx on loopback with deploy/local/nginx.conf.template.
set -euo pipefail

if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "error: nginx is missing; install it with: sudo apt-get install -y nginx" >&2
  exit 1
fi
echo "Installing nginx (Debian package)..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends: the server alone, without the default site's extras.
apt-get install -y -qq --no-install-recommends nginx >/dev/null
# Debian starts its own nginx on port 80 where it can; the cluster does not need it.
if command -v service >/dev/null 2>&1 && pgrep -x nginx >/dev/null 2>&1; then
  service nginx stop >/dev/null 2>&1 || true
fi
nginx -v
