#!/usr/bin/env bash
# deploy/uml/serve.sh: the command server of a persistent UML guest (deploy/uml/guest.sh start). Runs INSIDE the
# guest, started by deploy/uml/init.sh in place of a one-shot command; not for running by hand.
#
# The channel is the run dir, shared with the host through hostfs and bound at /run/uml-io. hostfs writes go
# straight to the host file and hostfs keeps no dentries, so both sides see each other's files at once:
#   host:  mkdir req/.new-ID; write cmd (bash words), cwd, [stdin]; create stdout, stderr; mv req/.new-ID req/ID
#   guest: runs bash req/ID/cmd in cwd, stdout/stderr appended to req/ID/stdout and req/ID/stderr as they come,
#          then writes req/ID/rc (via rc.tmp and a rename, so rc is whole once it exists)
#   host:  touch req/ID/cancel: the guest sends SIGTERM to the command's process group (SIGKILL 5 s later)
#   host:  mkdir req/.new-ID; touch poweroff; mv to req/ID: the server stops and init powers the guest off
# Requests run concurrently, each in its own process group. The idle loop forks nothing (bash builtins only).
set -u
IO=${1:?usage: serve.sh IO_DIR}
REQ=$IO/req
mkdir -p "$REQ"
mkfifo /run/uml-serve.tick 2>/dev/null || true
exec 7<>/run/uml-serve.tick   # read -t on it is a sleep without a fork
tick() { read -r -t "$1" -u 7 _ || true; }

# handle DIR: one request, in the background of the server.
handle() {
  local r=$1 cwd=/ in=/dev/null pid rc waited
  [ -f "$r/cwd" ] && cwd=$(<"$r/cwd")
  [ -f "$r/stdin" ] && in=$r/stdin
  # setsid: its own process group, so that a cancel reaches everything the command started
  (cd "$cwd" 2>/dev/null || cd /; exec setsid bash "$r/cmd") <"$in" >>"$r/stdout" 2>>"$r/stderr" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if [ -e "$r/cancel" ]; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
      waited=0
      while kill -0 "$pid" 2>/dev/null && ((waited < 50)); do tick 0.1; waited=$((waited + 1)); done
      kill -KILL -- "-$pid" 2>/dev/null || true
      break
    fi
    tick 0.1
  done
  wait "$pid"; rc=$?
  echo "$rc" >"$r/rc.tmp" && mv "$r/rc.tmp" "$r/rc"
}

declare -A seen=()
echo "$(cut -d' ' -f1 /proc/uptime)" >"$IO/ready.tmp" && mv "$IO/ready.tmp" "$IO/ready"
echo "uml-serve: serving requests in $REQ"
while :; do
  for d in "$REQ"/*/; do
    [ -d "$d" ] || continue
    d=${d%/}; id=${d##*/}
    [ -z "${seen[$id]:-}" ] || continue
    seen[$id]=1
    if [ -e "$d/poweroff" ]; then
      echo "uml-serve: poweroff requested ($id)"
      echo 0 >"$d/rc.tmp" && mv "$d/rc.tmp" "$d/rc"
      exit 0
    fi
    handle "$d" &
  done
  # forget requests the host has removed (their ids never come back)
  for id in "${!seen[@]}"; do [ -d "$REQ/$id" ] || unset "seen[$id]"; done
  tick 0.1
done
