#!/usr/bin/env bash
# deploy/uml/checks/upcall-bug.sh: run INSIDE a UML guest started with --ovs-early:
#   deploy/uml/run.sh --ovs-early deploy/uml/checks/upcall-bug.sh
# Shows OVS 3.1.0's "0 upcall handlers" bug and what a detector can read: ovs-vswitchd on the kernel datapath is
# started (with br0 already in its database) before CLOCK_MONOTONIC reaches 10 s, two namespaces ping each other
# through br0 (NORMAL), and upcall/show, dpctl show and the log are printed; then, once the clock is past 10 s,
# the repair is tried: first other_config:n-handler-threads=1, then the agent's own check-upcalls --repair-upcalls
# (a restart of ovs-vswitchd). Needs the jars built (deploy/bin/ovsfabric-agent).
set -uo pipefail
D=/tmp/upcall-bug
mkdir -p $D
export OVS_RUNDIR=$D OVS_DBDIR=$D
up() { cut -d' ' -f1 /proc/uptime; }
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
AGENT=$REPO/deploy/bin/ovsfabric-agent
show() {
  echo "-- ovs-appctl upcall/show"; ovs-appctl -t ovs-vswitchd upcall/show
  echo "-- ovs-appctl dpctl/show"; ovs-appctl -t ovs-vswitchd dpctl/show
  echo "-- vswitchd log (handlers)"; grep -iE "handler|cores" $D/vswitchd.log | sed 's/^[^|]*|//' | tail -4
}
pings() { ip netns exec ub-a busybox ping -c 3 -W 1 10.77.0.2 | tail -2; }
echo "== uptime $(up)s: ovsdb-server with br0 already configured, then ovs-vswitchd (/usr/sbin, no wait)"
ovsdb-tool create $D/conf.db /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server $D/conf.db --remote=punix:$D/db.sock --pidfile -vconsole:off --log-file=$D/ovsdb.log &
while [ ! -S $D/db.sock ]; do sleep 0.05; done
echo "== uptime $(up)s: ovsdb-server up"
ovs-vsctl --no-wait init -- add-br br0 -- set bridge br0 datapath_type=system
/usr/sbin/ovs-vswitchd --pidfile -vconsole:off --log-file=$D/vswitchd.log &
for s in a b; do
  ip netns add ub-$s; ip link add eth0 netns ub-$s type veth peer name ub-$s
  ovs-vsctl --no-wait add-port br0 ub-$s; ip link set ub-$s up
done
ip -n ub-a addr add 10.77.0.1/24 dev eth0; ip -n ub-a link set eth0 up
ip -n ub-b addr add 10.77.0.2/24 dev eth0; ip -n ub-b link set eth0 up
echo "== vswitchd up at uptime $(up)s"
ovs-vsctl --timeout=20 wait-until interface ub-b ofport!=-1 >/dev/null 2>&1 || true
echo "== BROKEN? ping a -> b at uptime $(up)s"; pings; show
echo "== vswitchd's first handler count: $(grep -m1 -o 'Overriding n-handler-threads to [0-9]*' $D/vswitchd.log)"
echo "== the agent's detector: ovsfabric-agent check-upcalls (exit 1 = no upcall threads)"
"$AGENT" check-upcalls --ovs-rundir $D 2>&1 | grep -v "^SLF4J"; echo "check-upcalls exit ${PIPESTATUS[0]}"
while [ "$(cut -d. -f1 /proc/uptime)" -lt 12 ]; do sleep 0.5; done
echo "== repair 1 at uptime $(up)s: ovs-vsctl set Open_vSwitch . other_config:n-handler-threads=1"
ovs-vsctl set Open_vSwitch . other_config:n-handler-threads=1; sleep 2
pings; show
echo "== repair 2 at uptime $(up)s: the agent's repair, check-upcalls --repair-upcalls (other_config:n-handler-threads removed)"
ovs-vsctl remove Open_vSwitch . other_config n-handler-threads
cat >$D/restart-vswitchd.sh <<EOF
#!/bin/sh
# what systemctl restart ovs-vswitchd.service does on a real host
ovs-appctl -t ovs-vswitchd exit; sleep 1
/usr/sbin/ovs-vswitchd --pidfile --detach -vconsole:off --log-file=$D/vswitchd.log
EOF
chmod +x $D/restart-vswitchd.sh
"$AGENT" check-upcalls --ovs-rundir $D --repair-upcalls --repair-upcalls-command "$D/restart-vswitchd.sh" 2>&1 | grep -v "^SLF4J"
echo "check-upcalls --repair-upcalls exit ${PIPESTATUS[0]}"
ovs-vsctl --timeout=20 wait-until interface ub-b ofport!=-1 >/dev/null 2>&1 || true; sleep 1
pings; show
