#!/usr/bin/env bash
# deploy/lab.sh: an ovsfabric fabric of several Docker hosts on one machine, as root.
#
# Every host is a network namespace with its own OVS (userspace datapath), its own ovsfabric agent and its own
# Docker engine; an underlay switch namespace joins them (192.0.2.0/24); a controller namespace runs etcd and
# the controller(s); an "outside" namespace plays a server beyond the fabric. See docs/lab.md.
set -euo pipefail
set -E

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=deploy/lab/lib.sh
. "$REPO/deploy/lab/lib.sh"
# shellcheck source=deploy/lab/kernel.sh
. "$REPO/deploy/lab/kernel.sh"   # up --kernel-datapath: the lab inside a UML guest

usage() {
  cat <<'EOF'
usage: deploy/lab.sh [--name NAME] [--state-dir DIR] COMMAND [ARGS...]

A multi-host ovsfabric lab on one machine (run as root). Every host hN is a network namespace with its own
OVS, agent and Docker engine; hosts are 192.0.2.11, .12, ... on an underlay switch; etcd and the controller
run in their own namespace at 192.0.2.2; an "outside" server sits at 192.0.2.100.

commands:
  up [--hosts N] [--controllers K] [--etcd-members E] [--containers M] [--lease-ttl DUR] [--reclaim-grace DUR]
     [--tunnel-key KEY] [--agent-controllers auto|one|all] [--icc true|false] [--underlay-mtu BYTES] [--insecure]
     [--port-type auto|afpacket|afxdp-pmd] [--no-build]
                      (re)create the lab: removes leftovers of a previous lab of the same name first, installs
                      what is missing (deploy/setup.sh), builds the jars if missing, starts everything, starts
                      M containers per host (default 2), then prints the connectivity matrix and a table of
                      hosts, subnets and tunnels. Defaults: 3 hosts, 1 controller, 1 etcd member, lease TTL 10s,
                      grace 10m,
                      the controller's default GRE key (--tunnel-key: the docker0 network's, 1-4294967295).
                      --underlay-mtu: the MTU of every underlay link (default 1500; 9000 = jumbo), handed to
                      the controller's plan too, so containers get it minus 42 (8958).
                      E members e1..eE form one etcd cluster; every controller gets every member.
                      --icc false: agents and dockerds run with --icc=false (docker0's containers kept apart,
                      on one host and across hosts); no connectivity matrix then.
                      --port-type: the agents' --port-type (userspace datapath: how eth1 and the docker0 link
                      attach to OVS; afxdp-pmd = AF_XDP with PMD threads). Each host's PMD threads get their own
                      core (host N: core (N-1) mod the cores), as separate machines would.
                      Agents get one controller each, round-robin (one), or every controller, their own
                      first (all); auto = all if this build's agent takes a list.
                      TLS everywhere by default: a fabric CA in STATE/pki (controller certificates, the lab's
                      admin for ctl), agents joined with a token each (token create --host hN), etcd serving
                      clients and peers over TLS with --client-cert-auth (its own CA in STATE/etcd-pki).
                      --insecure: plaintext gRPC and etcd instead (the explicit opt-out).
  status              processes, namespaces, hosts, containers and the controller's view; exit 1 if unhealthy
  matrix [SECONDS]    ping every container from every other one (retrying up to SECONDS, default 30)
  docker hN ARGS...   the docker CLI against host hN's engine      e.g. deploy/lab.sh docker h1 ps
  exec TARGET CMD...  run CMD inside a lab namespace: hN (OVS tools point at hN's own OVS, docker at its engine),
                      sw (underlay switch, bridge br-underlay), ctrl (etcd, controller; ovsfabricctl and etcdctl
                      there get the lab's admin and etcd client certificates from OVSFABRIC_TLS_* / ETCDCTL_*;
                      etcdctl's default endpoint is e1), out (outside server)
                                                                   e.g. deploy/lab.sh exec h1 ovs-vsctl show
  ctl ARGS...         ovsfabricctl against the lab's controller, as the lab's admin (certificate STATE/pki/admin-lab.*)
                                                                   e.g. deploy/lab.sh ctl hosts
  etcdctl ARGS...     etcdctl against the lab's etcd members, with the lab's etcd client certificate
                                                                   e.g. deploy/lab.sh etcdctl get --prefix /ovsfabric/ --keys-only
  add-host [--no-wait] add the next host (hN+1) to the running fabric; waits until it reaches every container
  kill-host hN        crash host hN: agent, engine, containers and OVS SIGKILLed, its underlay link removed
  restart-agent hN    stop hN's agent (SIGTERM) and start it again; waits until it registered
  restart-engine hN   stop hN's dockerd (SIGTERM) and start it again; waits until it answers

faults (each prints what it did on stdout and returns once it is in effect):
  kill-controller cN  SIGKILL controller cN; returns once its port is closed
  start-controller cN start cN again with the flags of up; returns once it listens
  kill-etcd eN        SIGKILL etcd member eN (says if it was the leader)
  start-etcd eN       start eN again on its data dir (it rejoins); returns once it reports healthy
  partition hN        the underlay switch drops everything between hN and the controller namespace (controllers
                      and etcd), both ways; hN's peers stay reachable
  heal hN             remove exactly that partition (prints how many frames it dropped)
  restart-ovs hN [--ovsdb]
                      SIGKILL hN's ovs-vswitchd (and ovsdb-server), start them again with the same options;
                      returns once vswitchd answers
  leader              the leading controller, the etcd leader, and which controller each agent is connected to
  connections         only which controller each agent is connected to (hN->cK ...; no controller is asked,
                      so it answers at once)
  down [--force]      remove every namespace, process, mount and file of the lab (safe to run twice); refuses
                      when namespaces of that name belong to a lab of another checkout, unless --force

options (also from the environment):
  --name NAME         lab name, prefix of every namespace and directory (OVSFABRIC_LAB, default ofl)
  --state-dir DIR     where the lab keeps state and logs (OVSFABRIC_LAB_DIR, default ./lab-state/NAME
                      in a checkout, else /var/lib/ovsfabric-lab/NAME). Logs are in DIR/logs.
  OVSFABRIC_LAB_BIN   directory with the ovsfabric-controller, ovsfabric-agent and ovsfabricctl launchers
                      (default deploy/bin; only for testing the lab itself)
EOF
  kernel_usage
}

NAME=${OVSFABRIC_LAB:-ofl}
STATE=${OVSFABRIC_LAB_DIR:-}
while [ $# -gt 0 ]; do
  case $1 in
    --name) NAME=${2:?--name needs a value}; shift 2 ;;
    --name=*) NAME=${1#*=}; shift ;;
    --state-dir) STATE=${2:?--state-dir needs a value}; shift 2 ;;
    --state-dir=*) STATE=${1#*=}; shift ;;
    -h|--help|help) usage; exit 0 ;;
    -*) echo "lab.sh: unknown option $1 (see deploy/lab.sh --help)" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { usage >&2; exit 2; }
CMD=$1; shift
[[ $NAME =~ ^[a-z][a-z0-9]{0,9}$ ]] || { echo "lab.sh: lab name '$NAME' must be 1-10 lowercase letters/digits, starting with a letter" >&2; exit 2; }
if [ -z "$STATE" ]; then
  if [ -f "$REPO/pom.xml" ]; then STATE=$REPO/lab-state/$NAME; else STATE=/var/lib/ovsfabric-lab/$NAME; fi
fi
case $STATE in /*) ;; *) STATE=$(pwd)/$STATE ;; esac
[[ $STATE =~ ^[A-Za-z0-9/._-]+$ ]] || { echo "lab.sh: state dir '$STATE' may hold only letters, digits and / . _ -" >&2; exit 2; }
LOGS=$STATE/logs
BIN=${OVSFABRIC_LAB_BIN:-$REPO/deploy/bin}
BUSYBOX=$(command -v busybox || echo /bin/busybox)
DOCKER=/usr/bin/docker; [ -x "$DOCKER" ] || DOCKER=$(command -v docker || echo docker)
IMAGE=busybox:lab
export OVSFABRIC_LAB_NAME=$NAME OVSFABRIC_LAB_STATE=$STATE   # for tools started inside the lab

# shellcheck source=deploy/lab/net.sh
. "$REPO/deploy/lab/net.sh"
# shellcheck source=deploy/lab/report.sh
. "$REPO/deploy/lab/report.sh"

need_root() { [ "$(id -u)" -eq 0 ] || { echo "lab.sh: $CMD needs root (namespaces, OVS, dockerd)" >&2; exit 1; }; }
need_lab() { [ -f "$STATE/lab.env" ] || { echo "lab.sh: lab $NAME is not up (no state in $STATE); start it with: deploy/lab.sh --name $NAME up" >&2; exit 1; }; }
need_host() {
  [[ ${1:-} =~ ^h[0-9]+$ ]] && [ -d "$(host_dir "$1")" ] || { echo "lab.sh: no host '${1:-}' in lab $NAME (hosts: $(lab_hosts | tr '\n' ' '))" >&2; exit 2; }
}

# One lab operation at a time per lab name. The lock file also records which state dir the lab of that name
# belongs to, so that a lab started from another checkout (another state dir) is never taken down by mistake.
LOCK=/run/lock/ovsfabric-lab.$NAME.lock
take_lock() {
  mkdir -p /run/lock
  exec 9>>"$LOCK"
  flock -w 900 9 || die "another lab.sh is changing lab $NAME (lock $LOCK)"
}

# refuse_foreign_lab: dies if namespaces named like this lab exist but belong to a lab with another state dir
# (by the owner recorded in the lock file, or, if none is recorded, because nothing running in them uses ours).
refuse_foreign_lab() {
  local ns owner p cmd ours=no any=no
  ns=$(lab_namespaces)
  [ -n "$ns" ] || return 0
  owner=$(cat "$LOCK" 2>/dev/null || true)
  if [ -n "$owner" ] && [ "$owner" != "$STATE" ]; then
    die "lab $NAME is in use by another checkout (state dir $owner); pick another name (--name), or remove that lab with: deploy/lab.sh --name $NAME --state-dir $owner down"
  fi
  [ -z "$owner" ] || return 0
  for p in $(for n in $ns; do ip netns pids "$n" 2>/dev/null; done); do
    cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline") || continue
    any=yes
    [[ $cmd != *"$STATE/"* ]] || { ours=yes; break; }
  done
  if [ "$any" = yes ] && [ "$ours" = no ]; then
    die "namespaces of lab $NAME exist ($(echo $ns)) but what runs in them does not use $STATE: another checkout's lab? Pick another name (--name), or remove them anyway with: deploy/lab.sh --name $NAME down --force"
  fi
}

claim_lab() { printf '%s\n' "$STATE" >"$LOCK"; }

# ---- up ----------------------------------------------------------------------------------------------------
# preflight [COMMAND...]: installs what is missing (also any COMMAND given) and builds the jars if missing.
preflight() {
  local c missing=()
  for c in ip ethtool ovsdb-server ovs-vswitchd ovs-vsctl ovsdb-tool etcd etcdctl containerd dockerd runc \
    docker-init tcpdump nsenter unshare flock java mvn busybox "$@"; do
    command -v "$c" >/dev/null || missing+=("$c")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    step "installing what is missing (${missing[*]}) with deploy/setup.sh" "$LOGS/setup.log"
    bash "$REPO/deploy/setup.sh" >>"$LOGS/setup.log" 2>&1 || die "deploy/setup.sh failed" "$LOGS/setup.log"
    BUSYBOX=$(command -v busybox || echo /bin/busybox)
  fi
  ldd "$BUSYBOX" >/dev/null 2>&1 && die "$BUSYBOX is dynamically linked: the image needs the static one (apt-get install busybox-static)"
  if [ "$BIN" = "$REPO/deploy/bin" ] && ! jars_present; then
    if [ "$BUILD" = no ]; then die "the ovsfabric jars are not built and --no-build was given"; fi
    step "building the jars: mvn -B -ntp -DskipTests package (a few minutes the first time)" "$LOGS/build.log"
    (cd "$REPO" && mvn -B -ntp -DskipTests package) >>"$LOGS/build.log" 2>&1 || die "the build failed" "$LOGS/build.log"
  fi
  local max_sock="$STATE/hosts/h99/ovs/ovs-vswitchd.4194304.ctl"
  ((${#max_sock} < 100)) || die "state dir $STATE is too long for unix socket paths; use --state-dir /var/lib/ovsfabric-lab/$NAME"
}

jars_present() {
  local a
  for a in controller/ovsfabric-controller agent/ovsfabric-agent ctl/ovsfabric-ctl; do
    [ -f "${OVSFABRIC_HOME:-/nonexistent}/${a#*/}.jar" ] || [ -f "/usr/lib/ovsfabric/${a#*/}.jar" ] \
      || [ -f "$REPO/${a%%/*}/target/${a#*/}.jar" ] || return 1
  done
}

new_state() {
  mkdir -p "$STATE"/{pids,logs,hosts}
  echo "$NAME" >"$STATE/.ovsfabric-lab"
  echo "$CONTROLLERS" >"$STATE/controllers"
  echo "$ETCD_MEMBERS" >"$STATE/etcd-members"
  printf 'NAME=%s\nCONTROLLERS=%s\nETCD_MEMBERS=%s\nAGENT_CONTROLLERS=%s\nFABRIC_CIDR=%s\nHOST_PREFIX=%s\nLEASE_TTL=%s\nRECLAIM_GRACE=%s\nCONTAINERS=%s\nTUNNEL_KEY=%s\nTLS=%s\nCREATED=%s\n' \
    "$NAME" "$CONTROLLERS" "$ETCD_MEMBERS" "$AGENT_CONTROLLERS" "$FABRIC_CIDR" "$HOST_PREFIX" "$LEASE_TTL" "$RECLAIM_GRACE" \
    "$CONTAINERS" "$TUNNEL_KEY" "$TLS" "$(date -Is)" >"$STATE/lab.env"
  echo "UNDERLAY_MTU=$UNDERLAY_MTU" >>"$STATE/lab.env"
}

load_state() {
  need_lab
  # shellcheck disable=SC1091
  . "$STATE/lab.env"
}

# Does this build's agent take several controllers (--controller a:7070,b:7070)? Its `run --help` says so.
agent_takes_controller_list() {
  "$BIN/ovsfabric-agent" run --help 2>&1 | grep -A2 -- '--controller=' | grep -qiE '\[,|,\.\.\.|comma|several'
}

cmd_up() {
  local hosts=3 h i
  CONTROLLERS=1 ETCD_MEMBERS=1 AGENT_CONTROLLERS=auto CONTAINERS=2 LEASE_TTL=10s RECLAIM_GRACE=10m BUILD=yes
  FABRIC_CIDR=10.200.0.0/16 HOST_PREFIX=24
  TUNNEL_KEY= ICC=true TLS=yes UNDERLAY_MTU= PORT_TYPE=auto
  while [ $# -gt 0 ]; do
    case $1 in
      --hosts) hosts=$2; shift 2 ;;
      --controllers) CONTROLLERS=$2; shift 2 ;;
      --etcd-members) ETCD_MEMBERS=$2; shift 2 ;;
      --agent-controllers) AGENT_CONTROLLERS=$2; shift 2 ;;
      --containers) CONTAINERS=$2; shift 2 ;;
      --lease-ttl) LEASE_TTL=$2; shift 2 ;;
      --reclaim-grace) RECLAIM_GRACE=$2; shift 2 ;;
      --tunnel-key) TUNNEL_KEY=$2; shift 2 ;;
      --icc) ICC=$2; shift 2 ;;
      --port-type) PORT_TYPE=$2; shift 2 ;;
      --underlay-mtu) UNDERLAY_MTU=$2; shift 2 ;;
      --no-build) BUILD=no; shift ;;
      --insecure) TLS=no; shift ;;
      *) echo "lab.sh up: unknown option $1" >&2; exit 2 ;;
    esac
  done
  [[ $hosts =~ ^[0-9]+$ ]] && ((hosts >= 1 && hosts <= 40)) || { echo "lab.sh up: --hosts must be 1..40" >&2; exit 2; }
  [[ $CONTROLLERS =~ ^[0-9]+$ ]] && ((CONTROLLERS >= 1 && CONTROLLERS <= 8)) || { echo "lab.sh up: --controllers must be 1..8" >&2; exit 2; }
  [[ $CONTAINERS =~ ^[0-9]+$ ]] && ((CONTAINERS <= 20)) || { echo "lab.sh up: --containers must be 0..20" >&2; exit 2; }
  [[ $ETCD_MEMBERS =~ ^[1-7]$ ]] || { echo "lab.sh up: --etcd-members must be 1..7 (3 or 5 for a cluster that survives a member)" >&2; exit 2; }
  [ -z "$UNDERLAY_MTU" ] || { [[ $UNDERLAY_MTU =~ ^[0-9]+$ ]] && ((UNDERLAY_MTU >= 1280 && UNDERLAY_MTU <= 9000)); } \
    || { echo "lab.sh up: --underlay-mtu must be 1280..9000 (bytes; 1500 is Ethernet's, 9000 jumbo)" >&2; exit 2; }
  [[ $AGENT_CONTROLLERS =~ ^(auto|one|all)$ ]] || { echo "lab.sh up: --agent-controllers must be auto, one or all" >&2; exit 2; }
  [[ $ICC =~ ^(true|false)$ ]] || { echo "lab.sh up: --icc must be true or false" >&2; exit 2; }
  [[ $PORT_TYPE =~ ^(auto|afpacket|afxdp-pmd)$ ]] || { echo "lab.sh up: --port-type must be auto, afpacket or afxdp-pmd" >&2; exit 2; }
  take_lock
  progress "bringing up lab $NAME: $hosts host(s), $CONTROLLERS controller(s), $ETCD_MEMBERS etcd member(s), $([ "$TLS" = yes ] && echo "mutual TLS" || echo "PLAINTEXT (--insecure)"); state and logs in $STATE"
  refuse_foreign_lab
  down_all quiet
  claim_lab
  new_state
  echo "ICC=$ICC" >>"$STATE/lab.env"
  echo "PORT_TYPE=$PORT_TYPE" >>"$STATE/lab.env"
  trap 'on_err $LINENO' ERR
  preflight
  [ "$AGENT_CONTROLLERS" != auto ] || AGENT_CONTROLLERS=$(agent_takes_controller_list && echo all || echo one)
  sed -i "s/^AGENT_CONTROLLERS=.*/AGENT_CONTROLLERS=$AGENT_CONTROLLERS/" "$STATE/lab.env"
  progress "agents get $([ "$AGENT_CONTROLLERS" = all ] && echo "every controller (their own first)" || echo "one controller each (round-robin)")"
  underlay_up
  containerd_up
  control_plane_up
  outside_up
  image_build
  for ((i = 1; i <= hosts; i++)); do host_prepare "h$i"; done
  for ((i = 1; i <= hosts; i++)); do host_start_agent "h$i"; done
  for ((i = 1; i <= hosts; i++)); do host_docker_opts "h$i"; host_start_engine "h$i"; done
  for ((i = 1; i <= hosts; i++)); do host_wait_engine "h$i"; host_start_containers "h$i"; done
  step "checking connectivity between all containers"
  echo
  local rc=0
  if [ "$ICC" = true ]; then matrix 60 || rc=$?; else echo "icc off: containers cannot reach each other by design, no connectivity matrix"; fi
  echo
  hosts_table
  echo
  containers_table
  echo
  controller_view
  echo
  if [ "$rc" -ne 0 ]; then
    die "some containers cannot reach each other (matrix above); look at $LOGS/h*-agent.log and 'deploy/lab.sh --name $NAME exec h1 ovs-ofctl dump-flows br0'"
  fi
  progress "lab $NAME is up: $hosts host(s), $((hosts * CONTAINERS)) container(s) in $((SECONDS - T0))s." \
    "Try: deploy/lab.sh docker h1 ps | deploy/lab.sh exec h1 ovs-vsctl show | deploy/lab.sh ctl hosts | deploy/lab.sh down"
}

# ---- add-host / kill-host ----------------------------------------------------------------------------------
cmd_add_host() {
  local wait=yes h n t_start
  [ "${1:-}" != --no-wait ] || wait=no
  load_state
  take_lock
  trap 'on_err $LINENO' ERR
  n=$(lab_hosts | sed 's/^h//' | sort -n | tail -1)
  h=h$((${n:-0} + 1))
  progress "adding host $h to lab $NAME"
  host_prepare "$h"
  host_start_agent "$h"
  host_docker_opts "$h"
  host_start_engine "$h"
  host_wait_engine "$h"
  host_start_containers "$h"
  t_start=$SECONDS
  echo "$h"
  if [ "$wait" = yes ] && [ "$CONTAINERS" -gt 0 ]; then
    step "checking that $h reaches every container and every container reaches $h"
    matrix 60 || die "$h is not reachable from every container after 60s; look at $LOGS/$h-agent.log"
    progress "$h: all pairs answered $((SECONDS - t_start))s after its containers started"
  fi
}

cmd_kill_host() {
  local h=${1:-}
  load_state
  need_host "$h"
  [ ! -e "$(host_dir "$h")/killed" ] || { echo "lab.sh: $h is already killed" >&2; exit 1; }
  take_lock
  step "killing $h: agent, Docker engine, containers and OVS (SIGKILL), then its underlay link"
  host_crash "$h"
  date -Is >"$(host_dir "$h")/killed"
  progress "$h is gone; the controller marks it DOWN once its lease ($LEASE_TTL) expires, and keeps its subnet for $RECLAIM_GRACE"
}

# ---- restart-agent / restart-engine ---------------------------------------------------------------------------
# A graceful restart of one piece of a host (SIGTERM, then start it again the way up did); everything else runs on.
begin_restart() {
  load_state
  need_host "$1"
  [ ! -e "$(host_dir "$1")/killed" ] || { echo "lab.sh: $1 was killed" >&2; exit 1; }
  take_lock
}

cmd_restart_agent() {
  local h=${1:-}
  begin_restart "$h"
  trap 'on_err $LINENO' ERR
  step "$h: stopping the agent (SIGTERM)" "$LOGS/$h-agent.log"
  stop_role "$h-agent" 20
  host_start_agent "$h"
  host_docker_opts "$h"
  progress "$h: agent restarted and registered"
}

cmd_restart_engine() {
  local h=${1:-}
  begin_restart "$h"
  trap 'on_err $LINENO' ERR
  step "$h: stopping dockerd (SIGTERM; it stops its containers)" "$LOGS/$h-dockerd.log"
  stop_role "$h-dockerd" 60
  host_start_engine "$h"
  step "$h: waiting for dockerd" "$LOGS/$h-dockerd.log"
  await "$h-dockerd" 90 "$h: dockerd answers on $(host_dir "$h")/docker/docker.sock" "$LOGS/$h-dockerd.log" engine_ready "$h"
  progress "$h: dockerd restarted (containers with a restart policy come back)"
}

# ---- faults: controllers, etcd members, partitions, OVS ----------------------------------------------------
# Each prints one line on stdout saying what it did, and returns once that is in effect (a killed process is gone,
# a started one answers). The fault suite (e2e FaultSuiteIT) and people use them alike.
begin_fault() { take_lock; trap 'on_err $LINENO' ERR; }

want_controller() {
  controller_index "${1:-}" >/dev/null || { echo "lab.sh: no controller '${1:-}' in lab $NAME (controllers: c1..c$(controller_count))" >&2; exit 2; }
}
want_etcd() {
  etcd_index "${1:-}" >/dev/null || { echo "lab.sh: no etcd member '${1:-}' in lab $NAME (members: e1..e$(etcd_members))" >&2; exit 2; }
}
want_live_host() {
  need_host "${1:-}"
  [ ! -e "$(host_dir "$1")/killed" ] || { echo "lab.sh: $1 was killed" >&2; exit 1; }
}

cmd_kill_controller() {
  local i pid; load_state; want_controller "${1:-}"; i=$(controller_index "$1"); begin_fault
  pid=$(tracked_pid "controller-c$i") || die "controller c$i is not running (start it with: deploy/lab.sh --name $NAME start-controller c$i)"
  step "killing controller c$i (pid $pid, SIGKILL)" "$LOGS/controller-c$i.log"
  kill_role "controller-c$i"
  wait_until 10 controller_closed "$i" || progress "WARNING: $(controller_ip "$i"):$CONTROLLER_PORT still listens"
  echo "killed controller c$i (pid $pid, $(controller_ip "$i"):$CONTROLLER_PORT)"
}

controller_closed() { ! controller_listening "$1"; }

cmd_start_controller() {
  local i t; load_state; want_controller "${1:-}"; i=$(controller_index "$1"); begin_fault
  if tracked_pid "controller-c$i" >/dev/null; then echo "controller c$i already runs"; return 0; fi
  t=$SECONDS
  step "starting controller c$i (the flags of up, etcd $(etcd_endpoints))" "$LOGS/controller-c$i.log"
  controller_start "$i"
  await "controller-c$i" 90 "controller c$i listens on $(controller_ip "$i"):$CONTROLLER_PORT" "$LOGS/controller-c$i.log" controller_listening "$i"
  echo "started controller c$i (pid $(tracked_pid "controller-c$i")); it listens on $(controller_ip "$i"):$CONTROLLER_PORT after $((SECONDS - t))s"
}

cmd_kill_etcd() {
  local i pid was; load_state; want_etcd "${1:-}"; i=$(etcd_index "$1"); begin_fault
  pid=$(tracked_pid "etcd-e$i") || die "etcd member e$i is not running (start it with: deploy/lab.sh --name $NAME start-etcd e$i)"
  was=$(etcd_leader)
  step "killing etcd member e$i (pid $pid, SIGKILL)" "$LOGS/etcd-e$i.log"
  kill_role "etcd-e$i"
  echo "killed etcd member e$i (pid $pid, $(etcd_client_url "$i"))$([ "$was" = "e$i" ] && echo ", the leader" || true)"
}

cmd_start_etcd() {
  local i t; load_state; want_etcd "${1:-}"; i=$(etcd_index "$1"); begin_fault
  if tracked_pid "etcd-e$i" >/dev/null; then echo "etcd member e$i already runs"; return 0; fi
  t=$SECONDS
  step "starting etcd member e$i with its data dir $STATE/ctrl/etcd-e$i (it rejoins the cluster)" "$LOGS/etcd-e$i.log"
  etcd_start "$i"
  await "etcd-e$i" 60 "etcd member e$i reports healthy (it needs a quorum of the $(etcd_members) members)" "$LOGS/etcd-e$i.log" etcd_healthy "$i"
  echo "started etcd member e$i (pid $(tracked_pid "etcd-e$i")); healthy after $((SECONDS - t))s, leader $(etcd_leader)"
}

# partition hN: the underlay switch drops every frame between hN's port and the controller namespace's port
# (the controllers and etcd), both ways, in an nftables table of its own; hN's peers stay reachable. heal deletes
# exactly that table.
partition_table() { echo "partition_$1"; }
partitioned() { in_ns "$NS_SW" nft list table bridge "$(partition_table "$1")" >/dev/null 2>&1; }

cmd_partition() {
  local h=${1:-} tbl; load_state; want_live_host "$h"; begin_fault
  tbl=$(partition_table "$h")
  if partitioned "$h"; then echo "$h is already partitioned"; return 0; fi
  step "partitioning $h: switch $NS_SW drops frames between port $h ($(host_ip "$h")) and port ctrl (controllers, etcd)"
  printf 'table bridge %s {\n  chain cut {\n    type filter hook forward priority -10; policy accept;\n    iifname "%s" oifname "ctrl" counter drop\n    iifname "ctrl" oifname "%s" counter drop\n  }\n}\n' \
    "$tbl" "$h" "$h" | in_ns "$NS_SW" nft -f -
  date -Is >"$(host_dir "$h")/partitioned"
  echo "partitioned $h from the controllers and etcd ($h's peers stay reachable); undo with: deploy/lab.sh --name $NAME heal $h"
}

cmd_heal() {
  local h=${1:-} tbl dropped; load_state; want_live_host "$h"; begin_fault
  tbl=$(partition_table "$h")
  if ! partitioned "$h"; then
    rm -f "$(host_dir "$h")/partitioned"
    echo "$h is not partitioned"; return 0
  fi
  dropped=$(in_ns "$NS_SW" nft list table bridge "$tbl" \
    | awk '/counter packets/ {for (i = 1; i < NF; i++) if ($i == "packets") n += $(i + 1)} END {print n + 0}')
  in_ns "$NS_SW" nft delete table bridge "$tbl"
  rm -f "$(host_dir "$h")/partitioned"
  echo "healed $h: removed the partition ($dropped frames dropped while it lasted)"
}

# restart-ovs hN [--ovsdb]: SIGKILL ovs-vswitchd (and ovsdb-server with --ovsdb), then start them again with the
# same options; returns once vswitchd answers. Bridges and ports come back from the database; the flows and the
# underlay address on br-phy (a device of the killed vswitchd) are for the agent to restore.
cmd_restart_ovs() {
  local h=${1:-} db=no t
  [ "${2:-}" != --ovsdb ] || db=yes
  load_state; want_live_host "$h"; begin_fault
  t=$SECONDS
  step "$h: killing ovs-vswitchd$([ $db = yes ] && echo " and ovsdb-server" || true) (SIGKILL)" "$LOGS/$h-vswitchd.log"
  kill_role "$h-vswitchd"
  [ $db = no ] || kill_role "$h-ovsdb"
  [ $db = no ] || host_start_ovsdb "$h"
  host_start_vswitchd "$h"
  echo "restarted $h's ovs-vswitchd$([ $db = yes ] && echo " and ovsdb-server" || true) (pid $(tracked_pid "$h-vswitchd")); it answers after $((SECONDS - t))s"
}

# leader: which controller leads (the election, as a live controller reports it), which etcd member leads, and
# which controller each agent is connected to (established gRPC connections in the controller namespace).
cmd_leader() {
  load_state
  local i c lead="" json asked=""
  for ((i = 1; i <= $(controller_count); i++)); do
    controller_listening "$i" 2>/dev/null || continue
    json=$(CTL_TIMEOUT=10 lab_ctl --at "$(controller_ip "$i"):$CONTROLLER_PORT" fabric -o json 2>/dev/null) || continue
    lead=$(sed -n 's/.*"leader" *: *"\([^"]*\)".*/\1/p' <<<"$json" | head -1) asked=c$i
    break
  done
  if [ -z "$asked" ]; then c="(no controller answers)"; elif [ -z "$lead" ]; then c="(none elected; asked $asked)"; else c="$lead"; fi
  echo "controller leader: $c"
  echo "etcd leader:       $(etcd_leader | grep . || echo "(none: no quorum)")"
  echo "agents:            $(agent_connections | grep . || echo "(none connected)")"
}

# "hN->cK" for every established connection from a host's underlay address to a controller (one per host and
# controller; a host attached to two shows both).
agent_connections() {
  in_ns "$NS_CTRL" ss -Htn state established "( sport = :$CONTROLLER_PORT )" 2>/dev/null \
    | grep -oE "$UNDERLAY_NET\.[0-9]+\]?:[0-9]+ +\[?(::ffff:)?$UNDERLAY_NET\.[0-9]+" \
    | sed -E "s/^$UNDERLAY_NET\.([0-9]+)\]?:[0-9]+ +\[?(::ffff:)?$UNDERLAY_NET\.([0-9]+)/\3 \1/" \
    | awk '$1 > 10 && $1 < 100 {print "h" ($1 - 10) "->c" ($2 - 1)}' | sort -uV | paste -sd' ' -
}

# ---- down --------------------------------------------------------------------------------------------------
# down_all [quiet]: safe to run twice, and after a crash (it finds what is left by the lab's names and paths).
down_all() {
  local quiet=${1:-} h ns role f
  if [ -e "$STATE" ] && [ ! -f "$STATE/.ovsfabric-lab" ] && [ -n "$(ls -A "$STATE" 2>/dev/null)" ]; then
    die "$STATE exists but is not a lab state dir (no .ovsfabric-lab marker): refusing to touch it"
  fi
  if [ -d "$STATE/hosts" ] || [ -n "$(lab_namespaces)" ]; then
    [ -n "$quiet" ] && progress "removing leftovers of a previous lab $NAME" || progress "taking lab $NAME down"
  fi
  for h in $(lab_hosts); do
    [ -e "$(host_dir "$h")/killed" ] && continue
    progress "down: $h"
    host_down "$h"
  done
  for f in "$STATE"/pids/*.pid; do    # what is left: controllers, etcd, outside server, containerd
    [ -e "$f" ] || continue
    role=$(basename "$f" .pid)
    [ "$role" = containerd ] || stop_role "$role" 15
  done
  kill_shims
  stop_role containerd 15
  kill_state_procs
  for ns in $(lab_namespaces); do
    kill_netns_pids "$ns"
    ip netns del "$ns" 2>/dev/null || progress "WARNING: could not delete namespace $ns"
  done
  umount_state
  for h in $(lab_hosts); do cgroups_remove "$h"; done
  if [ -f "$STATE/.ovsfabric-lab" ]; then
    rm -rf "$STATE"
    case $(basename "$(dirname "$STATE")") in   # the default parents, once empty
      lab-state|ovsfabric-lab) rmdir "$(dirname "$STATE")" 2>/dev/null || true ;;
    esac
  fi
}

# Anything still running with one of the lab's own paths in its argv (after a crash the pidfiles may be gone).
# Never lab.sh itself or its callers.
kill_state_procs() {
  local p cmd self=" $$ " a=$$
  while [ "$a" -gt 1 ]; do a=$(awk '{print $4}' "/proc/$a/stat" 2>/dev/null || echo 1); self+="$a "; done
  for p in /proc/[0-9]*; do
    [[ $self == *" ${p#/proc/} "* ]] && continue
    cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
    case $cmd in
      *lab.sh*) ;;
      *"$STATE/containerd/"*|*"$STATE/hosts/"*|*"$STATE/ctrl/"*|*"$STATE/out/"*) kill -KILL "${p#/proc/}" 2>/dev/null || true ;;
    esac
  done
}

umount_state() {
  local m
  for m in $(awk -v s="$STATE/" 'index($5, s) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
}

cmd_down() {
  take_lock
  [ "${1:-}" = --force ] || refuse_foreign_lab
  down_all
  local left
  left=$(lab_namespaces | tr '\n' ' ')
  [ -z "$left" ] || die "namespaces still there after down: $left"
  rm -f "$LOCK"
  progress "lab $NAME is down (no namespaces, processes or files of it left)"
}

# ---- dispatch ------------------------------------------------------------------------------------------------
kernel_lab_dispatch "$CMD" "$@"   # a kernel-datapath lab: the command runs in its UML guest (deploy/lab/kernel.sh)
case $CMD in
  up) need_root; cmd_up "$@" ;;
  down) need_root; cmd_down "$@" ;;
  status) need_root; load_state; status ;;
  matrix) need_root; load_state; matrix "${1:-30}" ;;
  add-host) need_root; cmd_add_host "$@" ;;
  kill-host) need_root; cmd_kill_host "$@" ;;
  restart-agent) need_root; cmd_restart_agent "$@" ;;
  restart-engine) need_root; cmd_restart_engine "$@" ;;
  kill-controller) need_root; cmd_kill_controller "$@" ;;
  start-controller) need_root; cmd_start_controller "$@" ;;
  kill-etcd) need_root; cmd_kill_etcd "$@" ;;
  start-etcd) need_root; cmd_start_etcd "$@" ;;
  partition) need_root; cmd_partition "$@" ;;
  heal) need_root; cmd_heal "$@" ;;
  restart-ovs) need_root; cmd_restart_ovs "$@" ;;
  leader) need_root; cmd_leader ;;
  connections) need_root; load_state; agent_connections ;;
  docker)
    need_root; load_state; need_host "${1:-}"; h=$1; shift
    exec "$DOCKER" -H "unix://$(host_dir "$h")/docker/docker.sock" "$@" ;;
  exec)
    need_root; load_state
    [ $# -ge 2 ] || { echo "usage: deploy/lab.sh exec hN|sw|ctrl|out CMD..." >&2; exit 2; }
    t=$1; shift
    case $t in
      sw|out) exec ip netns exec "$NAME-$t" "$@" ;;
      # shellcheck disable=SC2046  # ctrl: ovsfabricctl and etcdctl find the lab's admin and etcd client certificates
      ctrl) exec ip netns exec "$NS_CTRL" env PATH="$BIN:$PATH" OVSFABRIC_CONTROLLER="$(first_controller)" $(ctl_tls_env) \
              $(etcdctl_env) "$@" ;;
      *) need_host "$t"; [ ! -e "$(host_dir "$t")/killed" ] || { echo "lab.sh: $t was killed" >&2; exit 1; }
         exec ip netns exec "$(host_ns "$t")" env OVS_RUNDIR="$(host_dir "$t")/ovs" OVS_DBDIR="$(host_dir "$t")/ovs" \
           DOCKER_HOST="unix://$(host_dir "$t")/docker/docker.sock" "$@" ;;
    esac ;;
  ctl) need_root; load_state; lab_ctl "$@" ;;
  etcdctl) need_root; load_state; lab_etcdctl --endpoints "$(etcd_endpoints)" "$@" ;;
  *) echo "lab.sh: unknown command '$CMD'" >&2; usage >&2; exit 2 ;;
esac
