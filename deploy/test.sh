#!/usr/bin/env bash
# The whole test suite: installs what is missing, then builds and runs unit, integration (real etcd, OVS,
# Docker) and end-to-end tests. Run as root. Extra arguments go to Maven (e.g. -DskipITs, -pl controller -am).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash deploy/setup.sh
exec mvn -B -ntp verify "$@"
