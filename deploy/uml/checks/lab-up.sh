#!/usr/bin/env bash
# deploy/uml/checks/lab-up.sh: run INSIDE a UML guest: deploy/uml/run.sh --timeout 900 deploy/uml/checks/lab-up.sh
# The real lab (deploy/lab.sh up) on the UML kernel, where /sys/module/openvswitch exists so the agent's
# --datapath auto picks system. Prints the versions of what it runs, then lab.sh's own output, and on failure the
# ends of the logs that matter. State in the guest's tmpfs (/tmp/ofl), never on the host's disk.
#   env: HOSTS (default 2), CONTAINERS (default 1), MATRIX_AFTER (1: matrix and status again at the end)
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
STATE=/tmp/ofl
echo "== uptime $(cut -d' ' -f1 /proc/uptime)s; $(java -version 2>&1 | head -1); $(etcd --version | head -1); $(dockerd --version); $(containerd --version | cut -d' ' -f1-3)"
echo "== iptables: $(iptables --version); cgroup fs: $(stat -fc %T /sys/fs/cgroup); openvswitch module: $([ -d /sys/module/openvswitch ] && echo loaded)"
t0=$SECONDS
rc=0
"$REPO/deploy/lab.sh" --state-dir "$STATE" up --hosts "${HOSTS:-2}" --containers "${CONTAINERS:-1}" --no-build || rc=$?
echo "== lab.sh up exit $rc after $((SECONDS - t0))s"
L=$STATE/logs
for h in h1 h2; do
  echo "== $h: datapath and ports"
  "$REPO/deploy/lab.sh" --state-dir "$STATE" exec $h ovs-vsctl show 2>&1 | head -40
  "$REPO/deploy/lab.sh" --state-dir "$STATE" exec $h ovs-dpctl show 2>&1 | head -12
  "$REPO/deploy/lab.sh" --state-dir "$STATE" exec $h ovs-appctl -t ovs-vswitchd upcall/show 2>&1 | head -8
  "$REPO/deploy/lab.sh" --state-dir "$STATE" exec $h ip -br link 2>&1
  "$REPO/deploy/lab.sh" --state-dir "$STATE" exec $h ip -br addr 2>&1
done
for f in h1-agent h2-agent h1-dockerd controller-c1 etcd containerd h1-vswitchd; do
  [ -f "$L/$f.log" ] || continue
  echo "== $f.log: warnings, errors (last 25)"
  grep -aiE "warn|error|exception|fail|datapath|refus" "$L/$f.log" | tail -25
done
echo "== h1 agent log, last 30 lines"; tail -30 "$L/h1-agent.log" 2>/dev/null
if [ "$rc" -eq 0 ] && [ "${MATRIX_AFTER:-1}" = 1 ]; then
  "$REPO/deploy/lab.sh" --state-dir "$STATE" exec h1 ovs-ofctl -O OpenFlow13 dump-flows br0 | sed 's/ duration=[^,]*,//' | head -30
  "$REPO/deploy/lab.sh" --state-dir "$STATE" docker h1 info 2>&1 | grep -iE "storage|cgroup|iptables|kernel|runtime" 
fi
"$REPO/deploy/lab.sh" --state-dir "$STATE" down >/dev/null 2>&1 || echo "== lab.sh down failed"
exit $rc
