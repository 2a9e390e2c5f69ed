# shellcheck shell=bash
# deploy/lab/net.sh: the lab's namespaces, underlay switch, controller/etcd namespace, "outside" namespace
# and per-host OVS, agent and Docker engine. Sourced by deploy/lab.sh, never run.

UNDERLAY_NET=192.0.2            # /24, only ever inside the lab's own namespaces
UNDERLAY_BRIDGE=br-underlay     # Linux bridge in the switch namespace
OUTSIDE_IP=$UNDERLAY_NET.100
CONTROLLER_PORT=7070
# /metrics (Prometheus text): every controller on its own address, every agent on its underlay address
CONTROLLER_METRICS_PORT=9090
AGENT_METRICS_PORT=9091
OVS_SCHEMA=/usr/share/openvswitch/vswitch.ovsschema
# TLS (docs/lab.md, "TLS in the lab"): the fabric CA and what it issued (controllers, the lab's admin) in $PKI; etcd's
# own CA and its members' and clients' certificates in $ETCD_PKI. TLS=no only after `up --insecure`.
PKI=$STATE/pki
ETCD_PKI=$STATE/etcd-pki
LAB_ADMIN=lab
lab_tls() { [ "${TLS:-yes}" = yes ]; }

NS_SW=$NAME-sw NS_CTRL=$NAME-ctrl NS_OUT=$NAME-out

host_dir() { echo "$STATE/hosts/$1"; }
host_ns() { echo "$NAME-$1"; }
host_index() { echo "${1#h}"; }
host_ip() { echo "$UNDERLAY_NET.$((10 + $(host_index "$1")))"; }
controller_ip() { echo "$UNDERLAY_NET.$((1 + $1))"; }      # controller i (1-based) at .2, .3, ...
# The controller(s) host hN's agent is given. Agents are spread round-robin over the controllers (h1 -> c1,
# h2 -> c2, ...); with AGENT_CONTROLLERS=all (an agent that fails over) every controller follows, its own first.
host_controller() {
  local k i first all=(); k=$(cat "$STATE/controllers")
  first=$(( ($(host_index "$1") - 1) % k + 1 ))
  all+=("$(controller_ip "$first"):$CONTROLLER_PORT")
  if [ "${AGENT_CONTROLLERS:-one}" = all ]; then
    for ((i = 1; i <= k; i++)); do ((i == first)) || all+=("$(controller_ip "$i"):$CONTROLLER_PORT"); done
  fi
  (IFS=,; echo "${all[*]}")
}
# The controller `ctl` and the reports talk to: the first one that listens now (c1 unless it is down).
first_controller() {
  local i k; k=$(cat "$STATE/controllers" 2>/dev/null || echo 1)
  for ((i = 1; i <= k; i++)); do
    controller_listening "$i" 2>/dev/null && { echo "$(controller_ip "$i"):$CONTROLLER_PORT"; return 0; }
  done
  echo "$(controller_ip 1):$CONTROLLER_PORT"
}

# All hosts ever added (killed ones too), in numeric order; live_hosts leaves the killed ones out.
lab_hosts() { [ -d "$STATE/hosts" ] && ls "$STATE/hosts" | grep -E '^h[0-9]+$' | sort -V || true; }
live_hosts() { local h; for h in $(lab_hosts); do [ -e "$(host_dir "$h")/killed" ] || echo "$h"; done; }

# Every namespace of this lab that exists now (by exact name pattern, so other labs are never matched).
lab_namespaces() {
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${NAME}-(sw|ctrl|out|h[0-9]+)\$" || true
}

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# ---- underlay --------------------------------------------------------------------------------------------
# attach NETNS PORT IP/PLEN...: a veth from NETNS (named eth1 there, like a host's second NIC) to the switch.
# On the userspace datapath TX checksum offload is off on both ends: userspace OVS would otherwise forward
# unfinished checksums. On a kernel with the openvswitch module (the kernel lab) it stays on, as on a real NIC:
# turning it off also turns off TSO, so every GRE segment would cross the underlay on its own, and the bench's
# VXLAN baseline (whose veths keep their offloads) would be measured against a handicapped fabric.
attach() {
  local ns=$1 port=$2; shift 2
  ip link add name eth1 netns "$ns" mtu "${UNDERLAY_MTU:-1500}" type veth peer name "$port" netns "$NS_SW" \
    mtu "${UNDERLAY_MTU:-1500}"
  if ! lab_kernel_datapath; then
    in_ns "$NS_SW" ethtool -K "$port" tx off >/dev/null
    in_ns "$ns" ethtool -K eth1 tx off >/dev/null
  fi
  ip -n "$NS_SW" link set "$port" master "$UNDERLAY_BRIDGE" up
  local a
  for a in "$@"; do ip -n "$ns" addr add "$a" dev eth1; done
  ip -n "$ns" link set eth1 up
}

# The kernel has the openvswitch module loaded (inside the kernel lab's UML guest): hosts' OVS run datapath system.
lab_kernel_datapath() { [ -d /sys/module/openvswitch ]; }

new_ns() { ip netns add "$1"; ip -n "$1" link set lo up; }

underlay_up() {
  step "underlay: switch namespace $NS_SW with bridge $UNDERLAY_BRIDGE ($UNDERLAY_NET.0/24)"
  new_ns "$NS_SW"
  ip -n "$NS_SW" link add "$UNDERLAY_BRIDGE" type bridge
  ip -n "$NS_SW" link set "$UNDERLAY_BRIDGE" up
  local i addrs=()
  for ((i = 1; i <= CONTROLLERS; i++)); do addrs+=("$(controller_ip "$i")/24"); done
  step "underlay: controller namespace $NS_CTRL at ${addrs[*]}"
  new_ns "$NS_CTRL"
  attach "$NS_CTRL" ctrl "${addrs[@]}"
  step "underlay: outside namespace $NS_OUT at $OUTSIDE_IP (a server beyond the fabric, for NAT)"
  new_ns "$NS_OUT"
  attach "$NS_OUT" out "$OUTSIDE_IP/24"
}

# ---- containerd (one for the whole lab; each host's engine uses its own containerd namespace) -------------
containerd_up() {
  local d=$STATE/containerd log=$LOGS/containerd.log
  step "containerd (lab-private socket $d/containerd.sock)" "$log"
  mkdir -p "$d"
  cat >"$d/config.toml" <<EOF
version = 2
root = "$d/root"
state = "$d/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$d/containerd.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$d/opt"
EOF
  spawn containerd "$log" containerd --config "$d/config.toml"
  await containerd 30 "containerd opens $d/containerd.sock" "$log" test -S "$d/containerd.sock"
}

# ---- etcd and controllers --------------------------------------------------------------------------------
# etcd member eI (1-based) listens on the controller namespace's loopback: clients on 2379, 2389, 2399, ...,
# peers on 2380, 2390, 2400, ... (e1 keeps etcd's usual ports). All members form one cluster.
etcd_members() { cat "$STATE/etcd-members" 2>/dev/null || echo 1; }
etcd_scheme() { if lab_tls; then echo https; else echo http; fi; }
etcd_client_url() { echo "$(etcd_scheme)://127.0.0.1:$((2379 + 10 * ($1 - 1)))"; }
etcd_peer_url() { echo "$(etcd_scheme)://127.0.0.1:$((2380 + 10 * ($1 - 1)))"; }
etcd_endpoints() { # every member's client URL, comma-separated (what the controllers get)
  local i n urls=(); n=$(etcd_members)
  for ((i = 1; i <= n; i++)); do urls+=("$(etcd_client_url "$i")"); done
  (IFS=,; echo "${urls[*]}")
}
etcd_initial_cluster() {
  local i n c=(); n=$(etcd_members)
  for ((i = 1; i <= n; i++)); do c+=("e$i=$(etcd_peer_url "$i")"); done
  (IFS=,; echo "${c[*]}")
}
etcd_index() { [[ ${1:-} =~ ^e([0-9]+)$ ]] && ((BASH_REMATCH[1] >= 1 && BASH_REMATCH[1] <= $(etcd_members))) && echo "${BASH_REMATCH[1]}"; }

# etcd_tls_flags I: member eI serves clients and peers over TLS with its certificate of the etcd CA and accepts only
# clients and peers with a certificate of that CA (--client-cert-auth, --peer-client-cert-auth).
etcd_tls_flags() {
  lab_tls || return 0
  local c=$ETCD_PKI/member-e$1
  echo --cert-file "$c.crt" --key-file "$c.key" --client-cert-auth --trusted-ca-file "$ETCD_PKI/ca.crt" \
    --peer-cert-file "$c.crt" --peer-key-file "$c.key" --peer-client-cert-auth --peer-trusted-ca-file "$ETCD_PKI/ca.crt"
}

# etcd_start I: member eI with its own data dir. The same flags start a new member and restart one: with a data dir
# in place, etcd ignores the --initial-* flags and rejoins the cluster it belongs to.
etcd_start() {
  local i=$1 log=$LOGS/etcd-e$1.log
  mkdir -p "$STATE/ctrl"
  # shellcheck disable=SC2046  # the TLS flags are words (paths without spaces: the state dir is checked)
  spawn "etcd-e$i" "$log" ip netns exec "$NS_CTRL" etcd --name "e$i" --data-dir "$STATE/ctrl/etcd-e$i" \
    --listen-client-urls "$(etcd_client_url "$i")" --advertise-client-urls "$(etcd_client_url "$i")" \
    --listen-peer-urls "$(etcd_peer_url "$i")" --initial-advertise-peer-urls "$(etcd_peer_url "$i")" \
    --initial-cluster "$(etcd_initial_cluster)" --initial-cluster-token "$NAME-etcd" --initial-cluster-state new \
    $(etcd_tls_flags "$i")
}

# lab_etcdctl ARGS...: etcdctl in the controller namespace with the lab's etcd client certificate (ETCDCTL_* variables,
# so that ARGS may still name --endpoints).
etcdctl_env() {
  lab_tls || return 0
  echo ETCDCTL_CACERT="$ETCD_PKI/ca.crt" ETCDCTL_CERT="$ETCD_PKI/client-$LAB_ADMIN.crt" ETCDCTL_KEY="$ETCD_PKI/client-$LAB_ADMIN.key"
}
# shellcheck disable=SC2046
lab_etcdctl() { in_ns "$NS_CTRL" env $(etcdctl_env) etcdctl "$@"; }

etcd_healthy() { lab_etcdctl --endpoints "$(etcd_client_url "$1")" --command-timeout 2s endpoint health; }

# etcd_status_lines: "eI URL leader|follower|DOWN RAFT_TERM" per member (from etcdctl endpoint status).
etcd_status_lines() {
  local i n line; n=$(etcd_members)
  for ((i = 1; i <= n; i++)); do
    # simple format: ENDPOINT, ID, VERSION, DB SIZE, IS LEADER, IS LEARNER, RAFT TERM, RAFT INDEX, ...
    line=$(lab_etcdctl --endpoints "$(etcd_client_url "$i")" --dial-timeout 1s --command-timeout 2s \
      endpoint status -w simple 2>/dev/null | head -1) || line=
    if [ -z "$line" ]; then echo "e$i $(etcd_client_url "$i") DOWN -"; continue; fi
    awk -F', ' -v m="e$i" '{print m, $1, ($5 == "true" ? "leader" : "follower"), $7}' <<<"$line"
  done
}

etcd_leader() { etcd_status_lines | awk '$3 == "leader" {print $1; exit}'; }

controller_count() { cat "$STATE/controllers"; }
controller_index() { [[ ${1:-} =~ ^c([0-9]+)$ ]] && ((BASH_REMATCH[1] >= 1 && BASH_REMATCH[1] <= $(controller_count))) && echo "${BASH_REMATCH[1]}"; }

# controller_tls_flags I: cI's gRPC certificate, the fabric CA and its key (for joins) from $PKI; its etcd client
# certificate from $ETCD_PKI. --insecure after `up --insecure`.
controller_tls_flags() {
  lab_tls || { echo --insecure; return 0; }
  echo --pki-dir "$PKI" --etcd-cacert "$ETCD_PKI/ca.crt" \
    --etcd-cert "$ETCD_PKI/client-c$1.crt" --etcd-key "$ETCD_PKI/client-c$1.key"
}

# controller_start I: controller cI with the flags of `up` (from lab.env), every etcd member, its name in the election.
controller_start() {
  local i=$1 log=$LOGS/controller-c$1.log
  # shellcheck disable=SC2046
  spawn "controller-c$i" "$log" ip netns exec "$NS_CTRL" "$BIN/ovsfabric-controller" serve $(controller_tls_flags "$i") \
    --etcd "$(etcd_endpoints)" --listen "$(controller_ip "$i"):$CONTROLLER_PORT" --controller-id "c$i" \
    --http-listen "$(controller_ip "$i"):$CONTROLLER_METRICS_PORT" \
    --fabric-cidr "$FABRIC_CIDR" --host-prefix "$HOST_PREFIX" --lease-ttl "$LEASE_TTL" --reclaim-grace "$RECLAIM_GRACE" \
    ${TUNNEL_KEY:+--tunnel-key "$TUNNEL_KEY"} ${UNDERLAY_MTU:+--underlay-mtu "$UNDERLAY_MTU"}
}

# pki_up: the fabric CA (ovsfabricctl pki init) with a certificate per controller (its underlay IP as SAN) and one
# for the lab's admin (lab.sh ctl, the reports), and etcd's own CA with a certificate per member (server and peer,
# 127.0.0.1) and a client certificate per controller and for the lab's etcdctl. Made once per `up`; restarts reuse them.
pki_up() {
  lab_tls || { progress "TLS is off (up --insecure): plaintext gRPC and etcd"; return 0; }
  local i c n log=$LOGS/pki.log
  n=$(etcd_members)
  step "TLS: fabric CA in $PKI (ovsfabricctl pki init), controller certificates c1..c$CONTROLLERS, admin '$LAB_ADMIN'" "$log"
  pki init --dir "$PKI" --name "ovsfabric-lab-$NAME"
  for ((i = 1; i <= CONTROLLERS; i++)); do pki issue-controller "c$i" --dir "$PKI" --ip "$(controller_ip "$i")"; done
  pki issue-admin "$LAB_ADMIN" --dir "$PKI"
  step "TLS: etcd CA in $ETCD_PKI, member certificates e1..e$n (127.0.0.1), client certificates c1..c$CONTROLLERS" "$log"
  pki init --dir "$ETCD_PKI" --name "ovsfabric-lab-$NAME-etcd"
  # etcd reads only the chain, the key usages and the IP SAN: a "controller" certificate (serverAuth + clientAuth)
  # serves a member's clients and peers, an "admin" one (clientAuth) is a client. Renamed for what they are here.
  for ((i = 1; i <= n; i++)); do
    pki issue-controller "e$i" --dir "$ETCD_PKI" --ip 127.0.0.1
    etcd_pki_name "controller-e$i" "member-e$i"
  done
  for c in $(seq 1 "$CONTROLLERS" | sed 's/^/c/') "$LAB_ADMIN"; do
    pki issue-admin "$c" --dir "$ETCD_PKI"
    etcd_pki_name "admin-$c" "client-$c"
  done
}
etcd_pki_name() { mv "$ETCD_PKI/$1.crt" "$ETCD_PKI/$2.crt"; mv "$ETCD_PKI/$1.key" "$ETCD_PKI/$2.key"; }

pki() { "$BIN/ovsfabricctl" pki "$@" >>"$LOGS/pki.log" 2>&1 || die "ovsfabricctl pki $* failed" "$LOGS/pki.log"; }

# lab_ctl [--at HOST:PORT] ARGS...: ovsfabricctl in the controller namespace as the lab's admin, against the first
# controller that listens (or HOST:PORT).
ctl_tls_flags() {
  if lab_tls; then
    echo --tls-ca "$PKI/ca.crt" --tls-cert "$PKI/admin-$LAB_ADMIN.crt" --tls-key "$PKI/admin-$LAB_ADMIN.key"
  else
    echo --insecure
  fi
}
# The same as environment variables (ovsfabricctl reads OVSFABRIC_TLS_*), for `lab.sh exec ctrl`.
ctl_tls_env() {
  lab_tls || return 0
  echo OVSFABRIC_TLS_CA="$PKI/ca.crt" OVSFABRIC_TLS_CERT="$PKI/admin-$LAB_ADMIN.crt" OVSFABRIC_TLS_KEY="$PKI/admin-$LAB_ADMIN.key"
}
# CTL_TIMEOUT=SECONDS lab_ctl ...: gives up after that long.
lab_ctl() {
  local at
  if [ "${1:-}" = --at ]; then at=$2; shift 2; else at=$(first_controller); fi
  # shellcheck disable=SC2046
  in_ns "$NS_CTRL" timeout "${CTL_TIMEOUT:-0}" "$BIN/ovsfabricctl" $(ctl_tls_flags) --controller "$at" "$@"
}

control_plane_up() {
  local i n log
  n=$(etcd_members)
  pki_up
  step "etcd: $n member(s) e1..e$n in $NS_CTRL on its loopback, clients at $(etcd_endpoints)" "$LOGS/etcd-e1.log"
  for ((i = 1; i <= n; i++)); do etcd_start "$i"; done
  for ((i = 1; i <= n; i++)); do
    log=$LOGS/etcd-e$i.log
    step "waiting for etcd member e$i to report healthy" "$log"
    await "etcd-e$i" 60 "etcd member e$i reports healthy" "$log" etcd_healthy "$i"
  done
  for ((i = 1; i <= CONTROLLERS; i++)); do
    log=$LOGS/controller-c$i.log
    step "controller c$i on $(controller_ip "$i"):$CONTROLLER_PORT (lease TTL $LEASE_TTL, reclaim grace $RECLAIM_GRACE)" "$log"
    controller_start "$i"
  done
  for ((i = 1; i <= CONTROLLERS; i++)); do
    log=$LOGS/controller-c$i.log
    step "waiting for controller c$i to listen on $(controller_ip "$i"):$CONTROLLER_PORT" "$log"
    await "controller-c$i" 90 "controller c$i listens on $(controller_ip "$i"):$CONTROLLER_PORT" "$log" controller_listening "$i"
  done
}

controller_listening() {
  # a JVM on a dual-stack socket shows up as [::ffff:192.0.2.2]:7070
  in_ns "$NS_CTRL" ss -Hltn "( sport = :$CONTROLLER_PORT )" | grep -qE "(^|[^0-9.])$(controller_ip "$1" | sed 's/\./\\./g')\]?:$CONTROLLER_PORT([^0-9]|\$)"
}

# ---- the "outside" server: who-am-I over HTTP, so NAT can be seen from the far side --------------------------
outside_up() {
  local www=$STATE/out/www log=$LOGS/out-httpd.log
  step "outside: HTTP server on $OUTSIDE_IP:80 (/cgi-bin/whoami prints the client address it sees)" "$log"
  mkdir -p "$www/cgi-bin"
  echo "outside server of lab $NAME" >"$www/index.html"
  printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%%s\\n" "$REMOTE_ADDR"\n' >"$www/cgi-bin/whoami"
  chmod +x "$www/cgi-bin/whoami"
  spawn out-httpd "$log" ip netns exec "$NS_OUT" "$BUSYBOX" httpd -f -p "$OUTSIDE_IP:80" -h "$www"
}

# ---- the container image: static busybox, imported (there is no registry) --------------------------------
image_build() {
  local d=$STATE/image r=$STATE/image/rootfs a
  step "image $IMAGE: rootfs from $BUSYBOX (static busybox, $("$BUSYBOX" --list | wc -l) applets)"
  mkdir -p "$r"/{bin,sbin,etc,tmp,www,root,proc,sys,dev}
  chmod 1777 "$r/tmp"
  cp "$BUSYBOX" "$r/bin/busybox"
  for a in $("$BUSYBOX" --list); do [ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"; done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
  echo 'root:x:0:' >"$r/etc/group"
  echo "hello from the ovsfabric lab $NAME" >"$r/www/index.html"
  tar --numeric-owner -C "$r" -cf "$d/rootfs.tar" .
}

# ---- one host: namespace, underlay NIC, OVS, agent, Docker engine ---------------------------------------
host_prepare() {
  local h=$1 H ns ip ovs log
  H=$(host_dir "$h") ns=$(host_ns "$h") ip=$(host_ip "$h") ovs=$(host_dir "$h")/ovs
  (($(host_index "$h") <= 89)) || die "$h: the lab numbers hosts up to h89 (192.0.2.99); run down and up again"
  step "$h: namespace $ns, underlay eth1 $ip/24"
  mkdir -p "$H"/{ovs,agent,plugins,docker}
  printf 'HOST=%s\nNETNS=%s\nUNDERLAY_IP=%s\nCONTROLLER=%s\n' "$h" "$ns" "$ip" "$(host_controller "$h")" >"$H/host.env"
  new_ns "$ns"
  attach "$ns" "$h" "$ip/24"
  ovsdb-tool create "$ovs/conf.db" "$OVS_SCHEMA"
  host_start_ovsdb "$h"
  ovs-vsctl --db="unix:$ovs/db.sock" --no-wait -- init \
    -- set Open_vSwitch . external_ids:system-id="$NAME-$h" external_ids:hostname="$h"
  host_start_vswitchd "$h"
}

# host_start_ovsdb HOST / host_start_vswitchd HOST: the host's OVS daemons (at up, and again for restart-ovs), each
# returning once it answers. After a kill -9 their sockets and pidfiles are stale, so readiness is a real answer.
host_start_ovsdb() {
  local h=$1 ns ovs log=$LOGS/$1-ovsdb.log
  ns=$(host_ns "$h") ovs=$(host_dir "$h")/ovs
  step "$h: ovsdb-server (unix:$ovs/db.sock and ptcp:6640:127.0.0.1 in $ns)" "$log"
  spawn "$h-ovsdb" "$log" ip netns exec "$ns" env OVS_RUNDIR="$ovs" OVS_DBDIR="$ovs" ovsdb-server "$ovs/conf.db" \
    --remote="punix:$ovs/db.sock" --remote=ptcp:6640:127.0.0.1 --remote=db:Open_vSwitch,Open_vSwitch,manager_options \
    --pidfile="$ovs/ovsdb-server.pid" --unixctl="$ovs/ovsdb-server.ctl" -vconsole:off --log-file="$log"
  await "$h-ovsdb" 20 "$h: ovsdb-server answers on $ovs/db.sock" "$log" timeout 2 ovsdb-client list-dbs "unix:$ovs/db.sock"
}

host_start_vswitchd() {
  local h=$1 ns ovs log=$LOGS/$1-vswitchd.log
  ns=$(host_ns "$h") ovs=$(host_dir "$h")/ovs
  local dp="userspace datapath"
  ! lab_kernel_datapath || dp="kernel module loaded: the agent puts br0 on datapath system"
  step "$h: ovs-vswitchd ($dp; run dir $ovs)" "$log"
  # lab hosts share this machine's cores: each host's PMD threads (--port-type afxdp-pmd) on a core of its own,
  # as on separate machines (two PMDs on one core halve both)
  host_ovs "$h" ovs-vsctl --db="unix:$ovs/db.sock" --no-wait set Open_vSwitch . \
    "other_config:pmd-cpu-mask=$(printf '%x' $((1 << ((${h#h} - 1) % $(nproc)))))" >>"$log" 2>&1
  spawn "$h-vswitchd" "$log" ip netns exec "$ns" env OVS_RUNDIR="$ovs" OVS_DBDIR="$ovs" ovs-vswitchd "unix:$ovs/db.sock" \
    --pidfile="$ovs/ovs-vswitchd.pid" -vconsole:off --log-file="$log"
  await "$h-vswitchd" 20 "$h: ovs-vswitchd answers ovs-appctl" "$log" vswitchd_answers "$h"
}

# The running vswitchd (by our tracked pid, not the pidfile, which a killed one leaves behind) answers on its socket.
vswitchd_answers() {
  local pid; pid=$(tracked_pid "$1-vswitchd") || return 1
  host_ovs "$1" timeout 2 ovs-appctl -t "$(host_dir "$1")/ovs/ovs-vswitchd.$pid.ctl" version
}

# host_ovs HOST CMD...: an OVS tool (or anything) inside the host's namespace, pointed at the host's own OVS.
host_ovs() {
  local h=$1; shift
  ip netns exec "$(host_ns "$h")" env OVS_RUNDIR="$(host_dir "$h")/ovs" OVS_DBDIR="$(host_dir "$h")/ovs" \
    DOCKER_HOST="unix://$(host_dir "$h")/docker/docker.sock" "$@"
}

# agent_tls_flags HOST: how hN's agent authenticates. Its first start joins with a token bound to hN (as an operator
# would: `ovsfabricctl token create --host hN`, the fabric CA's certificate copied to <state-dir>/tls/ca.crt); once it
# holds <state-dir>/tls/host.crt it uses that (and renews it), so a restart needs no token.
agent_tls_flags() {
  local h=$1 tls token
  lab_tls || { echo --insecure; return 0; }
  tls=$(host_dir "$h")/agent/tls
  mkdir -p "$tls"
  [ -s "$tls/ca.crt" ] || cp "$PKI/ca.crt" "$tls/ca.crt"
  [ ! -s "$tls/host.crt" ] || return 0
  token=$(lab_ctl token create --ttl 10m --host "$h" 2>>"$LOGS/$h-agent.log") \
    || die "$h: ovsfabricctl token create --host $h failed" "$LOGS/$h-agent.log"
  echo --join-token "$token"
}

host_start_agent() {
  local h=$1 H log tls
  H=$(host_dir "$h") log=$LOGS/$h-agent.log
  step "$h: agent (controller $(host_controller "$h"), underlay eth1 $(host_ip "$h"))" "$log"
  tls=$(agent_tls_flags "$h")
  if [[ $tls == *--join-token* ]]; then progress "$h: first start: joins with a token for $h (ovsfabricctl token create --host $h)"; fi
  # shellcheck disable=SC2086
  spawn "$h-agent" "$log" ip netns exec "$(host_ns "$h")" "$BIN/ovsfabric-agent" run $tls \
    --controller "$(host_controller "$h")" --host-id "$h" --underlay-ip "$(host_ip "$h")" --underlay-interface eth1 \
    --ovsdb tcp:127.0.0.1:6640 --ovs-rundir "$H/ovs" --state-dir "$H/agent" --plugin-dir "$H/plugins" \
    --docker-host "unix://$H/docker/docker.sock" --metrics-listen "$(host_ip "$h"):$AGENT_METRICS_PORT" \
    --icc "${ICC:-true}" --port-type "${PORT_TYPE:-auto}"
}

# Docker's settings come from the agent (like flannel's subnet.env): they exist once the host registered.
host_docker_opts() {
  local h=$1 H log
  H=$(host_dir "$h") log=$LOGS/$h-docker-opts.log
  step "$h: waiting for the agent to register; asking it for the Docker settings (docker-opts)" "$log"
  await "$h-agent" 90 "$h: 'ovsfabric-agent docker-opts' succeeds (agent log: $LOGS/$h-agent.log)" "$log" docker_opts_once "$h"
  grep -q -- '--bip' "$H/docker.opts" || die "$h: docker-opts printed no --bip: $(cat "$H/docker.opts")" "$log"
  progress "$h: dockerd settings: $(tr '\n' ' ' <"$H/docker.opts")"
  step "$h: waiting for the agent's first full pass (OVS bridge br0)" "$LOGS/$h-agent.log"
  await "$h-agent" 90 "$h: the agent creates OVS bridge br0" "$LOGS/$h-agent.log" host_ovs "$h" ovs-vsctl br-exists br0
}

docker_opts_once() {
  local h=$1 H; H=$(host_dir "$h")
  # shellcheck disable=SC2046  # with TLS: the agent's own certificate in <state-dir>/tls (written by its join)
  in_ns "$(host_ns "$h")" "$BIN/ovsfabric-agent" docker-opts $(lab_tls || echo --insecure) --controller "$(host_controller "$h")" --host-id "$h" \
    --state-dir "$H/agent" --icc "${ICC:-true}" >"$H/docker.opts.tmp" 2>>"$LOGS/$h-docker-opts.log" || return 1
  [ -s "$H/docker.opts.tmp" ] && mv "$H/docker.opts.tmp" "$H/docker.opts"
}

# dockerd inside the host's network namespace (nsenter, not ip netns exec: that remounts /sys and hides the
# cgroups) and inside a mount namespace of its own where /run/docker/plugins is this host's plugin dir.
# The mount namespace is a slave of the machine's, so nothing mounted in it leaks out, and namespaces deleted
# outside are released in it too. Storage driver vfs: the engine's own mounts stay in its mount namespace, and
# vfs needs none that containerd/runc (outside it) would have to see.
host_start_engine() {
  local h=$1 H d log opts
  H=$(host_dir "$h") d=$(host_dir "$h")/docker log=$LOGS/$h-dockerd.log
  step "$h: dockerd (socket $d/docker.sock, containerd namespace $NAME-$h, plugins from $H/plugins)" "$log"
  echo '{}' >"$d/daemon.json"
  mkdir -p /run/docker/plugins
  # shellcheck disable=SC2046  # docker-opts prints flags meant to be split into words
  spawn "$h-dockerd" "$log" unshare --mount --propagation slave -- \
    sh -ec 'p=$1 n=$2; shift 2; mount --bind "$p" /run/docker/plugins; exec nsenter --net="$n" -- "$@"' \
    sh "$H/plugins" "/run/netns/$(host_ns "$h")" \
    dockerd --config-file "$d/daemon.json" --data-root "$d/data" --exec-root "$d/exec" -H "unix://$d/docker.sock" \
    --pidfile "$d/docker.pid" --containerd "$STATE/containerd/containerd.sock" \
    --containerd-namespace "$NAME-$h" --containerd-plugins-namespace "$NAME-$h-plugins" \
    --storage-driver vfs --cgroup-parent "/ovsfabric-lab.$NAME.$h" $(cat "$H/docker.opts")
}

host_wait_engine() {
  local h=$1 log=$LOGS/$1-dockerd.log
  step "$h: waiting for dockerd" "$log"
  await "$h-dockerd" 90 "$h: dockerd answers on $(host_dir "$h")/docker/docker.sock" "$log" engine_ready "$h"
  plugins_bound "$h" || die "$h: dockerd does not see $(host_dir "$h")/plugins at /run/docker/plugins" "$log"
  step "$h: importing image $IMAGE" "$log"
  lab_docker "$h" import -c 'ENV PATH=/bin' -c 'CMD ["sh"]' "$STATE/image/rootfs.tar" "$IMAGE" >/dev/null
}

# Inside the engine's mount namespace, /run/docker/plugins must be this host's plugin dir (same device:inode).
plugins_bound() {
  local pid
  pid=$(tracked_pid "$1-dockerd") || return 1
  [ "$(nsenter -t "$pid" -m stat -c %d:%i /run/docker/plugins)" = "$(stat -c %d:%i "$(host_dir "$1")/plugins")" ]
}

engine_ready() { tracked_pid "$1-dockerd" >/dev/null && lab_docker "$1" version >/dev/null 2>&1; }

lab_docker() { local h=$1; shift; "$DOCKER" -H "unix://$(host_dir "$h")/docker/docker.sock" "$@"; }

host_start_containers() {
  local h=$1 i
  step "$h: starting $CONTAINERS container(s) ($h-c1..) running busybox httpd on port 80" "$LOGS/$h-dockerd.log"
  for ((i = 1; i <= CONTAINERS; i++)); do
    lab_docker "$h" run -d --init --name "$h-c$i" --hostname "$h-c$i" "$IMAGE" httpd -f -p 80 -h /www >/dev/null
  done
}

# ---- taking hosts away -----------------------------------------------------------------------------------
# host_down HOST: orderly: containers, agent, engine, OVS, then the namespace.
host_down() {
  local h=$1 ids
  if engine_ready "$h" 2>/dev/null; then
    ids=$(lab_docker "$h" ps -aq 2>/dev/null || true)
    # shellcheck disable=SC2086
    [ -z "$ids" ] || timeout 60 "$DOCKER" -H "unix://$(host_dir "$h")/docker/docker.sock" rm -f $ids >/dev/null 2>&1 || true
  fi
  stop_role "$h-agent" 10
  stop_role "$h-dockerd" 20
  kill_shims "$NAME-$h"
  stop_role "$h-vswitchd" 10
  stop_role "$h-ovsdb" 10
  kill_netns_pids "$(host_ns "$h")"
  ip netns del "$(host_ns "$h")" 2>/dev/null || true
  cgroups_remove "$h"
}

# host_crash HOST: everything of the host dies at once (SIGKILL), then its underlay link goes.
host_crash() {
  local h=$1
  kill_role "$h-agent"
  kill_role "$h-dockerd"
  kill_shims "$NAME-$h"
  kill_role "$h-vswitchd"
  kill_role "$h-ovsdb"
  kill_netns_pids "$(host_ns "$h")"
  ip netns del "$(host_ns "$h")" 2>/dev/null || true
  cgroups_remove "$h"
}

# The engines' cgroup parents (one per host), removed bottom-up once empty.
cgroups_remove() {
  local d
  for d in /sys/fs/cgroup/*/"ovsfabric-lab.$NAME.$1" /sys/fs/cgroup/"ovsfabric-lab.$NAME.$1"; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  return 0
}
