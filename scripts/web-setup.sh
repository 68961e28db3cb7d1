#!/usr/bin/env bash
# Install from Debian what the website widget needs, only when it is missing:
#   scripts/web-setup.sh npm        Node.js and npm, to install the widget (npm ci)
#   scripts/web-setup.sh chromium   Chromium (and an emoji font) for the browser tests
# Needs root and apt-get; otherwise says what is missing. Without Chromium the browser tests
# skip with a reason, except under CI=true, where they fail (tests/web/conftest.py).
set -euo pipefail

case "${1:-}" in
  npm) command -v npm >/dev/null 2>&1 && exit 0; packages=(nodejs npm) ;;
  chromium) packages=(chromium fonts-noto-color-emoji) ;;
  *) echo "usage: $0 npm|chromium" >&2; exit 2 ;;
esac

missing=()
for package in "${packages[@]}"; do
  if command -v dpkg-query >/dev/null 2>&1; then
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$package")
  elif [ "$package" = chromium ] && ! [ -x /usr/bin/chromium ]; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} from Debian (apt-get, a minute or two)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "warning: ${missing[*]} missing, and installing needs root and apt-get" >&2
[ "$1" = chromium ] && exit 0  # the browser tests then say why they skip
exit 1
