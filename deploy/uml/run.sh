#!/usr/bin/env bash
# deploy/uml/run.sh: runs one command inside a user-mode-linux kernel (Debian's user-mode-linux, 6.1) and returns
# its output and exit code. The guest's root is this machine's filesystem (hostfs), so the command sees the same
# files, binaries and jars; deploy/uml/init.sh puts tmpfs over the places daemons write to. See docs/kernel-lab.md.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: deploy/uml/run.sh [OPTIONS] [--] COMMAND [ARGS...]

Boots a user-mode-linux guest (one CPU, real kernel 6.1 with openvswitch, vport-gre, ip_gre, veth, bridge, vxlan
loaded), runs COMMAND in it with bash as root, in the current directory, and powers the guest off. COMMAND's
output (stdout and stderr together) is printed on stdout once it is done; the exit code is COMMAND's.

options:
  --mem SIZE       guest memory (default 2G; UML_MEM)
  --timeout SECS   kill the guest after SECS seconds (default 600; UML_TIMEOUT); exit 124 then
  --env NAME=VAL   set a variable for COMMAND (repeatable)
  --cgroup v1|v2   cgroup hierarchy the guest mounts (default v2)
  --ovs-early      do not hold ovs-vswitchd back until the guest's clock passes 11 s (shows the OVS 3.1
                   "0 upcall handlers" bug)
  --follow         copy the guest console to stderr while it runs
  --keep           keep the run dir (console.log, init.log, output, rc) and print where it is
  --run-dir DIR    use DIR (must not exist) instead of a fresh /tmp/ovsfabric-uml.XXXXXX

exit codes: COMMAND's; 124 the guest timed out and was killed; 125 the guest failed before or without running
COMMAND (the console log's end is printed on stderr).
EOF
}

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MEM=${UML_MEM:-2G} TIMEOUT=${UML_TIMEOUT:-600} CGROUP=v2 EARLY=0 FOLLOW=no KEEP=no RUN_DIR="" ENVS=()
while [ $# -gt 0 ]; do
  case $1 in
    --mem) MEM=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --env) ENVS+=("$2"); shift 2 ;;
    --cgroup) CGROUP=$2; shift 2 ;;
    --ovs-early) EARLY=1; shift ;;
    --follow) FOLLOW=yes; shift ;;
    --keep) KEEP=yes; shift ;;
    --run-dir) RUN_DIR=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    -*) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { usage >&2; exit 2; }
[[ $TIMEOUT =~ ^[0-9]+$ ]] || { echo "run.sh: --timeout must be seconds" >&2; exit 2; }
[[ $MEM =~ ^[0-9]+[MG]$ ]] || { echo "run.sh: --mem must look like 512M or 2G" >&2; exit 2; }
[[ $CGROUP =~ ^v[12]$ ]] || { echo "run.sh: --cgroup must be v1 or v2" >&2; exit 2; }
UML=$(command -v linux.uml || true)
[ -n "$UML" ] || { echo "run.sh: linux.uml not found: apt-get install user-mode-linux (deploy/setup.sh does)" >&2; exit 125; }

if [ -n "$RUN_DIR" ]; then
  mkdir "$RUN_DIR"
else
  RUN_DIR=$(mktemp -d /tmp/ovsfabric-uml.XXXXXX)
fi
RUN_DIR=$(cd "$RUN_DIR" && pwd)
# UML passes its command line through a fixed-size buffer and hostfs paths with spaces would split it.
[[ $RUN_DIR =~ ^[A-Za-z0-9/._-]+$ ]] || { echo "run.sh: run dir '$RUN_DIR' may hold only letters, digits and / . _ -" >&2; exit 2; }
UMID=ofx$$
UML_PID=""

# shellcheck source=deploy/uml/lib.sh
. "$REPO/deploy/uml/lib.sh"
kill_guest() { uml_kill_guest "$RUN_DIR" "$UMID" "$UML_PID"; }

cleanup() {
  local rc=$?
  kill_guest
  if [ "$KEEP" = yes ]; then
    echo "run.sh: run dir kept: $RUN_DIR" >&2
  else
    rm -rf "$RUN_DIR"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The command, as words quoted for bash, and the caller's chosen environment.
{
  printf 'set -o pipefail\n'
  printf '%q ' "$@"; printf '\n'
} >"$RUN_DIR/cmd"
{
  printf 'export UML_CWD=%q\n' "$(pwd)"
  printf 'export OVSFABRIC_UML=1\n'
  for e in "${ENVS[@]}"; do
    [[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || { echo "run.sh: --env wants NAME=VALUE, got '$e'" >&2; exit 2; }
    printf 'export %s=%q\n' "${e%%=*}" "${e#*=}"
  done
} >"$RUN_DIR/env"
mkdir -p "$RUN_DIR/uml"

# The XSAVE shim (see xstate-shim.c): without it UML 6.1 panics at boot on hosts with AVX-512/AMX.
PRELOAD=$(uml_shim "$RUN_DIR/shim-build.log")

# con0 (the console) writes to our stdout, which is console.log; the other consoles and serial lines are off.
t0=$(date +%s.%N)
set +e
(
  cd "$RUN_DIR"
  # one UML at a time on this machine: flock -o holds /tmp/ovsfabric-uml.lock while the guest runs
  exec setsid flock -o -w "$TIMEOUT" /tmp/ovsfabric-uml.lock env ${PRELOAD:+LD_PRELOAD=$PRELOAD} timeout --kill-after=10 "$TIMEOUT" "$UML" mem="$MEM" rootfstype=hostfs rw \
    init="$REPO/deploy/uml/init.sh" umid="$UMID" uml_dir="$RUN_DIR/uml" \
    con=null con0=null,fd:1 ssl=null \
    ovsfabric_io="$RUN_DIR" ovsfabric_cgroup="$CGROUP" ovsfabric_ovs_early="$EARLY" \
    </dev/null >"$RUN_DIR/console.log" 2>&1
) &
UML_PID=$!
if [ "$FOLLOW" = yes ]; then
  tail -n +1 -F --pid="$UML_PID" "$RUN_DIR/console.log" >&2 2>/dev/null &
fi
wait "$UML_PID"
uml_rc=$?
set -e
t1=$(date +%s.%N)
kill_guest   # a guest's leftovers, should there be any
UML_PID=""

secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
started=$(cat "$RUN_DIR/started" 2>/dev/null || echo "?")
[ ! -f "$RUN_DIR/output" ] || cat "$RUN_DIR/output"
if [ -f "$RUN_DIR/rc" ]; then
  rc=$(cat "$RUN_DIR/rc")
  echo "run.sh: guest ran the command ${started}s after boot; command exit $rc; guest up ${secs}s in all" >&2
  exit "$rc"
fi
if [ "$uml_rc" -eq 124 ] || [ "$uml_rc" -eq 137 ]; then
  echo "run.sh: the guest did not finish within ${TIMEOUT}s and was killed (console: $RUN_DIR/console.log)" >&2
  tail -n 20 "$RUN_DIR/console.log" | sed 's/^/  | /' >&2
  KEEP=yes
  exit 124
fi
echo "run.sh: the guest stopped (linux.uml exit $uml_rc after ${secs}s) without the command's exit code" >&2
tail -n 20 "$RUN_DIR/console.log" | sed 's/^/  | /' >&2
[ ! -f "$RUN_DIR/init.log" ] || tail -n 20 "$RUN_DIR/init.log" | sed 's/^/  init| /' >&2
KEEP=yes
exit 125
