# shellcheck shell=bash
# deploy/lab/lib.sh: progress/error reporting, waits, and tracked processes for deploy/lab.sh.
# Sourced, never run. Every process the lab starts is recorded in $STATE/pids/<role>.pid as "PID STARTTIME",
# and only such processes (plus processes inside the lab's own namespaces) are ever signalled.

# ---- progress and errors -------------------------------------------------------------------------------
STEP="" STEP_LOG="" T0=$SECONDS

progress() { printf '[lab %s %4ss] %s\n' "$NAME" "$((SECONDS - T0))" "$*" >&2; }

# step DESCRIPTION [LOG]: what is being done now, and where to look if it fails.
step() { STEP=$1; STEP_LOG=${2:-}; progress "$1"; }

on_err() {
  local rc=$? line=$1
  [ "${BASH_SUBSHELL:-0}" -eq 0 ] || return 0
  {
    echo "lab.sh: FAILED during step: ${STEP:-startup} (exit $rc at lab.sh line $line)"
    if [ -n "$STEP_LOG" ] && [ -f "$STEP_LOG" ]; then
      echo "  log: $STEP_LOG (last lines below)"
      tail -n 12 "$STEP_LOG" | sed 's/^/  | /'
    elif [ -n "$STEP_LOG" ]; then
      echo "  log: $STEP_LOG"
    fi
    echo "  the lab is left as it is for inspection: deploy/lab.sh --name $NAME status;" \
      "remove it with: deploy/lab.sh --name $NAME down"
  } >&2
}

# die MESSAGE [LOG]: a failure we detected ourselves, with what to look at.
die() {
  echo "lab.sh: $1" >&2
  if [ -n "${2:-}" ] && [ -f "$2" ]; then
    echo "  log: $2 (last lines below)" >&2
    tail -n 12 "$2" | sed 's/^/  | /' >&2
  elif [ -n "${2:-}" ]; then
    echo "  log: $2" >&2
  fi
  exit 1
}

# wait_until SECONDS COMMAND...: polls COMMAND (quietly) until it succeeds; returns 1 at the deadline.
wait_until() {
  local timeout=$1; shift
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# await ROLE SECONDS WHAT LOG COMMAND...: polls COMMAND until it succeeds; dies saying WHAT did not happen, at once
# if ROLE's process has exited meanwhile, or at the deadline.
await() {
  local role=$1 timeout=$2 what=$3 log=$4; shift 4
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    tracked_pid "$role" >/dev/null || die "$role exited while waiting for: $what" "$LOGS/$role.log"
    ((SECONDS < deadline)) || die "$what: still not so after ${timeout}s" "$log"
    sleep 0.2
  done
}

# ---- tracked processes ---------------------------------------------------------------------------------
# proc_start PID: the process's start time (clock ticks since boot), or failure if it is gone or a zombie.
proc_start() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }          # drop "pid (comm) ": comm may hold spaces
  # shellcheck disable=SC2086
  set -- $stat               # $1 = state (field 3), $20 = starttime (field 22)
  [ "$1" != Z ] || return 1
  echo "${20}"
}

pidfile() { echo "$STATE/pids/$1.pid"; }

# track ROLE PID: remember that the lab started PID as ROLE.
track() {
  local start
  start=$(proc_start "$2") || return 1
  echo "$2 $start" >"$(pidfile "$1")"
}

# tracked_pid ROLE: prints the pid if that exact process (same start time) still runs.
tracked_pid() {
  local f pid start
  f=$(pidfile "$1")
  [ -f "$f" ] || return 1
  read -r pid start <"$f" || return 1
  [ "$(proc_start "$pid" 2>/dev/null)" = "$start" ] || return 1
  echo "$pid"
}

# spawn ROLE LOG COMMAND...: starts COMMAND detached (own session, no terminal, output appended to LOG)
# and tracks it. The wrappers used (setsid, ip netns exec, unshare, nsenter) all exec, so the pid stays.
spawn() {
  local role=$1 log=$2; shift 2
  local shown=$*
  [[ $shown != *--join-token* ]] || shown=$(sed -E 's/(--join-token )[^ ]+/\1<token>/' <<<"$shown")   # a secret until used
  echo "---- $(date '+%F %T') start: $shown" >>"$log"
  (exec setsid "$@" </dev/null >>"$log" 2>&1 9>&-) &   # 9: lab.sh's lock, not for daemons
  local pid=$!
  disown "$pid" 2>/dev/null || true
  track "$role" "$pid" || die "$role exited immediately after start" "$log"
}

# stop_role ROLE [GRACE_SECONDS]: SIGTERM, then SIGKILL after the grace period. Absent is fine.
stop_role() {
  local role=$1 grace=${2:-10} pid
  if pid=$(tracked_pid "$role"); then
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_until "$grace" role_gone "$role"; then
      progress "$role (pid $pid) ignored SIGTERM for ${grace}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      wait_until 10 role_gone "$role" || progress "WARNING: $role (pid $pid) still there after SIGKILL"
    fi
  fi
  rm -f "$(pidfile "$role")"
}

# kill_role ROLE: SIGKILL at once (a crash, for kill-host).
kill_role() {
  local pid
  if pid=$(tracked_pid "$1"); then
    kill -KILL "$pid" 2>/dev/null || true
    wait_until 10 role_gone "$1" || true
  fi
  rm -f "$(pidfile "$1")"
}

role_gone() { ! tracked_pid "$1" >/dev/null; }

# The containerd shims of this lab (found by the lab's own containerd socket in their argv), optionally only
# those of one containerd namespace. containerd re-parents them to init, so they are not our children.
lab_shims() {
  local want_ns=${1:-} sock="$STATE/containerd/containerd.sock" p cmd
  for p in /proc/[0-9]*; do
    cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
    case $cmd in
      *containerd-shim*"-address $sock "*|*containerd-shim*"-address $sock")
        if [ -z "$want_ns" ] || [[ $cmd == *"-namespace $want_ns "* ]]; then echo "${p#/proc/}"; fi ;;
    esac
  done
}

# kill_shims [CONTAINERD_NAMESPACE]: SIGKILL the containers' init processes (children of the shims), then the
# shims, and remove the socket each shim had in /run/containerd/s (named sha256(address/namespace/id); a
# killed shim cannot remove it itself).
kill_shims() {
  local shim child argv sock
  for shim in $(lab_shims "${1:-}"); do
    argv=$(tr '\0' ' ' 2>/dev/null <"/proc/$shim/cmdline") || continue
    sock=$(awk '{for (i = 1; i < NF; i++) { if ($i == "-namespace") n = $(i + 1); if ($i == "-id") d = $(i + 1);
      if ($i == "-address") a = $(i + 1) } printf "%s/%s/%s", a, n, d}' <<<"$argv" | sha256sum | cut -d' ' -f1)
    for child in $(cat "/proc/$shim/task/$shim/children" 2>/dev/null); do kill -KILL "$child" 2>/dev/null || true; done
    kill -KILL "$shim" 2>/dev/null || true
    rm -f "/run/containerd/s/$sock"
  done
}

# kill_netns_pids NETNS: SIGKILL whatever still runs inside one of the lab's own namespaces.
kill_netns_pids() {
  local p
  ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$1" || return 0
  for p in $(ip netns pids "$1" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
}
