#!/usr/bin/env bash
# Benchmarks of the fabric's control plane. Loopback only; everything it starts, it stops; bounded in time.
#
#   deploy/bench.sh control-plane [--agents 1000] [--allocs 10000] [--clients 16] [--warmup 3000] [--max-seconds 300]
#
# Starts its own etcd (Debian's /usr/bin/etcd, data dir under /tmp, free loopback ports) and one controller through
# deploy/bin/ovsfabric-controller (the launcher's own heap settings), simulates the agents with the agent's own
# controller client in one JVM (bench/, never shipped), measures raw etcd create-if-absent transactions with jetcd
# in the same run (on a quiet machine first, then in rounds that alternate with the AllocateAddress rounds, so both
# see the same machine and background), then has every simulated agent report a full mesh's tunnels twice
# (TunnelHealthService: the etcd writes and the bytes stored) and reads them back with ListTunnels in pages, prints
# one table on stdout and exits. Logs of etcd and the controller stay in the work dir.
# --warmup: raw transactions and allocations run (not counted) before each is measured, so neither side's JIT is
# cold; registration is measured cold, as after a restart.
set -euo pipefail
# deploy/bench.sh dataplane ...: the data-plane benchmark on a running lab (deploy/bench/dataplane.sh --help)
[ "${1:-}" != dataplane ] || { shift; exec "$(dirname "${BASH_SOURCE[0]}")/bench/dataplane.sh" "$@"; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

usage() { sed -n '4p' "${BASH_SOURCE[0]}" | sed 's/^#   //' >&2; exit 2; }
[ "${1:-}" = control-plane ] || usage
shift
agents=1000 allocs=10000 clients=16 warmup=3000 max_seconds=300
while [ $# -gt 0 ]; do
  case $1 in
    --agents) agents=$2; shift 2 ;;
    --allocs) allocs=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --max-seconds) max_seconds=$2; shift 2 ;;
    *) echo "bench.sh: unknown option $1" >&2; usage ;;
  esac
done

etcd_bin=${ETCD_BIN:-/usr/bin/etcd}
[ -x "$etcd_bin" ] || { echo "bench.sh: $etcd_bin not found (apt-get install etcd-server)" >&2; exit 1; }
if [ ! -f "$repo/controller/target/ovsfabric-controller.jar" ] || [ ! -f "$repo/bench/target/ovsfabric-bench.jar" ] \
    || [ -n "${BENCH_REBUILD:-}" ]; then
  echo "bench.sh: building the controller and the bench (mvn package, no tests)" >&2
  (cd "$repo" && mvn -B -ntp -q package -pl controller,bench -am -DskipTests)
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
work=$(mktemp -d /tmp/ovsfabric-bench.XXXXXX)
etcd_port=$(free_port) peer_port=$(free_port) ctl_port=$(free_port) metrics_port=$(free_port)
pids=()
cleanup() {
  # the controller first, then etcd (the reverse of the start order)
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; wait "${pids[$i]}" 2>/dev/null || true; done
  rm -rf "$work/etcd"
}
trap cleanup EXIT

"$etcd_bin" --name bench --data-dir "$work/etcd" \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "bench=http://127.0.0.1:$peer_port" >"$work/etcd.log" 2>&1 &
pids+=($!)

# the fabric: /9 with /24 per host leaves room for 32,767 hosts; 10.90.0.0/16 (outside it) is the bench's network
"$repo/deploy/bin/ovsfabric-controller" serve --insecure --etcd "http://127.0.0.1:$etcd_port" --listen "127.0.0.1:$ctl_port" \
  --fabric-cidr 10.128.0.0/9 --host-prefix 24 --lease-ttl 10s --controller-id bench \
  --metrics-listen "127.0.0.1:$metrics_port" >"$work/controller.log" 2>&1 &
ctl_pid=$!
pids+=($ctl_pid)
for _ in $(seq 1 200); do
  if grep -q "serves FabricService" "$work/controller.log" 2>/dev/null; then break; fi
  kill -0 "$ctl_pid" 2>/dev/null || { echo "bench.sh: the controller exited:" >&2; tail -20 "$work/controller.log" >&2; exit 1; }
  sleep 0.1
done
grep -q "serves FabricService" "$work/controller.log" || { echo "bench.sh: the controller did not start" >&2; exit 1; }
# the java process itself (the launcher execs it, so the pid is java's)
echo "bench.sh: etcd 127.0.0.1:$etcd_port, controller 127.0.0.1:$ctl_port (pid $ctl_pid, metrics at http://127.0.0.1:$metrics_port/metrics), logs in $work" >&2

# BENCH_JAVA_OPTS is added to the simulated agents' JVM (e.g. -XX:StartFlightRecording=filename=bench.jfr); the
# controller's JVM takes OVSFABRIC_JAVA_EXTRA_OPTS (see deploy/bin/ovsfabric-controller)
# shellcheck disable=SC2086
timeout --kill-after=10 "$((max_seconds + 30))" java -XX:+UseParallelGC -Xss512k -Xmx1g ${BENCH_JAVA_OPTS:-} \
  -jar "$repo/bench/target/ovsfabric-bench.jar" --controller "127.0.0.1:$ctl_port" --etcd "http://127.0.0.1:$etcd_port" \
  --controller-pid "$ctl_pid" --agents "$agents" --allocs "$allocs" --clients "$clients" --warmup "$warmup" --max-seconds "$max_seconds"
