#!/usr/bin/env bash
# Install the Debian packages the test suite needs, only where they are missing.
set -euo pipefail
wanted=(chromium fonts-wqy-microhei espeak-ng zbar-tools gettext libpango-1.0-0 libpangoft2-1.0-0)
missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
