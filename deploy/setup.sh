#!/usr/bin/env bash
# Installs what ovsfabric needs on a fresh Debian (bookworm) machine. Idempotent: safe to run again.
set -euo pipefail
PACKAGES=(etcd-server etcd-client openvswitch-switch openvswitch-common docker.io containerd runc
  busybox-static iperf3 ethtool tcpdump iproute2 iptables nftables bridge-utils procps psmisc socat
  util-linux curl maven openjdk-17-jdk-headless
  user-mode-linux gcc libc6-dev    # the kernel-datapath lab (deploy/uml/run.sh builds its XSAVE shim with gcc)
  chromium)                        # the topology page's browser test (e2e PageIT, headless)
if [ "$(id -u)" -ne 0 ]; then
  echo "setup.sh: run as root (it installs packages with apt-get)" >&2; exit 1
fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The packages' own init scripts start nothing useful here (no systemd); policy-rc.d keeps them quiet.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
else
  echo "setup.sh: all packages present"
fi
