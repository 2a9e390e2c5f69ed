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
  systemctl start --no-block poweroff.target
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
echo "system state: $(systemctl is-system-running 2>&1); /run propagation: $(findmnt -n -o PROPAGATION /run)"

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

say "PKI: the fabric CA, a controller certificate for $(hostname), an admin; etcd's own CA (as vagrant/provision.sh)"
E=/etc/ovsfabric/etcd-ca
install -d -m 0700 "$PKI" "$E"; install -d -m 0755 /etc/ovsfabric/etcd
"$CTL" pki init --dir "$PKI" && "$CTL" pki issue-controller "$(hostname)" --dir "$PKI" --ip 127.0.0.1 \
  && "$CTL" pki issue-admin root --dir "$PKI" || bad "pki"
"$CTL" pki init --dir "$E" --name uml-etcd && "$CTL" pki issue-controller etcd --dir "$E" --ip 127.0.0.1 \
  && "$CTL" pki issue-admin "$(hostname)" --dir "$E" || bad "etcd pki"
install -m 0644 "$E/ca.crt" /etc/ovsfabric/etcd/ca.crt
install -m 0644 "$E/admin-$(hostname).crt" "/etc/ovsfabric/etcd/client-$(hostname).crt"
install -m 0600 "$E/admin-$(hostname).key" "/etc/ovsfabric/etcd/client-$(hostname).key"
install -m 0644 "$E/controller-etcd.crt" /etc/ovsfabric/etcd/server.crt
install -m 0600 -o etcd "$E/controller-etcd.key" /etc/ovsfabric/etcd/server.key

say "etcd (Debian's etcd.service) with client TLS and --client-cert-auth"
cat >/etc/default/etcd <<CONF
ETCD_LISTEN_CLIENT_URLS=https://127.0.0.1:2379
ETCD_ADVERTISE_CLIENT_URLS=https://127.0.0.1:2379
ETCD_CERT_FILE=/etc/ovsfabric/etcd/server.crt
ETCD_KEY_FILE=/etc/ovsfabric/etcd/server.key
ETCD_CLIENT_CERT_AUTH=true
ETCD_TRUSTED_CA_FILE=/etc/ovsfabric/etcd/ca.crt
CONF
systemctl restart etcd.service || bad "systemctl restart etcd"
active etcd.service

say "the controller: deploy/systemd/install.sh controller (etcd over TLS with its client certificate)"
bash "$REPO/deploy/systemd/install.sh" controller --listen 127.0.0.1:7070 \
  --extra-flags "--lease-ttl 10s --reclaim-grace 10m --http-listen 127.0.0.1:9090" || bad "install.sh controller"
await 120 "the controller listens on 127.0.0.1:7070" sh -c 'ss -Hltn "( sport = :7070 )" | grep -q .'
active ovsfabric-controller.service
systemctl status ovsfabric-controller.service --no-pager -n 0 | sed -n '1,6p'
echo "\$ journalctl -u ovsfabric-controller --no-pager -o short-precise"
journalctl -u ovsfabric-controller --no-pager -o short-precise | tee /tmp/controller.journal
grep -q "serves FabricService and AdminService on 127.0.0.1:7070" /tmp/controller.journal \
  && ok "the journal has the controller's start line" || bad "no start line in the controller's journal"

say "the agent: a join token, OVS, then deploy/systemd/install.sh agent"
admin=(--controller 127.0.0.1:7070 --tls-ca "$PKI/ca.crt" --tls-cert "$PKI/admin-root.crt" --tls-key "$PKI/admin-root.key")
await 120 "the controller answers an admin" "$CTL" "${admin[@]}" hosts
token=$("$CTL" "${admin[@]}" token create --host "$HOST_ID" --ttl 1h) || bad "token create"
# the underlay: a dummy link holding the host's underlay address (the guest has no network of its own)
modprobe dummy 2>/dev/null; ip link add ofu0 type dummy && ip addr add "$UNDERLAY_IP/24" dev ofu0 && ip link set ofu0 up \
  || bad "underlay link"
# Debian's OVS 3.1.0 starts no upcall handler in the first 10 s of CLOCK_MONOTONIC (docs/kernel-lab.md)
await 60 "the guest's clock passed 11 s (OVS 3.1 CPU count)" sh -c 'awk "{exit !(\$1 > 11)}" /proc/uptime'
systemctl start openvswitch-switch.service || bad "systemctl start openvswitch-switch"
active openvswitch-switch.service
# This UML kernel has nf_tables without its IPv4 NAT parts, so iptables-nft (Debian's default) cannot make the nat
# table; the legacy backend works (docs/kernel-lab.md). Switched in the guest's overlay only.
for t in iptables ip6tables; do update-alternatives --quiet --set "$t" "/usr/sbin/$t-legacy" || bad "$t-legacy"; done
# install.sh restarts the unit; its ExecStartPost retries docker-opts for up to 280 s (should a first start on a
# slow guest still need Restart=always once more, the checks below wait on their own)
bash "$REPO/deploy/systemd/install.sh" agent --host-id "$HOST_ID" --underlay-ip "$UNDERLAY_IP" \
  --controller 127.0.0.1:7070 --ca-cert "$PKI/ca.crt" --join-token "$token" \
  || { echo "install.sh agent: not registered within its first start (waiting for a restart); its journal so far:"
       journalctl -u ovsfabric-agent --no-pager -o short-precise | grep -v -E '\]: +(at |\.\.\. [0-9]+ common)' | tail -25; }
await 180 "the controller lists $HOST_ID UP" sh -c "'$CTL' ${admin[*]} hosts | grep -E '^$HOST_ID +UP'"
await 120 "the agent's first full pass (journal: ready)" sh -c 'journalctl -u ovsfabric-agent -o cat | grep -q "ready (first full reconcile done)"'
echo "\$ ovsfabric-agent docker-opts --controller 127.0.0.1:7070 --host-id $HOST_ID --state-dir /var/lib/ovsfabric -o env"
$LIB/bin/ovsfabric-agent docker-opts --controller 127.0.0.1:7070 --host-id "$HOST_ID" --state-dir /var/lib/ovsfabric \
    -o env && ok "docker-opts answers with the joined host's own certificate (what the unit's ExecStartPost runs)" \
  || bad "docker-opts"
# active once ExecStartPost wrote Docker's settings (it retries docker-opts until it answers; a start whose
# ExecStartPost timed out is restarted by Restart=always)
await 300 "ovsfabric-agent.service is active" sh -c '[ "$(systemctl is-active ovsfabric-agent.service)" = active ]'
active ovsfabric-agent.service
echo "restarts before it was: $(systemctl show -p NRestarts --value ovsfabric-agent.service)"
systemctl status ovsfabric-agent.service --no-pager -n 0 | sed -n '1,6p'
test -s /run/ovsfabric/docker.env && ok "ExecStartPost wrote Docker's settings" || bad "no /run/ovsfabric/docker.env"
cat /run/ovsfabric/docker.env
echo "\$ ovsfabricctl hosts"
"$CTL" "${admin[@]}" hosts
echo "\$ journalctl -u ovsfabric-agent --no-pager -o short-precise | grep -v '^...  at ' | head -30"
journalctl -u ovsfabric-agent --no-pager -o short-precise | grep -v -E '\]: +(at |\.\.\. [0-9]+ common)' | head -30
# The apps log plain lines to stderr, so the journal files every line at priority info: -p does not filter them
echo "\$ journalctl -u ovsfabric-agent -o cat --no-pager | grep -E ' (WARN|ERROR) ' | head -5"
journalctl -u ovsfabric-agent -o cat --no-pager | grep -E ' (WARN|ERROR) ' | head -5
echo "\$ journalctl -u ovsfabric-controller --since -1min -p info --no-pager | tail -5"
journalctl -u ovsfabric-controller --no-pager | tail -5
echo "\$ curl -s http://127.0.0.1:9090/api/topology"
curl -s --max-time 5 http://127.0.0.1:9090/api/topology | head -c 600; echo
finish
