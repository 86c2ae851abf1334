#!/usr/bin/env bash
# Set up labgrade on a fresh Debian (bookworm) machine: the programs the simulated lab and the
# tests need, and a virtualenv in .venv with labgrade installed (editable) plus test tools.
# Idempotent: a second run installs nothing new. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
  echo "setup.sh: run as root (sudo scripts/setup.sh): the lab needs namespaces and apt-get" >&2
  exit 4
fi

packages=(iproute2 iptables openvswitch-switch dnsmasq-base openssh-server openssh-client
  haproxy procps iputils-ping netcat-openbsd ipset util-linux sudo tini ovn-common ovn-central
  ethtool chromium gawk busybox)
# gawk and busybox: the gather's record writer is tested with each awk a DevStack host may have
# (mawk on Debian/Ubuntu, gawk on Rocky/CentOS); the machine's own `awk` stays what it was.
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}" >&2
  # Keep package scripts from starting the machine's own sshd/OVS/haproxy: the lab runs its own
  # daemons inside each simulated host and the machine must stay as it was.
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  trap '[ $created_policy = 1 ] && rm -f /usr/sbin/policy-rc.d' EXIT
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  awk_before=$(readlink -f /usr/bin/awk || true)
  apt-get install -y -q --no-install-recommends "${missing[@]}"
  if [ -n "$awk_before" ] && [ "$(readlink -f /usr/bin/awk)" != "$awk_before" ]; then
    update-alternatives --quiet --set awk "$awk_before"
  fi
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  if ! "$python" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-venv
    "$python" -m venv .venv
  fi
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,ansible,paramiko]'
echo "setup.sh: ready: .venv/bin/labgrade --help" >&2
