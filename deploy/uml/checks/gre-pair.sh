#!/usr/bin/env bash
# deploy/uml/checks/gre-pair.sh: run INSIDE a UML guest (deploy/uml/run.sh deploy/uml/checks/gre-pair.sh).
#
# Two namespaced "hosts" h1, h2 on an underlay switch, each with its own ovsdb-server and ovs-vswitchd on the
# KERNEL datapath (system), built the way the agent builds a host (HostPlanner, FlowPlanner): br0 (fail mode
# secure, OpenFlow13) with ofx-br0 (ofport 1, the veth to docker0) and ofx-gre (ofport 2, GRE with
# remote_ip=flow key=flow), the agent's three flow tables, a Linux bridge docker0 with the gateway, and a
# "container" namespace on docker0. Then: ping both ways, iperf3 (fabric), and the same kernel's baselines: kernel
# VXLAN + Linux bridge between two other namespace pairs, and a raw veth. Prints the upcall health both vswitchds
# report (ovs-appctl upcall/show, ovs-dpctl show).
#   env: SECONDS_PER_RUN (iperf3 -t, default 5), RUNS (default 2), BENCH (0: connectivity only)
set -uo pipefail
T=${SECONDS_PER_RUN:-5} RUNS=${RUNS:-2} BENCH=${BENCH:-1}
KEY=1 UNDERLAY=192.0.2 MTU=1458
S=/tmp/gre-pair
mkdir -p $S
say() { echo "== $*"; }
hns() { echo "ofu-h$1"; }
ovs() { local i=$1; shift; ip netns exec "$(hns "$i")" env OVS_RUNDIR=$S/h$i OVS_DBDIR=$S/h$i "$@"; }
vsctl() { local i=$1; shift; ovs "$i" ovs-vsctl --db=unix:$S/h$i/db.sock "$@"; }

say "kernel $(uname -r), $(nproc) cpu, uptime $(cut -d' ' -f1 /proc/uptime)s, /sys/module/openvswitch: $([ -d /sys/module/openvswitch ] && echo yes || echo no)"
ip netns add ofu-sw; ip -n ofu-sw link set lo up
ip -n ofu-sw link add br-underlay type bridge; ip -n ofu-sw link set br-underlay up
for i in 1 2; do
  ns=$(hns $i); D=$S/h$i; mkdir -p $D
  ip netns add "$ns"; ip -n "$ns" link set lo up
  ip link add eth1 netns "$ns" type veth peer name h$i netns ofu-sw
  ip -n ofu-sw link set h$i master br-underlay up
  ip -n "$ns" addr add $UNDERLAY.1$i/24 dev eth1; ip -n "$ns" link set eth1 up
  ovsdb-tool create $D/conf.db /usr/share/openvswitch/vswitch.ovsschema
  ovs $i ovsdb-server $D/conf.db --remote=punix:$D/db.sock --pidfile=$D/ovsdb-server.pid \
    --unixctl=$D/ovsdb-server.ctl --detach -vconsole:off --log-file=$D/ovsdb.log
  vsctl $i --no-wait init
  ovs $i ovs-vswitchd unix:$D/db.sock --pidfile=$D/ovs-vswitchd.pid --detach -vconsole:off --log-file=$D/vswitchd.log
done
say "vswitchds started at uptime $(cut -d' ' -f1 /proc/uptime)s (started by $(command -v ovs-vswitchd))"

for i in 1 2; do
  o=$((3 - i)); ns=$(hns $i)
  # what HostPlanner asks for on the system datapath: no br-phy, the underlay address stays on eth1
  vsctl $i -- add-br br0 -- set bridge br0 datapath_type=system fail_mode=secure protocols=OpenFlow13 \
    -- add-port br0 ofx-br0 -- set interface ofx-br0 ofport_request=1 \
    -- add-port br0 ofx-gre -- set interface ofx-gre type=gre options:remote_ip=flow options:key=flow ofport_request=2 \
    2>&1 | grep -v "could not open network device ofx-br0" || true
  ip -n "$ns" link add docker0 type bridge; ip -n "$ns" link set docker0 mtu $MTU up
  ip -n "$ns" addr add 10.200.$i.1/16 dev docker0
  ip -n "$ns" link add ofx-d0 type veth peer name ofx-br0
  ip -n "$ns" link set ofx-d0 master docker0 mtu $MTU up
  ip -n "$ns" link set ofx-br0 mtu $MTU up
  sysctl -qw net.ipv4.conf.all.arp_ignore=0 >/dev/null
  ip netns exec "$ns" sh -c 'echo 1 > /proc/sys/net/ipv4/conf/ofx-br0/arp_ignore 2>/dev/null; ip link set ofx-br0 arp off'
  ip netns add ofu-c$i; ip -n ofu-c$i link set lo up
  ip link add eth0 netns ofu-c$i type veth peer name vc$i netns "$ns"
  ip -n "$ns" link set vc$i master docker0 mtu $MTU up
  ip -n ofu-c$i addr add 10.200.$i.2/16 dev eth0; ip -n ofu-c$i link set eth0 mtu $MTU up
  ip -n ofu-c$i route add default via 10.200.$i.1
  ovs $i ovs-ofctl -O OpenFlow13 add-flows br0 - <<EOF
table=0,priority=200,in_port=1,actions=goto_table:10
table=0,priority=200,in_port=2,tun_id=$KEY,actions=goto_table:20
table=0,priority=0,actions=drop
table=10,priority=100,ip,nw_dst=10.200.$o.0/24,actions=set_field:$KEY->tun_id,set_field:$UNDERLAY.1$o->tun_dst,output:2
table=10,priority=100,arp,arp_tpa=10.200.$o.0/24,actions=set_field:$KEY->tun_id,set_field:$UNDERLAY.1$o->tun_dst,output:2
table=10,priority=0,actions=drop
table=20,priority=100,ip,nw_dst=10.200.$i.0/24,actions=output:1
table=20,priority=100,arp,arp_tpa=10.200.$i.0/24,actions=output:1
table=20,priority=0,actions=drop
EOF
done
vsctl 1 show
ovs 1 ovs-dpctl show
ip -n "$(hns 1)" -d link show gre_sys | head -3

say "ping c1 -> c2 (10.200.2.2) across kernel GRE"
ping_rc=0
ip netns exec ofu-c1 busybox ping -c 4 -W 2 10.200.2.2 || ping_rc=1
ip netns exec ofu-c2 busybox ping -c 2 -W 2 10.200.1.2 || ping_rc=1
say "upcall health after the pings"
for i in 1 2; do
  echo "-- h$i: ovs-appctl upcall/show"; ovs $i ovs-appctl -t ovs-vswitchd upcall/show
  echo "-- h$i: ovs-dpctl show"; ovs $i ovs-dpctl show | head -4
  echo "-- h$i: vswitchd log lines about handlers"; grep -iE "handler|n-handler|cores" $S/h$i/vswitchd.log | head -5
done
say "h1 br0 flows"; ovs 1 ovs-ofctl -O OpenFlow13 dump-flows br0 | sed 's/ duration=[^,]*,//'
[ "$ping_rc" -eq 0 ] || { say "PING FAILED"; exit 1; }
[ "$BENCH" = 1 ] || exit 0

# ---- baselines in the same kernel: kernel VXLAN + Linux bridge, and a raw veth -------------------------------
ip link add v1 type veth peer name v2
for i in 1 2; do
  o=$((3 - i)); ip netns add ofu-k$i; ip netns add ofu-d$i
  ip link set v$i netns ofu-k$i; ip -n ofu-k$i addr add 198.51.100.$i/24 dev v$i; ip -n ofu-k$i link set v$i up
  ip -n ofu-k$i link set lo up
  ip -n ofu-k$i link add br0 type bridge; ip -n ofu-k$i link set br0 up
  ip -n ofu-k$i link add vx0 type vxlan id 42 dstport 4789 local 198.51.100.$i remote 198.51.100.$o dev v$i
  ip -n ofu-k$i link set vx0 master br0 up
  ip link add x$i netns ofu-k$i type veth peer name eth0 netns ofu-d$i
  ip -n ofu-d$i addr add 203.0.113.$i/24 dev eth0; ip -n ofu-d$i link set eth0 mtu 1450 up; ip -n ofu-d$i link set lo up
  ip -n ofu-k$i link set x$i master br0 up
done
ip netns add ofu-r1; ip netns add ofu-r2
ip link add eth0 netns ofu-r1 type veth peer name eth0 netns ofu-r2
for i in 1 2; do ip -n ofu-r$i addr add 203.0.113.10$i/24 dev eth0; ip -n ofu-r$i link set eth0 up; done

ip netns exec ofu-c2 iperf3 -s -D -1 >/dev/null 2>&1 || true
gbps() { # NS SERVER_NS DST: one iperf3 run, prints "Gbit/s retransmits"
  ip netns exec "$2" iperf3 -s -D -1 >/dev/null 2>&1; sleep 0.5
  timeout $((T + 20)) ip netns exec "$1" iperf3 -c "$3" -t "$T" -J 2>/dev/null | python3 -c '
import json, sys
try:
    e = json.load(sys.stdin)["end"]; s = e["sum_sent"]
    print("%.2f %d" % (e["sum_received"]["bits_per_second"] / 1e9, s.get("retransmits", 0)))
except Exception:
    print("0 -1")'
}
pkill_iperf() { for n in ofu-c2 ofu-d2 ofu-r2; do for p in $(ip netns pids $n); do kill "$p" 2>/dev/null; done; done; }
pkill_iperf
say "iperf3 -t $T, one TCP stream, $RUNS run(s) of each path (UML: one CPU, ptrace-based; compare ratios)"
printf '%-4s %-34s %8s %8s\n' run path Gbit/s retr
for r in $(seq 1 "$RUNS"); do
  read -r f fr < <(gbps ofu-c1 ofu-c2 10.200.2.2)
  read -r v vr < <(gbps ofu-d1 ofu-d2 203.0.113.2)
  read -r w wr < <(gbps ofu-r1 ofu-r2 203.0.113.102)
  printf '%-4s %-34s %8s %8s\n' "$r" "fabric (OVS system + GRE, flows)" "$f" "$fr" "$r" "kernel VXLAN + bridge" "$v" "$vr" "$r" "raw veth" "$w" "$wr"
  awk -v f="$f" -v v="$v" -v w="$w" 'BEGIN { if (v > 0) printf "     fabric/VXLAN %.2fx   fabric/veth %.2fx\n", f / v, (w > 0 ? f / w : 0) }'
done
say "upcall health after the benchmark"
for i in 1 2; do ovs $i ovs-dpctl show | sed -n 2p; done
