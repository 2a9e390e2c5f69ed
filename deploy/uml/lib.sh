# deploy/uml/lib.sh: what deploy/uml/run.sh, guest.sh and systemd-check.sh share. Sourced, never run.

# uml_shim LOG: builds the XSAVE shim (deploy/uml/xstate-shim.c) when missing or older than its source and prints
# the path to LD_PRELOAD into linux.uml, or nothing if it cannot be built (a warning goes to stderr; UML then
# panics at boot on CPUs whose XSAVE area is larger than UML's, e.g. with AVX-512 or AMX).
uml_shim() {
  local repo src shim
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  src=$repo/deploy/uml/xstate-shim.c shim=$repo/deploy/uml/.build/xstate-shim.so
  if [ ! -f "$shim" ] || [ "$src" -nt "$shim" ]; then
    mkdir -p "$(dirname "$shim")"
    cc -O2 -Wall -shared -fPIC -o "$shim.tmp.$$" "$src" -ldl 2>"$1" && mv "$shim.tmp.$$" "$shim" \
      || echo "uml: WARNING: cannot build $src (cc and libc6-dev missing?); UML may panic on this CPU" >&2
  fi
  [ ! -f "$shim" ] || echo "$shim"
}

# uml_kill_guest RUN_DIR UMID [LAUNCHER_PID]: SIGKILL to the launcher's process group (timeout's, when given) and to
# the UML kernel's own one (linux.uml makes a process group of its own; its pid is in RUN_DIR/uml/UMID/pid). Only
# processes of that run: both groups were made by it.
uml_kill_guest() {
  local kpid
  [ -z "${3:-}" ] || kill -KILL -- "-$3" 2>/dev/null || true
  kpid=$(cat "$1/uml/$2/pid" 2>/dev/null || true)
  [[ $kpid =~ ^[0-9]+$ ]] && kill -KILL -- "-$kpid" 2>/dev/null || true
}
