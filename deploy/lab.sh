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

usage() {
  cat <<'EOF'
usage: deploy/lab.sh [--name NAME] [--state-dir DIR] COMMAND [ARGS...]

A multi-host ovsfabric lab on one machine (run as root). Every host hN is a network namespace with its own
OVS, agent and Docker engine; hosts are 192.0.2.11, .12, ... on an underlay switch; etcd and the controller
run in their own namespace at 192.0.2.2; an "outside" server sits at 192.0.2.100.

commands:
  up [--hosts N] [--controllers K] [--containers M] [--lease-ttl DUR] [--reclaim-grace DUR] [--tunnel-key KEY]
     [--no-build]
                      (re)create the lab: removes leftovers of a previous lab of the same name first, installs
                      what is missing (deploy/setup.sh), builds the jars if missing, starts everything, starts
                      M containers per host (default 2), then prints the connectivity matrix and a table of
                      hosts, subnets and tunnels. Defaults: 3 hosts, 1 controller, lease TTL 10s, grace 10m,
                      the controller's default GRE key (--tunnel-key: the docker0 network's, 1-4294967295).
  status              processes, namespaces, hosts, containers and the controller's view; exit 1 if unhealthy
  matrix [SECONDS]    ping every container from every other one (retrying up to SECONDS, default 30)
  docker hN ARGS...   the docker CLI against host hN's engine      e.g. deploy/lab.sh docker h1 ps
  exec TARGET CMD...  run CMD inside a lab namespace: hN (OVS tools point at hN's own OVS, docker at its engine),
                      sw (underlay switch, bridge br-underlay), ctrl (etcd, controller), out (outside server)
                                                                   e.g. deploy/lab.sh exec h1 ovs-vsctl show
  ctl ARGS...         ovsfabricctl against the lab's controller    e.g. deploy/lab.sh ctl hosts
  add-host [--no-wait] add the next host (hN+1) to the running fabric; waits until it reaches every container
  kill-host hN        crash host hN: agent, engine, containers and OVS SIGKILLed, its underlay link removed
  restart-agent hN    stop hN's agent (SIGTERM) and start it again; waits until it registered
  restart-engine hN   stop hN's dockerd (SIGTERM) and start it again; waits until it answers
  down [--force]      remove every namespace, process, mount and file of the lab (safe to run twice); refuses
                      when namespaces of that name belong to a lab of another checkout, unless --force

options (also from the environment):
  --name NAME         lab name, prefix of every namespace and directory (OVSFABRIC_LAB, default ofl)
  --state-dir DIR     where the lab keeps state and logs (OVSFABRIC_LAB_DIR, default ./lab-state/NAME
                      in a checkout, else /var/lib/ovsfabric-lab/NAME). Logs are in DIR/logs.
  OVSFABRIC_LAB_BIN   directory with the ovsfabric-controller, ovsfabric-agent and ovsfabricctl launchers
                      (default deploy/bin; only for testing the lab itself)
EOF
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
preflight() {
  local c missing=()
  for c in ip ethtool ovsdb-server ovs-vswitchd ovs-vsctl ovsdb-tool etcd etcdctl containerd dockerd runc \
    docker-init tcpdump nsenter unshare flock java mvn busybox; do
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
  printf 'NAME=%s\nCONTROLLERS=%s\nFABRIC_CIDR=%s\nHOST_PREFIX=%s\nLEASE_TTL=%s\nRECLAIM_GRACE=%s\nCONTAINERS=%s\nCREATED=%s\n' \
    "$NAME" "$CONTROLLERS" "$FABRIC_CIDR" "$HOST_PREFIX" "$LEASE_TTL" "$RECLAIM_GRACE" "$CONTAINERS" "$(date -Is)" >"$STATE/lab.env"
}

load_state() {
  need_lab
  # shellcheck disable=SC1091
  . "$STATE/lab.env"
}

cmd_up() {
  local hosts=3 h i
  CONTROLLERS=1 CONTAINERS=2 LEASE_TTL=10s RECLAIM_GRACE=10m BUILD=yes FABRIC_CIDR=10.200.0.0/16 HOST_PREFIX=24
  TUNNEL_KEY=
  while [ $# -gt 0 ]; do
    case $1 in
      --hosts) hosts=$2; shift 2 ;;
      --controllers) CONTROLLERS=$2; shift 2 ;;
      --containers) CONTAINERS=$2; shift 2 ;;
      --lease-ttl) LEASE_TTL=$2; shift 2 ;;
      --reclaim-grace) RECLAIM_GRACE=$2; shift 2 ;;
      --tunnel-key) TUNNEL_KEY=$2; shift 2 ;;
      --no-build) BUILD=no; shift ;;
      *) echo "lab.sh up: unknown option $1" >&2; exit 2 ;;
    esac
  done
  [[ $hosts =~ ^[0-9]+$ ]] && ((hosts >= 1 && hosts <= 40)) || { echo "lab.sh up: --hosts must be 1..40" >&2; exit 2; }
  [[ $CONTROLLERS =~ ^[0-9]+$ ]] && ((CONTROLLERS >= 1 && CONTROLLERS <= 8)) || { echo "lab.sh up: --controllers must be 1..8" >&2; exit 2; }
  [[ $CONTAINERS =~ ^[0-9]+$ ]] && ((CONTAINERS <= 20)) || { echo "lab.sh up: --containers must be 0..20" >&2; exit 2; }
  take_lock
  progress "bringing up lab $NAME: $hosts host(s), $CONTROLLERS controller(s); state and logs in $STATE"
  refuse_foreign_lab
  down_all quiet
  claim_lab
  new_state
  trap 'on_err $LINENO' ERR
  preflight
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
  matrix 60 || rc=$?
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
case $CMD in
  up) need_root; cmd_up "$@" ;;
  down) need_root; cmd_down "$@" ;;
  status) need_root; load_state; status ;;
  matrix) need_root; load_state; matrix "${1:-30}" ;;
  add-host) need_root; cmd_add_host "$@" ;;
  kill-host) need_root; cmd_kill_host "$@" ;;
  restart-agent) need_root; cmd_restart_agent "$@" ;;
  restart-engine) need_root; cmd_restart_engine "$@" ;;
  docker)
    need_root; load_state; need_host "${1:-}"; h=$1; shift
    exec "$DOCKER" -H "unix://$(host_dir "$h")/docker/docker.sock" "$@" ;;
  exec)
    need_root; load_state
    [ $# -ge 2 ] || { echo "usage: deploy/lab.sh exec hN|sw|ctrl|out CMD..." >&2; exit 2; }
    t=$1; shift
    case $t in
      sw|ctrl|out) exec ip netns exec "$NAME-$t" "$@" ;;
      *) need_host "$t"; [ ! -e "$(host_dir "$t")/killed" ] || { echo "lab.sh: $t was killed" >&2; exit 1; }
         exec ip netns exec "$(host_ns "$t")" env OVS_RUNDIR="$(host_dir "$t")/ovs" OVS_DBDIR="$(host_dir "$t")/ovs" \
           DOCKER_HOST="unix://$(host_dir "$t")/docker/docker.sock" "$@" ;;
    esac ;;
  ctl) need_root; load_state; exec ip netns exec "$NS_CTRL" "$BIN/ovsfabricctl" --controller "$(first_controller)" "$@" ;;
  *) echo "lab.sh: unknown command '$CMD'" >&2; usage >&2; exit 2 ;;
esac
