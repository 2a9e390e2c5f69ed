# shellcheck shell=bash
# deploy/lab/report.sh: the connectivity matrix, the hosts/subnets/tunnels table and `status`.
# Sourced by deploy/lab.sh, never run.

# Lines "HOST CONTAINER IP" for the lab's own containers (hN-cM) on live hosts.
inventory() {
  local h name ip
  for h in $(live_hosts); do
    engine_ready "$h" >/dev/null 2>&1 || continue
    lab_docker "$h" ps --format '{{.Names}}' 2>/dev/null | grep -E "^$h-c[0-9]+\$" | sort -V | while read -r name; do
      ip=$(lab_docker "$h" inspect -f '{{.NetworkSettings.IPAddress}}' "$name" 2>/dev/null || true)
      echo "$h $name ${ip:--}"
    done
  done
}

# ping_round FILE_TODO FILE_OK: every pair still in TODO ("SRC_HOST SRC DST_IP") is tried once, one `docker exec`
# per source container, all sources in parallel; the pairs that answered move to OK.
ping_round() {
  local todo=$1 ok=$2 tmp src h
  tmp=$(mktemp -d "$STATE/ping.XXXX")
  for src in $(awk '{print $2}' "$todo" | sort -u); do
    h=$(awk -v s="$src" '$2 == s {print $1; exit}' "$todo")
    # shellcheck disable=SC2016
    lab_docker "$h" exec "$src" sh -c 'for t in "$@"; do ping -c 1 -W 2 "$t" >/dev/null 2>&1 && echo "$t"; done' sh \
      $(awk -v s="$src" '$2 == s {print $3}' "$todo") >"$tmp/$src" 2>/dev/null &
  done
  wait
  for src in $(awk '{print $2}' "$todo" | sort -u); do
    while read -r ip; do
      [ -n "$ip" ] && awk -v s="$src" -v d="$ip" '$2 == s && $3 == d' "$todo" >>"$ok"
    done <"$tmp/$src"
  done
  awk 'NR == FNR {done[$2 " " $3] = 1; next} !(($2 " " $3) in done)' "$ok" "$todo" >"$tmp/rest"
  mv "$tmp/rest" "$todo"
  rm -rf "$tmp"
}

# matrix [DEADLINE_SECONDS]: every container pings every other one by IP (retrying failed pairs until the
# deadline, as fresh tunnels and ARP settle), then prints the matrix. Fails if any pair never answered.
matrix() {
  local deadline=$((SECONDS + ${1:-60})) inv todo ok total n_ok src dst sip dip row w=5
  inv=$(inventory)
  [ -n "$inv" ] || { echo "no containers in lab $NAME"; return 1; }
  todo=$(mktemp "$STATE/todo.XXXX") ok=$(mktemp "$STATE/ok.XXXX")
  while read -r _ src sip; do
    while read -r _ dst dip; do
      [ "$src" = "$dst" ] || echo "$(awk -v s="$src" '$2 == s {print $1}' <<<"$inv") $src $dip"
    done <<<"$inv"
  done <<<"$inv" >"$todo"
  total=$(wc -l <"$todo")
  while [ -s "$todo" ]; do
    ping_round "$todo" "$ok"
    [ -s "$todo" ] && ((SECONDS < deadline)) || break
    sleep 1
  done
  n_ok=$(wc -l <"$ok")
  for src in $(awk '{print $2}' <<<"$inv"); do ((${#src} + 2 > w)) && w=$((${#src} + 2)); done
  echo "connectivity: ping by IP from every container (rows) to every other (columns)"
  printf "  %-${w}s" ""
  awk '{print $2}' <<<"$inv" | paste -sd' ' - | awk -v w="$w" '{for (i = 1; i < NF; i++) printf "%-" w "s", $i; print $NF}' 
  while read -r _ src sip; do
    row=$(printf "  %-${w}s" "$src")
    while read -r _ dst dip; do
      if [ "$src" = "$dst" ]; then row+=$(printf "%-${w}s" "-")
      elif grep -q "^[^ ]* $src $dip\$" "$ok"; then row+=$(printf "%-${w}s" "ok")
      else row+=$(printf "%-${w}s" "FAIL"); fi
    done <<<"$inv"
    echo "${row%"${row##*[! ]}"}"
  done <<<"$inv"
  echo "  $n_ok/$total pairs answered"
  rm -f "$todo" "$ok"
  [ "$n_ok" -eq "$total" ]
}

# Which lab hosts a host's OVS points at: peer underlay addresses in its tunnel ports and in its br0 flows.
ovs_peers() {
  local h=$1 me ip p
  me=$(host_ip "$h")
  { host_ovs "$h" ovs-vsctl show 2>/dev/null
    host_ovs "$h" ovs-ofctl -O OpenFlow10,OpenFlow11,OpenFlow12,OpenFlow13,OpenFlow14,OpenFlow15 dump-flows br0 2>/dev/null
  } | grep -oE "$UNDERLAY_NET\.[0-9]+" | sort -uV | while read -r ip; do
    [ "$ip" = "$me" ] && continue
    p=$(grep -l "^UNDERLAY_IP=$ip\$" "$STATE"/hosts/*/host.env 2>/dev/null | head -1)
    if [ -n "$p" ]; then basename "$(dirname "$p")"; else echo "$ip"; fi
  done | paste -sd' ' -
}

# "HOST SUBNET" lines from the controller's host table (columns found by their header).
controller_subnets() {
  lab_ctl hosts 2>/dev/null \
    | awk 'NR == 1 {for (i = 1; i <= NF; i++) {if ($i == "HOST") h = i; if ($i == "SUBNET") s = i}; next}
           h && s {print $h, $s}' || true
}

# The data plane as each host's kernel and OVS see it, with the subnet the controller gave the host.
hosts_table() {
  local h ns fmt="  %-5s %-8s %-12s %-17s %-17s %-5s %-4s %s\n" d0 gre state subnets
  subnets=$(controller_subnets)
  echo "hosts (subnet from the controller; the rest from each host's kernel and OVS):"
  # shellcheck disable=SC2059
  printf "$fmt" HOST STATE UNDERLAY SUBNET DOCKER0 MTU GRE "PEERS IN OVS (tunnel ports and br0 flows)"
  for h in $(lab_hosts); do
    ns=$(host_ns "$h")
    if [ -e "$(host_dir "$h")/killed" ]; then
      # shellcheck disable=SC2059
      printf "$fmt" "$h" killed "$(host_ip "$h")" "$(awk -v h="$h" '$1 == h {print $2}' <<<"$subnets")" - - - -
      continue
    fi
    state=up
    tracked_pid "$h-agent" >/dev/null || state=no-agent
    d0=$(ip -n "$ns" -4 -o addr show dev docker0 2>/dev/null | awk '{print $4}' | head -1)
    gre=$(host_ovs "$h" ovs-vsctl --bare --columns=name find Interface type=gre 2>/dev/null | grep -c . || true)
    # shellcheck disable=SC2059
    printf "$fmt" "$h" "$state" "$(host_ip "$h")" "$(awk -v h="$h" '$1 == h {print $2}' <<<"$subnets")" "${d0:--}" \
      "$(ip -n "$ns" -o link show dev docker0 2>/dev/null | grep -oE 'mtu [0-9]+' | cut -d' ' -f2 || echo -)" \
      "$gre" "$(ovs_peers "$h")"
  done
}

containers_table() {
  echo "containers:"
  inventory | awk '{printf "  %-5s %-8s %s\n", $1, $2, $3}'
}

# The etcd members: process, endpoint, role, raft term. Fails if any member is down or there is no leader.
etcd_table() {
  local lines rc=0
  lines=$(etcd_status_lines)
  echo "etcd members (clients use $(etcd_endpoints)):"
  awk '{printf "  %-4s %-24s %-9s %s\n", $1, $2, $3, ($4 == "-" ? "" : "raft term " $4)}' <<<"$lines"
  grep -q ' DOWN ' <<<"$lines" && rc=1
  grep -q ' leader ' <<<"$lines" || { echo "  no leader: etcd has no quorum"; rc=1; }
  return "$rc"
}

controller_view() {
  echo "controller view (ovsfabricctl hosts):"
  lab_ctl hosts 2>&1 | sed 's/^/  /' || true
}

status() {
  [ -f "$STATE/lab.env" ] || { echo "lab $NAME: not up (no state in $STATE)"; return 1; }
  local bad=0 f role pid ns
  echo "lab $NAME: state dir $STATE, $(cat "$STATE/controllers") controller(s), $(etcd_members) etcd member(s), hosts: $(lab_hosts | tr '\n' ' ')"
  echo "namespaces: $(lab_namespaces | tr '\n' ' ')"
  echo "processes started by the lab:"
  for f in "$STATE"/pids/*.pid; do
    [ -e "$f" ] || continue
    role=$(basename "$f" .pid)
    if pid=$(tracked_pid "$role"); then
      printf "  %-18s pid %-8s running\n" "$role" "$pid"
    else
      printf "  %-18s %-12s GONE (log: %s)\n" "$role" "" "$LOGS/$role.log"
      bad=1
    fi
  done
  for ns in "$NS_SW" "$NS_CTRL" "$NS_OUT"; do
    lab_namespaces | grep -qx "$ns" || { echo "  namespace $ns is MISSING"; bad=1; }
  done
  echo
  etcd_table || bad=1
  local p; p=$(for h in $(live_hosts); do [ ! -e "$(host_dir "$h")/partitioned" ] || echo "$h"; done | paste -sd' ' -)
  [ -z "$p" ] || echo "partitioned from the controllers and etcd: $p (deploy/lab.sh heal hN)"
  echo
  hosts_table
  echo
  containers_table
  echo
  controller_view
  return "$bad"
}
