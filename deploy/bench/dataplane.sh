#!/usr/bin/env bash
# deploy/bench/dataplane.sh: the data-plane benchmark on a running lab (deploy/lab.sh up). Run through
# `deploy/bench.sh dataplane ...`; see usage() below and docs/dataplane.md, "Performance".
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

usage() {
  cat <<'EOF'
usage: deploy/bench.sh dataplane [--name LAB] [--state-dir DIR] [--seconds 10] [--streams 1] [--rr-seconds 5]
                                 [--max-seconds 600] [--only docker0,usernet,vxlan,underlay,veth]

Measures, in one run on a running lab (deploy/lab.sh up, at least 2 hosts), one TCP path after the other:
  fabric docker0      a container on h1 -> a container on h2 (docker0, br0, GRE across the underlay)
  fabric user net     the same over a user network the bench creates (ovsfabricctl network create)
  kernel VXLAN        two extra "host" namespaces on the lab's underlay switch, each with a kernel VXLAN device
                      and a Linux bridge, and a "container" namespace behind each (flannel's data plane)
  underlay            the two extra host namespaces to each other across the lab's underlay switch
  raw veth            two namespaces joined by one veth pair (the limit of this machine)
For each: iperf3 throughput (-J, STREAMS parallel streams, SECONDS long) with TCP retransmits, and TCP
request/response latency (1-byte ping-pong on one connection, TCP_NODELAY, like netperf's TCP_RR; the bench's own
tcp_rr, built with cc), then one table with ratios to kernel VXLAN.

The bench makes its own containers (busybox:lab, on h1 and h2), its own user network and its own namespaces
(names with the bench's process id), and removes all of them on exit or interrupt. It sends traffic only
inside the lab's namespaces and its own. MTUs follow the lab: the VXLAN baseline gets the underlay MTU of h1's
eth1 and that minus 50 inside, the fabric what its agents chose. Bounded: every tool runs under timeout, the whole
run under --max-seconds.

options:
  --name LAB        the lab's name (default: $OVSFABRIC_LAB or ofl), as given to deploy/lab.sh
  --state-dir DIR   the lab's state dir, if it was not the default
  --seconds N       iperf3 duration per path (default 10)
  --streams N       iperf3 parallel streams (default 1)
  --rr-seconds N    request/response duration per path (default 5)
  --max-seconds N   watchdog for the whole run (default 600)
  --only LIST       comma-separated subset of: docker0,usernet,vxlan,underlay,veth (default all)
EOF
}

lab_name=${OVSFABRIC_LAB:-ofl} state_dir="" seconds=10 streams=1 rr_seconds=5 max_seconds=600
only=docker0,usernet,vxlan,underlay,veth
while [ $# -gt 0 ]; do
  case $1 in
    --name) lab_name=${2:?--name needs a value}; shift 2 ;;
    --state-dir) state_dir=${2:?--state-dir needs a value}; shift 2 ;;
    --seconds) seconds=${2:?}; shift 2 ;;
    --streams) streams=${2:?}; shift 2 ;;
    --rr-seconds) rr_seconds=${2:?}; shift 2 ;;
    --max-seconds) max_seconds=${2:?}; shift 2 ;;
    --only) only=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench.sh dataplane: unknown option $1 (see deploy/bench.sh dataplane --help)" >&2; exit 2 ;;
  esac
done
for v in seconds streams rr_seconds max_seconds; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh dataplane: --${v//_/-} must be a positive whole number, not '${!v}'" >&2; exit 2; }
done
[ "$(id -u)" -eq 0 ] || { echo "bench.sh dataplane: needs root (namespaces, the lab's engines)" >&2; exit 1; }
for c in iperf3 cc nsenter ip python3 timeout; do
  command -v "$c" >/dev/null || { echo "bench.sh dataplane: $c not found (deploy/setup.sh installs what the lab needs)" >&2; exit 1; }
done

lab() { "$repo/deploy/lab.sh" --name "$lab_name" ${state_dir:+--state-dir "$state_dir"} "$@"; }
want() { [[ ,$only, == *,$1,* ]]; }
say() { printf '[dataplane %4ss] %s\n' "$SECONDS" "$*" >&2; }

for h in h1 h2; do
  lab exec "$h" ovs-vsctl br-exists br0 >/dev/null 2>&1 && lab docker "$h" version >/dev/null 2>&1 || {
    echo "bench.sh dataplane: lab $lab_name has no running host $h with br0 and a Docker engine (the bench needs h1 and h2); start it with: deploy/lab.sh --name $lab_name up --hosts 2" >&2
    exit 1
  }
done

# the request/response tool
build=$here/.build
mkdir -p "$build"
if [ ! -x "$build/tcp_rr" ] || [ "$here/tcp_rr.c" -nt "$build/tcp_rr" ]; then
  cc -O2 -Wall -o "$build/tcp_rr" "$here/tcp_rr.c"
fi
RR=$build/tcp_rr

tag=b$$                                   # in every name the bench makes
work=$(mktemp -d "/tmp/ovsfabric-dpbench.XXXXXX")
failed=0 own_ns=() own_pids=() own_containers=() own_network=""
cleanup() {
  local rc=$? p c ns
  trap - EXIT INT TERM
  for p in "${own_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${own_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for c in "${own_containers[@]}"; do lab docker "${c%%:*}" rm -f "${c#*:}" >/dev/null 2>&1 || true; done
  [ -z "$own_network" ] || lab ctl network rm "$own_network" >/dev/null 2>&1 || true
  for ns in "${own_ns[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  ip -n "$lab_name-sw" link del "${tag}sa" 2>/dev/null || true
  ip -n "$lab_name-sw" link del "${tag}sb" 2>/dev/null || true
  if [ "$failed" = 0 ] && [ "$rc" = 0 ]; then rm -rf "$work"; else say "raw output kept in $work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'say "interrupted (or --max-seconds passed): cleaning up"; exit 130' INT TERM
# the watchdog: a run that hangs is ended (and cleaned up) after --max-seconds (its sleep holds no output pipe)
( exec >/dev/null 2>&1; sleep "$max_seconds" & s=$!; trap 'kill $s; exit 0' TERM; wait $s; kill -TERM $$ ) &
own_pids+=($!)

# ---- measuring one path --------------------------------------------------------------------------------------
# NETRUN_A / NETRUN_B: command prefixes that run a command in the client's / server's network namespace
declare -A res_gbps res_retr res_cwnd res_p50 res_p99 res_tps res_mtu
order=()

measure() {  # measure KEY LABEL SERVER_IP MTU
  local key=$1 label=$2 ip=$3 mtu=$4 port=5201 rrport=5301 spid out
  say "$label: iperf3 ${seconds}s x $streams stream(s) to $ip, then request/response ${rr_seconds}s"
  "${NETRUN_B[@]}" iperf3 -s -1 -B "$ip" -p "$port" >"$work/$key.iperf3-server.log" 2>&1 &
  spid=$!; own_pids+=("$spid")
  "${NETRUN_B[@]}" "$RR" server "$ip" "$rrport" >"$work/$key.rr-server.log" 2>&1 &
  own_pids+=($!)
  sleep 0.5
  if ! timeout $((seconds + 20)) "${NETRUN_A[@]}" iperf3 -J -c "$ip" -p "$port" -t "$seconds" -P "$streams" \
      --connect-timeout 5000 >"$work/$key.iperf3.json" 2>"$work/$key.iperf3.err"; then
    failed=1
    say "$label: iperf3 failed: $(head -c 300 "$work/$key.iperf3.err") $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("error",""))' "$work/$key.iperf3.json" 2>/dev/null)"
  fi
  out=$(python3 - "$work/$key.iperf3.json" <<'PY' 2>/dev/null || echo "- - -"
import json, sys
d = json.load(open(sys.argv[1]))
e = d["end"]
cwnd = max((s["sender"].get("max_snd_cwnd", 0) for s in e["streams"]), default=0)
print("%.2f %d %d" % (e["sum_received"]["bits_per_second"] / 1e9, e["sum_sent"].get("retransmits", 0), cwnd // 1024))
PY
)
  read -r res_gbps[$key] res_retr[$key] res_cwnd[$key] <<<"$out"
  if timeout $((rr_seconds + 15)) "${NETRUN_A[@]}" "$RR" client "$ip" "$rrport" "$rr_seconds" >"$work/$key.rr.json" 2>"$work/$key.rr.err"; then
    out=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.0f %.0f %.0f" % (d["p50_us"], d["p99_us"], d["per_second"]))' "$work/$key.rr.json")
  else
    failed=1
    say "$label: request/response failed: $(head -c 300 "$work/$key.rr.err")"
    out="- - -"
  fi
  read -r res_p50[$key] res_p99[$key] res_tps[$key] <<<"$out"
  res_mtu[$key]=$mtu
  labels[$key]=$label
  order+=("$key")
  wait "$spid" 2>/dev/null || true
  say "$label: ${res_gbps[$key]} Gbit/s, ${res_retr[$key]} retransmits, p50 ${res_p50[$key]} us, p99 ${res_p99[$key]} us"
}
declare -A labels

# ---- fabric: containers on h1 and h2 -------------------------------------------------------------------------
container_netns() {  # container_netns HOST NAME -> /proc/PID/ns/net
  local pid; pid=$(lab docker "$1" inspect -f '{{.State.Pid}}' "$2")
  echo "/proc/$pid/ns/net"
}
container_ip() {  # container_ip HOST NAME NETWORK
  lab docker "$1" inspect -f "{{(index .NetworkSettings.Networks \"$3\").IPAddress}}" "$2"
}
start_container() {  # start_container HOST NAME [docker run options...]
  local h=$1 n=$2; shift 2
  lab docker "$h" run -d --name "$n" "$@" busybox:lab sleep 3600 >/dev/null
  own_containers+=("$h:$n")
}
container_mtu() { nsenter --net="$1" ip -o link show eth0 | sed -n 's/.* mtu \([0-9]*\) .*/\1/p'; }

underlay_mtu=$(ip -n "$lab_name-h1" -o link show eth1 | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
datapath=$(lab exec h1 ovs-vsctl get bridge br0 datapath_type 2>/dev/null | tr -d '"' || echo "?")
ports=$(lab exec h1 ovs-vsctl --columns=name,type --format=csv --no-headings list interface 2>/dev/null | tr -d '"' \
  | awk -F, '{printf "%s%s:%s", (NR > 1 ? " " : ""), $1, ($2 == "" ? "system" : $2)}' || true)
say "lab $lab_name: datapath ${datapath:-?}, underlay MTU $underlay_mtu, h1's OVS interfaces (name,type): $ports"

if want docker0; then
  start_container h1 "dpb-$tag-a"; start_container h2 "dpb-$tag-b"
  na=$(container_netns h1 "dpb-$tag-a"); nb=$(container_netns h2 "dpb-$tag-b")
  NETRUN_A=(nsenter --net="$na") NETRUN_B=(nsenter --net="$nb")
  measure docker0 "fabric, docker0" "$(container_ip h2 "dpb-$tag-b" bridge)" "$(container_mtu "$na")"
fi
if want usernet; then
  own_network=dpb$tag
  # a /24 outside the lab's fabric (10.200.0.0/16) and the docs' examples (10.201-10.213)
  lab ctl network create "$own_network" --subnet "10.249.$(( $$ % 250 )).0/24" >/dev/null
  for _ in $(seq 1 50); do lab docker h1 network inspect "$own_network" >/dev/null 2>&1 && lab docker h2 network inspect "$own_network" >/dev/null 2>&1 && break; sleep 0.2; done
  start_container h1 "dpb-$tag-ua" --network "$own_network"; start_container h2 "dpb-$tag-ub" --network "$own_network"
  na=$(container_netns h1 "dpb-$tag-ua"); nb=$(container_netns h2 "dpb-$tag-ub")
  NETRUN_A=(nsenter --net="$na") NETRUN_B=(nsenter --net="$nb")
  measure usernet "fabric, user network" "$(container_ip h2 "dpb-$tag-ub" "$own_network")" "$(container_mtu "$na")"
fi

# ---- kernel VXLAN + Linux bridge between namespaces of the same kind ------------------------------------------
# host A/B: a veth to the lab's underlay switch (like a lab host's eth1) with 192.0.2.201/.202, a VXLAN device
# (VNI 42, UDP 4789, unicast to the other host) in a Linux bridge; container A/B: a veth into that bridge.
if want vxlan || want underlay; then
  sw=$lab_name-sw
  vx_mtu=$((underlay_mtu - 50))
  for s in a b; do
    ip netns add "$tag-h$s"; own_ns+=("$tag-h$s")
    ip netns add "$tag-c$s"; own_ns+=("$tag-c$s")
    ip -n "$tag-h$s" link set lo up; ip -n "$tag-c$s" link set lo up
    ip link add "${tag}s$s" netns "$sw" mtu "$underlay_mtu" type veth peer name eth1 netns "$tag-h$s" mtu "$underlay_mtu"
    ip -n "$sw" link set "${tag}s$s" master br-underlay up
    ip -n "$tag-h$s" link set eth1 up
  done
  ip -n "$tag-ha" addr add 192.0.2.201/24 dev eth1; ip -n "$tag-hb" addr add 192.0.2.202/24 dev eth1
  for s in a b; do
    if [ $s = a ]; then local_ip=192.0.2.201 remote_ip=192.0.2.202 cip=10.250.0.1; else local_ip=192.0.2.202 remote_ip=192.0.2.201 cip=10.250.0.2; fi
    ip -n "$tag-h$s" link add vx0 type vxlan id 42 local "$local_ip" remote "$remote_ip" dstport 4789 dev eth1
    ip -n "$tag-h$s" link add br0 type bridge
    ip -n "$tag-h$s" link set vx0 master br0 mtu "$vx_mtu" up
    ip link add veth0 netns "$tag-h$s" mtu "$vx_mtu" type veth peer name eth0 netns "$tag-c$s" mtu "$vx_mtu"
    ip -n "$tag-h$s" link set veth0 master br0 up
    ip -n "$tag-h$s" link set br0 mtu "$vx_mtu" up
    ip -n "$tag-c$s" addr add "$cip/24" dev eth0
    ip -n "$tag-c$s" link set eth0 up
  done
  ip netns exec "$tag-ca" busybox ping -c 1 -W 5 10.250.0.2 >/dev/null || say "kernel VXLAN: the first ping did not pass"
  if want vxlan; then
    NETRUN_A=(ip netns exec "$tag-ca") NETRUN_B=(ip netns exec "$tag-cb")
    measure vxlan "kernel VXLAN + bridge" 10.250.0.2 "$vx_mtu"
  fi
  if want underlay; then
    NETRUN_A=(ip netns exec "$tag-ha") NETRUN_B=(ip netns exec "$tag-hb")
    measure underlay "underlay (host to host)" 192.0.2.202 "$underlay_mtu"
  fi
fi

# ---- raw veth ---------------------------------------------------------------------------------------------------
if want veth; then
  ip netns add "$tag-va"; own_ns+=("$tag-va"); ip netns add "$tag-vb"; own_ns+=("$tag-vb")
  ip link add eth0 netns "$tag-va" mtu "$underlay_mtu" type veth peer name eth0 netns "$tag-vb" mtu "$underlay_mtu"
  ip -n "$tag-va" addr add 10.251.0.1/24 dev eth0; ip -n "$tag-vb" addr add 10.251.0.2/24 dev eth0
  ip -n "$tag-va" link set eth0 up; ip -n "$tag-vb" link set eth0 up
  ip -n "$tag-va" link set lo up; ip -n "$tag-vb" link set lo up
  NETRUN_A=(ip netns exec "$tag-va") NETRUN_B=(ip netns exec "$tag-vb")
  measure veth "raw veth" 10.251.0.2 "$underlay_mtu"
fi

# ---- the table ----------------------------------------------------------------------------------------------
ratio() {  # ratio VALUE BASE -> "0.12x" or "-"
  python3 -c 'import sys
try: print("%.2fx" % (float(sys.argv[1]) / float(sys.argv[2])))
except Exception: print("-")' "$1" "$2"
}
base_gbps=${res_gbps[vxlan]:-} base_p50=${res_p50[vxlan]:-} base_p99=${res_p99[vxlan]:-}
echo
echo "data plane, lab $lab_name ($datapath datapath, underlay MTU $underlay_mtu), iperf3 ${seconds}s x $streams stream(s), request/response ${rr_seconds}s, $(date -u +%FT%TZ) on $(nproc) CPU(s)"
echo
printf '| %-24s | %5s | %7s | %8s | %9s | %7s | %7s | %8s | %11s | %11s | %11s |\n' \
  path MTU Gbit/s "retrans" "max cwnd" "RR p50" "RR p99" "RR/s" "Gbit/s /VX" "p50 /VX" "p99 /VX"
printf '| %-24s | %5s | %7s | %8s | %9s | %7s | %7s | %8s | %11s | %11s | %11s |\n' \
  ------------------------ ----- ------- -------- --------- ------- ------- -------- ----------- ----------- -----------
for k in "${order[@]}"; do
  printf '| %-24s | %5s | %7s | %8s | %9s | %7s | %7s | %8s | %11s | %11s | %11s |\n' \
    "${labels[$k]}" "${res_mtu[$k]}" "${res_gbps[$k]}" "${res_retr[$k]}" "${res_cwnd[$k]} KiB" \
    "${res_p50[$k]} us" "${res_p99[$k]} us" "${res_tps[$k]}" \
    "$(ratio "${res_gbps[$k]}" "$base_gbps")" "$(ratio "${res_p50[$k]}" "$base_p50")" "$(ratio "${res_p99[$k]}" "$base_p99")"
done
echo
echo "(Gbit/s: iperf3 receiver; retrans: TCP retransmits of the sender over the run; RR: 1-byte request/response on"
echo " one TCP connection; /VX: ratio to kernel VXLAN + bridge in this run; MTU: of the client's interface)"
