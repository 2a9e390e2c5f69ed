#!/usr/bin/env bash
# deploy/uml/guest.sh: a persistent user-mode-linux guest that runs commands sent from the host, each with its
# own stdout, stderr and exit code (deploy/lab/kernel.sh runs the kernel-datapath lab in one). See
# docs/kernel-lab.md. deploy/uml/run.sh is the one-shot variant (boot, one command, power off).
set -euo pipefail

usage() {
  cat <<'EOF'
usage: deploy/uml/guest.sh COMMAND --dir DIR [OPTIONS] [-- ARGS...]

A user-mode-linux guest (real kernel 6.1, one CPU, openvswitch, vport-gre, ip_gre, veth, bridge, vxlan loaded)
that stays up in the background and runs commands sent from the host. Its root is this machine's filesystem
(hostfs) with tmpfs over /run, /tmp, /var/lib, /var/log, ... (deploy/uml/init.sh). DIR is the guest's run dir on
the host: console.log, init.log, serve.log, and req/, the channel the commands go through.

commands:
  start --dir DIR [--mem SIZE] [--lifetime SECS] [--wait SECS] [--nice N] [--env NAME=VAL]...
        boot the guest in the background and return once its command server answers. DIR must not hold a
        running guest. --mem: guest memory (default 3G). --lifetime: the guest is killed after SECS whatever
        happens (default 14400, a safety net for a forgotten guest). --wait: how long to wait for the UML lock
        (/tmp/ovsfabric-uml.lock: one guest at a time on this machine) and the boot (default 300). --nice: the
        guest's CPU priority on the host (default 0; 10 leaves the host's other work ahead of it).
  exec --dir DIR [--timeout SECS] [--cwd DIR] -- CMD [ARGS...]
        run CMD in the guest with bash as root, in the current directory (or --cwd); its stdout and stderr come
        back on ours as they are written and the exit code is CMD's. stdin is sent along when it is a file or
        a pipe (read to its end first), else CMD reads /dev/null. SIGINT/SIGTERM or --timeout (default none)
        send SIGTERM to CMD inside (then 124 on timeout). 125: the guest is not running or died meanwhile.
  stop --dir DIR [--grace SECS]
        power the guest off: the command server stops, init sends SIGTERM to everything, then poweroff; after
        --grace seconds (default 60) it is killed. Safe to run when no guest runs.
  status --dir DIR
        "running (uml pid P, up S s)" and exit 0, or "not running" and exit 1.
EOF
}

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOCK_FILE=/tmp/ovsfabric-uml.lock
die() { echo "guest.sh: $*" >&2; exit "${RC:-2}"; }

[ $# -gt 0 ] || { usage >&2; exit 2; }
case $1 in -h|--help|help) usage; exit 0 ;; esac
SUB=$1; shift
DIR="" MEM=3G LIFETIME=14400 WAIT=300 NICE=0 TIMEOUT=0 GRACE=60 CWD=$(pwd) ENVS=()
while [ $# -gt 0 ]; do
  case $1 in
    --dir) DIR=${2:?--dir needs a value}; shift 2 ;;
    --mem) MEM=$2; shift 2 ;;
    --lifetime) LIFETIME=$2; shift 2 ;;
    --wait) WAIT=$2; shift 2 ;;
    --nice) NICE=$2; shift 2 ;;
    --env) ENVS+=("$2"); shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --grace) GRACE=$2; shift 2 ;;
    --cwd) CWD=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    *) die "unknown option $1 (see deploy/uml/guest.sh --help)" ;;
  esac
done
[ -n "$DIR" ] || die "--dir DIR is required"
case $DIR in /*) ;; *) DIR=$(pwd)/$DIR ;; esac
for v in LIFETIME WAIT TIMEOUT GRACE; do [[ ${!v} =~ ^[0-9]+$ ]] || die "--${v,,} must be whole seconds, got '${!v}'"; done
[[ $NICE =~ ^-?[0-9]+$ ]] || die "--nice must be a number"
[[ $MEM =~ ^[0-9]+[MG]$ ]] || die "--mem must look like 512M or 3G"

uml_pid() {   # the UML kernel's pid, if it runs
  local p
  p=$(cat "$DIR"/uml/*/pid 2>/dev/null | head -1) || true
  [[ $p =~ ^[0-9]+$ ]] && kill -0 "$p" 2>/dev/null && [[ $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) == *"ovsfabric_io=$DIR "* ]] \
    && echo "$p"
}
launcher_pid() {
  local p
  p=$(cat "$DIR/launcher.pid" 2>/dev/null) || return 1
  [[ $p =~ ^[0-9]+$ ]] && kill -0 "$p" 2>/dev/null && echo "$p"
}
alive() { uml_pid >/dev/null || launcher_pid >/dev/null; }

# kill_all: SIGKILL to the launcher's process group (flock, timeout) and the UML kernel's own group. Only this
# guest's: both groups were made for it and are found through its run dir.
kill_all() {
  local p
  p=$(launcher_pid || true); [ -z "$p" ] || kill -KILL -- "-$p" 2>/dev/null || true
  p=$(uml_pid || true); [ -z "$p" ] || kill -KILL -- "-$p" 2>/dev/null || true
}

cmd_start() {
  local t0 umid
  if [ -d "$DIR" ] && alive; then die "a guest already runs in $DIR (stop it: deploy/uml/guest.sh stop --dir $DIR)"; fi
  [[ $DIR =~ ^[A-Za-z0-9/._-]+$ ]] || die "run dir '$DIR' may hold only letters, digits and / . _ -"
  command -v linux.uml >/dev/null || RC=125 die "linux.uml not found: apt-get install user-mode-linux (deploy/setup.sh does)"
  rm -rf "$DIR"; mkdir -p "$DIR/req" "$DIR/uml"
  {
    printf 'export UML_CWD=/\nexport OVSFABRIC_UML=1\n'
    for e in "${ENVS[@]}"; do
      [[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "--env wants NAME=VALUE, got '$e'"
      printf 'export %s=%q\n' "${e%%=*}" "${e#*=}"
    done
  } >"$DIR/env"
  # shellcheck source=deploy/uml/lib.sh
  . "$REPO/deploy/uml/lib.sh"
  local preload
  preload=$(uml_shim "$DIR/shim-build.log")
  umid=ofg$$
  t0=$SECONDS
  # Double fork: the guest is nobody's child (a caller that kills its own descendants on a timeout, or waits for
  # its children's output, is not tied to it). setsid: a process group of its own, for kill_all. flock -o holds the
  # machine's UML lock for the guest's whole life.
  (
    cd "$DIR"
    setsid bash -c 'echo $$ >launcher.pid; exec "$@"' _ \
      nice -n "$NICE" flock -o -w "$WAIT" -E 75 "$LOCK_FILE" \
      env ${preload:+LD_PRELOAD=$preload} timeout --kill-after=10 "$LIFETIME" linux.uml mem="$MEM" rootfstype=hostfs rw \
      init="$REPO/deploy/uml/init.sh" umid="$umid" uml_dir="$DIR/uml" con=null con0=null,fd:1 ssl=null \
      ovsfabric_io="$DIR" ovsfabric_mode=serve ovsfabric_cgroup=v2 ovsfabric_ovs_early=0 \
      </dev/null >"$DIR/console.log" 2>&1 &
  )
  echo "guest.sh: booting a UML guest (mem $MEM, lifetime ${LIFETIME}s) in $DIR" >&2
  while [ ! -f "$DIR/ready" ]; do
    if ! alive && ((SECONDS - t0 > 2)); then
      [ -s "$DIR/console.log" ] || RC=125 die "the guest did not start: another UML held $LOCK_FILE for ${WAIT}s, or linux.uml failed"
      echo "guest.sh: the guest stopped during boot; console log:" >&2
      tail -n 20 "$DIR/console.log" | sed 's/^/  | /' >&2
      [ ! -f "$DIR/init.log" ] || tail -n 20 "$DIR/init.log" | sed 's/^/  init| /' >&2
      exit 125
    fi
    if ((SECONDS - t0 > WAIT + 120)); then kill_all; RC=125 die "the guest did not serve within $((WAIT + 120))s (console: $DIR/console.log)"; fi
    sleep 0.2
  done
  echo "guest.sh: guest up in $((SECONDS - t0))s (uml pid $(uml_pid || echo ?), command server at uptime $(cat "$DIR/ready")s)" >&2
}

# new_request: makes req/.new-ID with the command, returns its final path (not yet visible to the guest).
send_request() {
  local id=$1 tmp=$DIR/req/.new-$1
  mkdir "$tmp"
  printf '%s\n' "$CWD" >"$tmp/cwd"
  : >"$tmp/stdout"; : >"$tmp/stderr"
  shift
  if [ "$1" = --poweroff ]; then
    : >"$tmp/poweroff"
  else
    { printf 'set -o pipefail\n'; printf '%q ' "$@"; printf '\n'; } >"$tmp/cmd"
    if [ -f /dev/stdin ] || [ -p /dev/stdin ]; then cat >"$tmp/stdin"; fi
  fi
  mv "$tmp" "$DIR/req/$id"
}

cmd_exec() {
  [ $# -gt 0 ] || die "exec: no command (deploy/uml/guest.sh exec --dir DIR -- CMD ...)"
  alive && [ -f "$DIR/ready" ] || RC=125 die "no guest runs in $DIR (start one: deploy/uml/guest.sh start --dir $DIR)"
  local id r rc t0=$SECONDS w t1 t2 cancelled=no
  id=$(date +%s%N)-$$
  r=$DIR/req/$id
  send_request "$id" "$@"
  # wait for rc in the background; two tails follow stdout and stderr until the waiter ends, then flush the rest
  (
    n=0
    while [ ! -e "$r/rc" ]; do
      sleep 0.05
      n=$((n + 1))
      ((n % 20)) || alive || break   # the guest's pid, once a second
    done
  ) &
  w=$!
  tail -c +1 -s 0.1 --pid="$w" -f "$r/stdout" & t1=$!
  tail -c +1 -s 0.1 --pid="$w" -f "$r/stderr" >&2 & t2=$!
  cancel() {
    [ "$cancelled" = yes ] && return 0
    cancelled=yes; : >"$r/cancel" 2>/dev/null || true
  }
  trap 'cancel; INTERRUPTED=143' TERM
  trap 'cancel; INTERRUPTED=130' INT
  INTERRUPTED=""
  while kill -0 "$w" 2>/dev/null; do
    if ((TIMEOUT > 0 && SECONDS - t0 >= TIMEOUT)) && [ "$cancelled" = no ]; then
      echo "guest.sh: exec timed out after ${TIMEOUT}s: $*" >&2; cancel; INTERRUPTED=124
    fi
    sleep 0.1 || true
  done
  wait "$t1" "$t2" 2>/dev/null || true
  trap - TERM INT
  if [ -e "$r/rc" ]; then rc=$(cat "$r/rc"); else rc=125; echo "guest.sh: the guest died while running: $*" >&2; fi
  rm -rf "$r"
  [ -z "$INTERRUPTED" ] || rc=$INTERRUPTED
  return "$rc"
}

cmd_stop() {
  local id t0=$SECONDS
  if ! alive; then echo "guest.sh: no guest runs in $DIR" >&2; return 0; fi
  if [ -f "$DIR/ready" ]; then
    id=$(date +%s%N)-$$-poweroff
    send_request "$id" --poweroff
  else
    kill_all
  fi
  while alive && ((SECONDS - t0 < GRACE)); do sleep 0.2; done
  if alive; then
    echo "guest.sh: the guest did not power off within ${GRACE}s: killed" >&2
    kill_all
  fi
  echo "guest.sh: guest in $DIR stopped after $((SECONDS - t0))s" >&2
}

cmd_status() {
  local p
  if p=$(uml_pid); then
    echo "running (uml pid $p, up $(($(date +%s) - $(stat -c %Y "$DIR/launcher.pid")))s)"
  else
    echo "not running"; return 1
  fi
}

case $SUB in
  start) cmd_start ;;
  exec) cmd_exec "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) die "unknown command '$SUB' (start, exec, stop, status; see --help)" ;;
esac
