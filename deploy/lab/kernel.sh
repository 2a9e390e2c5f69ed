# deploy/lab/kernel.sh: the kernel-datapath lab, sourced by deploy/lab.sh. See docs/kernel-lab.md.
#
# `deploy/lab.sh up --kernel-datapath ...` boots a persistent user-mode-linux guest (deploy/uml/guest.sh: a real
# kernel 6.1 with openvswitch and GRE modules) and runs the same lab.sh, unchanged, inside it: there every host's
# OVS gets datapath `system` (the agent's `auto` finds /sys/module/openvswitch) and GRE is kernel GRE. Every
# later lab.sh command of that lab name (exec, docker, ctl, matrix, status, add-host, kill-host, the faults ...) is
# forwarded into the guest, with its stdout, stderr and exit code; `down` takes the lab down and powers the guest
# off.
#
# Host side, the lab's state dir (STATE) holds: .ovsfabric-lab and kernel-lab (the markers), uml/ (the guest's run
# dir: console.log, init.log, serve.log, req/), hosts/hN[/killed] (mirrored from the guest after each command that
# changes hosts) and logs/ (copied from the guest by `sync-logs` and before `down`). Inside the guest the lab
# lives in /var/lib/ovsfabric-lab/NAME, on the guest's tmpfs.
#
# Run as a script, in the guest only: kernel.sh --guest-mirror HOST_STATE GUEST_STATE [logs] -- CMD... runs CMD,
# then mirrors the hosts (and logs) to the host's state dir, and exits with CMD's code.

KERNEL_GUEST_STATE_ROOT=/var/lib/ovsfabric-lab

kernel_usage() {
  cat <<'EOF'

kernel-datapath lab (docs/kernel-lab.md):
  up --kernel-datapath [--uml-mem SIZE] [--uml-nice N] [UP OPTIONS...]
                      the same lab inside a user-mode-linux guest (real kernel 6.1, run in the background): OVS on
                      datapath system with kernel GRE, picked by the agents' auto detection. --uml-mem: guest memory
                      (default 3G); --uml-nice: its CPU priority on the host (default 0). Every later command of
                      that lab name (exec, docker, ctl, matrix, status, add-host, kill-host, restart-agent, the
                      faults) runs inside the guest; down also powers the guest off. One guest at a time per
                      machine (/tmp/ovsfabric-uml.lock). Everything is 5-10x slower than the namespace lab.
  sync-logs           (kernel lab) copy the guest's lab logs to STATE/logs on the host
EOF
}

kernel_lab_on() { [ -f "$STATE/kernel-lab" ]; }
kernel_guest_dir() { echo "$STATE/uml"; }
kernel_guest_state() { echo "$KERNEL_GUEST_STATE_ROOT/$NAME"; }

# kernel_lab_dispatch CMD ARGS...: handles CMD and exits when it is for a kernel lab (up --kernel-datapath, or any
# command while this lab name's state says kernel-lab); returns without doing anything otherwise, and always
# inside a UML guest (there lab.sh runs the ordinary lab).
kernel_lab_dispatch() {
  local cmd=$1 a kernel=no
  shift
  [ -z "${OVSFABRIC_UML:-}" ] || return 0
  if [ "$cmd" = up ]; then
    for a in "$@"; do [ "$a" != --kernel-datapath ] || kernel=yes; done
  fi
  if [ "$kernel" = no ] && ! kernel_lab_on; then return 0; fi
  need_root
  case $cmd in
    up) kernel_up "$@" ;;
    down) kernel_down "$@" ;;
    sync-logs) kernel_sync_logs ;;
    status) kernel_status ;;
    add-host|kill-host|restart-agent|restart-engine) kernel_forward mirror "$cmd" "$@" ;;
    *) kernel_forward plain "$cmd" "$@" ;;
  esac
  exit $?
}

# kernel_forward plain|mirror|logs CMD ARGS...: lab.sh CMD ARGS... inside the guest (mirror: then the hosts are
# mirrored to the host's state dir; logs: the logs too).
kernel_forward() {
  local mode=$1 gdir envs=() v
  shift
  gdir=$(kernel_guest_dir)
  deploy_uml_guest status --dir "$gdir" >/dev/null 2>&1 \
    || die "lab $NAME is a kernel-datapath lab but its UML guest is not running ($gdir/console.log tells why); remove it with: deploy/lab.sh --name $NAME down"
  for v in OVSFABRIC_LAB_BIN OVSFABRIC_HOME; do [ -z "${!v:-}" ] || envs+=("$v=${!v}"); done
  if [ "$mode" = plain ]; then
    deploy_uml_guest exec --dir "$gdir" -- env "${envs[@]}" "$REPO/deploy/lab.sh" --name "$NAME" \
      --state-dir "$(kernel_guest_state)" "$@"
  else
    deploy_uml_guest exec --dir "$gdir" -- env "${envs[@]}" bash "$REPO/deploy/lab/kernel.sh" --guest-mirror \
      "$STATE" "$(kernel_guest_state)" "$mode" -- "$REPO/deploy/lab.sh" --name "$NAME" --state-dir "$(kernel_guest_state)" "$@"
  fi
}

deploy_uml_guest() { bash "$REPO/deploy/uml/guest.sh" "$@"; }

kernel_up() {
  local args=() mem=3G nice=0 rc=0 t0=$SECONDS BUILD=yes
  while [ $# -gt 0 ]; do
    case $1 in
      --kernel-datapath) shift ;;
      --no-build) BUILD=no; shift ;;
      --uml-mem) mem=${2:?--uml-mem needs a size}; shift 2 ;;
      --uml-nice) nice=${2:?--uml-nice needs a number}; shift 2 ;;
      *) args+=("$1"); shift ;;
    esac
  done
  if [ -n "$(lab_namespaces)" ] || { [ -d "$STATE" ] && ! kernel_lab_on && [ -f "$STATE/lab.env" ]; }; then
    die "a namespace lab named $NAME exists on this machine; take it down first (deploy/lab.sh --name $NAME down) or pick another name"
  fi
  if [ -e "$STATE" ] && [ ! -f "$STATE/.ovsfabric-lab" ] && [ -n "$(ls -A "$STATE" 2>/dev/null)" ]; then
    die "$STATE exists but is not a lab state dir (no .ovsfabric-lab marker): refusing to touch it"
  fi
  if kernel_lab_on; then
    progress "removing the previous kernel lab $NAME (its guest)"
    deploy_uml_guest stop --dir "$(kernel_guest_dir)" --grace 60 || true
  fi
  rm -rf "$STATE"
  mkdir -p "$STATE/hosts" "$STATE/logs"
  echo "$NAME" >"$STATE/.ovsfabric-lab"
  printf 'GUEST_DIR=%s\nGUEST_STATE=%s\nUML_MEM=%s\nCREATED=%s\n' "$(kernel_guest_dir)" "$(kernel_guest_state)" "$mem" \
    "$(date -Is)" >"$STATE/kernel-lab"
  preflight linux.uml gcc   # on the host: the guest runs the host's own packages and jars (hostfs root)
  progress "kernel-datapath lab $NAME: booting a user-mode-linux guest (mem $mem), then 'lab.sh up ${args[*]}' inside it"
  deploy_uml_guest start --dir "$(kernel_guest_dir)" --mem "$mem" --nice "$nice" \
    || die "the UML guest did not boot (console: $(kernel_guest_dir)/console.log)"
  kernel_forward mirror up --no-build "${args[@]}" || rc=$?
  if [ "$rc" -ne 0 ]; then
    die "lab.sh up failed inside the guest (exit $rc); the guest keeps running for a look (deploy/lab.sh --name $NAME exec h1 ..., sync-logs); remove it with: deploy/lab.sh --name $NAME down"
  fi
  progress "kernel-datapath lab $NAME is up in $((SECONDS - t0))s (UML guest: $(deploy_uml_guest status --dir "$(kernel_guest_dir)"))"
}

kernel_down() {
  local gdir rc=0
  gdir=$(kernel_guest_dir)
  if deploy_uml_guest status --dir "$gdir" >/dev/null 2>&1; then
    kernel_forward logs down "$@" || rc=$?
    [ "$rc" -eq 0 ] || progress "WARNING: lab.sh down inside the guest failed (exit $rc); powering the guest off anyway"
    deploy_uml_guest stop --dir "$gdir" --grace 60
  fi
  rm -rf "$STATE"
  case $(basename "$(dirname "$STATE")") in lab-state|ovsfabric-lab) rmdir "$(dirname "$STATE")" 2>/dev/null || true ;; esac
  progress "kernel-datapath lab $NAME is down (guest powered off, state removed)"
}

kernel_sync_logs() {
  kernel_forward logs status >/dev/null 2>&1 || true
  echo "logs of lab $NAME copied to $STATE/logs"
}

kernel_status() {
  echo "kernel-datapath lab $NAME: UML guest $(deploy_uml_guest status --dir "$(kernel_guest_dir)" || true)"
  kernel_forward plain status
}

# ---- guest side --------------------------------------------------------------------------------------------
kernel_guest_mirror() {
  local hstate=$1 gstate=$2 mode=$3 rc=0 h d
  shift 4   # the three and --
  [ "$mode" != logs ] || kernel_copy_logs "$gstate" "$hstate"   # before: down removes them
  "$@" || rc=$?
  if [ -d "$hstate" ]; then
    mkdir -p "$hstate/hosts"
    for d in "$gstate"/hosts/h*; do
      [ -d "$d" ] || continue
      h=$(basename "$d")
      mkdir -p "$hstate/hosts/$h"
      if [ -e "$d/killed" ]; then cp "$d/killed" "$hstate/hosts/$h/killed"; else rm -f "$hstate/hosts/$h/killed"; fi
    done
    for d in "$hstate"/hosts/h*; do [ -d "$d" ] && [ ! -d "$gstate/hosts/$(basename "$d")" ] && rm -rf "$d"; done
  fi
  return "$rc"
}

kernel_copy_logs() {
  [ -d "$1/logs" ] && [ -d "$2" ] || return 0
  mkdir -p "$2/logs"; cp -f "$1"/logs/*.log "$2/logs/" 2>/dev/null || true
}

if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "${1:-}" = --guest-mirror ]; then
  shift
  kernel_guest_mirror "$@"
  exit $?
fi
