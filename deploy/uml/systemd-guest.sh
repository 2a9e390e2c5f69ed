#!/usr/bin/env bash
# deploy/uml/systemd-guest.sh: runs inside the systemd guest of deploy/uml/systemd-check.sh, as the check's oneshot
# service (its stdout is the run dir's output file). Installs the ovsfabric units as docs/observability.md says,
# starts etcd, the controller and the agent with systemctl, checks each is active, prints their journals, writes
# the result to /run/uml-io/rc and powers the guest off. Not for running by hand.
set -uo pipefail
REPO=${OVSFABRIC_REPO:?}
IO=/run/uml-io
PKI=/etc/ovsfabric/pki
LIB=/usr/lib/ovsfabric
CTL=$LIB/bin/ovsfabricctl
HOST_ID=uml1 UNDERLAY_IP=192.0.2.50
failures=0

say() { echo; echo "== $*"; }
ok() { echo "ok: $*"; }
bad() { echo "FAILED: $*"; failures=$((failures + 1)); }
finish() {
  say "result: $failures failure(s)"
  echo "$failures" >"$IO/rc.tmp" && mv "$IO/rc.tmp" "$IO/rc"
  sync
  systemctl --no-block poweroff
  exit 0
}
# await SECS WHAT CMD...: polls CMD until it succeeds or SECS pass
await() {
  local secs=$1 what=$2; shift 2
  local deadline=$(($(date +%s) + secs))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then bad "$what (not within ${secs}s)"; return 1; fi
    sleep 0.5
  done
  ok "$what"
}
active() {   # active UNIT: systemctl is-active, printed, and checked
  local state; state=$(systemctl is-active "$1")
  echo "\$ systemctl is-active $1"; echo "$state"
  if [ "$state" = active ]; then ok "$1 is active"; else bad "$1 is $state"; return 1; fi
}

say "systemd: $(systemctl --version | head -1); PID 1 is $(cat /proc/1/comm); kernel $(uname -r)"
echo "system state: $(systemctl is-system-running 2>&1)"

say "install the units and jars as docs/observability.md says (into the guest's overlay)"
install -d "$LIB/bin" "$LIB/lib" /etc/systemd/system/docker.service.d
for m in controller agent ctl; do
  cp "$REPO/$m/target/ovsfabric-$m.jar" "$LIB/" && cp -n "$REPO/$m/target/lib/"*.jar "$LIB/lib/" \
    || { bad "no built jar for $m: run 'mvn -B -DskipTests package' first"; finish; }
done
cp "$REPO"/deploy/bin/* "$LIB/bin/"
cp "$REPO"/deploy/systemd/*.service /etc/systemd/system/
cp "$REPO"/deploy/systemd/docker.service.d/*.conf /etc/systemd/system/docker.service.d/
ls /etc/systemd/system/ovsfabric-*.service

say "PKI: ovsfabricctl pki init, a controller certificate for $(hostname), an admin"
"$CTL" pki init --dir "$PKI" && "$CTL" pki issue-controller "$(hostname)" --dir "$PKI" --ip 127.0.0.1 \
  && "$CTL" pki issue-admin root --dir "$PKI" || bad "pki"
cat >/etc/default/ovsfabric-controller <<CONF
EXTRA_FLAGS=--lease-ttl 10s --reclaim-grace 10m --http-listen 127.0.0.1:9090
CONF
systemctl daemon-reload

say "etcd (Debian's etcd.service)"
systemctl start etcd.service || bad "systemctl start etcd"
active etcd.service

say "the controller"
systemctl start ovsfabric-controller.service || bad "systemctl start ovsfabric-controller"
await 120 "the controller listens on 127.0.0.1:7070" sh -c 'ss -Hltn "( sport = :7070 )" | grep -q .'
active ovsfabric-controller.service || {
  echo "-- what a unit like the controller's gets as credentials (systemd-run, same sandbox):"
  systemd-run --wait --pipe --quiet -p DynamicUser=yes -p ProtectSystem=strict -p ProtectHome=yes -p PrivateTmp=yes \
    -p NoNewPrivileges=yes -p LoadCredential=ca.crt:$PKI/ca.crt sh -c \
    'id; echo "CREDENTIALS_DIRECTORY=$CREDENTIALS_DIRECTORY"; ls -lan "$CREDENTIALS_DIRECTORY"; ls -land "$CREDENTIALS_DIRECTORY";
     grep credentials /proc/self/mountinfo; head -c 40 "$CREDENTIALS_DIRECTORY/ca.crt"; echo; getfacl -n "$CREDENTIALS_DIRECTORY/ca.crt" 2>&1'
}
systemctl status ovsfabric-controller.service --no-pager -n 0 | sed -n '1,6p'
echo "\$ journalctl -u ovsfabric-controller --no-pager -o short-precise"
journalctl -u ovsfabric-controller --no-pager -o short-precise | tee /tmp/controller.journal
grep -q "serves FabricService and AdminService on 127.0.0.1:7070" /tmp/controller.journal \
  && ok "the journal has the controller's start line" || bad "no start line in the controller's journal"

say "the agent: a join token, its defaults file, OVS, then the unit"
admin=(--controller 127.0.0.1:7070 --tls-ca "$PKI/ca.crt" --tls-cert "$PKI/admin-root.crt" --tls-key "$PKI/admin-root.key")
token=$("$CTL" "${admin[@]}" token create --host "$HOST_ID" --ttl 1h) || bad "token create"
# the underlay: a dummy link holding the host's underlay address (the guest has no network of its own)
modprobe dummy 2>/dev/null; ip link add ofu0 type dummy && ip addr add "$UNDERLAY_IP/24" dev ofu0 && ip link set ofu0 up \
  || bad "underlay link"
cat >/etc/default/ovsfabric-agent <<CONF
CONTROLLER=127.0.0.1:7070
HOST_ID=$HOST_ID
UNDERLAY_IP=$UNDERLAY_IP
JOIN_FLAGS=--join-token $token --tls-ca $PKI/ca.crt
CONF
# Debian's OVS 3.1.0 starts no upcall handler in the first 10 s of CLOCK_MONOTONIC (docs/kernel-lab.md)
await 60 "the guest's clock passed 11 s (OVS 3.1 CPU count)" sh -c 'awk "{exit !(\$1 > 11)}" /proc/uptime'
systemctl start openvswitch-switch.service || bad "systemctl start openvswitch-switch"
active openvswitch-switch.service
systemctl start --no-block ovsfabric-agent.service || bad "systemctl start ovsfabric-agent"
await 180 "the controller lists $HOST_ID UP" sh -c "'$CTL' ${admin[*]} hosts | grep -E '^$HOST_ID +UP'"
active ovsfabric-agent.service
echo "\$ ovsfabricctl hosts"
"$CTL" "${admin[@]}" hosts
echo "\$ journalctl -u ovsfabric-agent --no-pager -o short-precise | head -40"
journalctl -u ovsfabric-agent --no-pager -o short-precise | head -40
echo "\$ journalctl -u ovsfabric-controller --since -1min -p info --no-pager | tail -5"
journalctl -u ovsfabric-controller --no-pager | tail -5
echo "\$ curl -s http://127.0.0.1:9090/api/topology"
curl -s --max-time 5 http://127.0.0.1:9090/api/topology | head -c 600; echo
finish
