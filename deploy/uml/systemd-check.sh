#!/usr/bin/env bash
# deploy/uml/systemd-check.sh: the ovsfabric systemd units started for real, under a real systemd, in a
# user-mode-linux guest. See docs/observability.md ("systemd for real").
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: deploy/uml/systemd-check.sh [--timeout SECS] [--mem SIZE] [--keep] [--follow]

Boots a user-mode-linux guest with systemd as PID 1 (root: an overlay of this machine's filesystem under a tmpfs,
so nothing is written to the host and none of its services start; only etcd and OVS of the host's units may), and
in it, with systemctl: installs deploy/systemd/*.service and the built jars, starts etcd.service and
ovsfabric-controller.service, gets a join token, starts openvswitch-switch.service and ovsfabric-agent.service,
checks that `systemctl is-active` says active for each and that the controller's journal has its start line, and
prints what it saw (systemctl, journalctl, ovsfabricctl hosts). Needs root, the built jars (mvn -B -DskipTests
package) and Debian's user-mode-linux. Holds /tmp/ovsfabric-uml.lock while the guest runs (one UML at a time).

options:
  --timeout SECS   kill the guest after SECS (default 900)
  --mem SIZE       guest memory (default 2G)
  --keep           keep the run dir (console.log: systemd's boot; init.log; output; rc) and print where it is
  --follow         copy the guest console to stderr while it runs

exit codes: 0 every unit active and the journal as expected; 1 something failed (the output says what);
124 the guest timed out; 125 the guest stopped without a result (the console's end is printed).
USAGE
}

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TIMEOUT=900 MEM=2G KEEP=no FOLLOW=no
ARGS=("$@")   # for the re-exec under the lock below (the parsing shifts them away)
while [ $# -gt 0 ]; do
  case $1 in
    --timeout) TIMEOUT=$2; shift 2 ;;
    --mem) MEM=$2; shift 2 ;;
    --keep) KEEP=yes; shift ;;
    --follow) FOLLOW=yes; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "systemd-check.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ $TIMEOUT =~ ^[0-9]+$ ]] || { echo "systemd-check.sh: --timeout must be seconds" >&2; exit 2; }
[[ $MEM =~ ^[0-9]+[MG]$ ]] || { echo "systemd-check.sh: --mem must look like 512M or 2G" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "systemd-check.sh: run as root" >&2; exit 2; }
UML=$(command -v linux.uml || true)
[ -n "$UML" ] || { echo "systemd-check.sh: linux.uml not found: apt-get install user-mode-linux (deploy/setup.sh does)" >&2; exit 125; }
[ -x /lib/systemd/systemd ] || { echo "systemd-check.sh: /lib/systemd/systemd not found: apt-get install systemd" >&2; exit 125; }
for m in controller agent ctl; do
  [ -f "$REPO/$m/target/ovsfabric-$m.jar" ] || { echo "systemd-check.sh: $m/target/ovsfabric-$m.jar missing: mvn -B -DskipTests package" >&2; exit 2; }
done

# One UML at a time on this machine: wait for the lock (the kernel-datapath lab takes it too).
if [ "${OVSFABRIC_UML_LOCKED:-}" != 1 ]; then
  exec env OVSFABRIC_UML_LOCKED=1 flock -o /tmp/ovsfabric-uml.lock "$0" "${ARGS[@]}"
fi

RUN_DIR=$(mktemp -d /tmp/ovsfabric-umlsd.XXXXXX)
UMID=ofsd$$
UML_PID=""
# shellcheck source=deploy/uml/lib.sh
. "$REPO/deploy/uml/lib.sh"
kill_guest() { uml_kill_guest "$RUN_DIR" "$UMID" "$UML_PID"; }
cleanup() {
  local rc=$?
  kill_guest
  if [ "$KEEP" = yes ]; then echo "systemd-check.sh: run dir kept: $RUN_DIR" >&2; else rm -rf "$RUN_DIR"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$RUN_DIR/uml"

# The XSAVE shim (xstate-shim.c): UML 6.1 panics at boot on this CPU without it.
PRELOAD=$(uml_shim "$RUN_DIR/shim-build.log")

t0=$(date +%s)
set +e
(
  cd "$RUN_DIR"
  exec setsid env ${PRELOAD:+LD_PRELOAD=$PRELOAD} timeout --kill-after=10 "$TIMEOUT" "$UML" mem="$MEM" rootfstype=hostfs rw \
    init="$REPO/deploy/uml/systemd-init.sh" umid="$UMID" uml_dir="$RUN_DIR/uml" \
    con=null con0=null,fd:1 ssl=null ovsfabric_io="$RUN_DIR" \
    </dev/null >"$RUN_DIR/console.log" 2>&1
) &
UML_PID=$!
[ "$FOLLOW" = no ] || tail -n +1 -F --pid="$UML_PID" "$RUN_DIR/console.log" >&2 2>/dev/null &
wait "$UML_PID"
uml_rc=$?
set -e
kill_guest
UML_PID=""
secs=$(($(date +%s) - t0))
[ ! -f "$RUN_DIR/output" ] || cat "$RUN_DIR/output"
if [ -f "$RUN_DIR/rc" ]; then
  n=$(cat "$RUN_DIR/rc")
  echo "systemd-check.sh: guest up ${secs}s; $n failure(s)" >&2
  [ "$n" = 0 ] && exit 0
  KEEP=yes; exit 1
fi
KEEP=yes
if [ "$uml_rc" -eq 124 ] || [ "$uml_rc" -eq 137 ]; then
  echo "systemd-check.sh: the guest did not finish within ${TIMEOUT}s and was killed" >&2; rc=124
else
  echo "systemd-check.sh: the guest stopped (linux.uml exit $uml_rc after ${secs}s) without a result" >&2; rc=125
fi
tail -n 30 "$RUN_DIR/console.log" | sed 's/^/  | /' >&2
[ ! -f "$RUN_DIR/init.log" ] || tail -n 20 "$RUN_DIR/init.log" | sed 's/^/  init| /' >&2
exit "$rc"
