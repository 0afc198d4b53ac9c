#!/usr/bin/env bash
# Install the Debian packages `make cluster` and the benchmarks need (nginx, wrk), only where missing.
# The nginx package's own service is never started: the cluster runs its own nginx instance with its
# own config, pid and logs under var/cluster/.
set -euo pipefail
missing=()
command -v nginx >/dev/null || missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
# A policy-rc.d that answers 101 keeps the package scripts from starting the system nginx service.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  created_policy=1
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if [ "$created_policy" -eq 1 ]; then
  $SUDO rm -f "$policy"
fi
