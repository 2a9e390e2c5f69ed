#!/usr/bin/env bash
# Provisions one ovsfabric node of the Vagrant setup (run by Vagrant as root, from vagrant/Vagrantfile).
# usage: provision.sh controller|agent HOST_ID UNDERLAY_IP CONTROLLER_ADDR "NODE..."
# Mutual TLS everywhere (docs/security.md): the controller node makes the fabric CA, etcd's CA and a join token per
# node, and leaves the CA certificate and the tokens in the shared /ovsfabric-bootstrap; every node's agent joins
# with its token. The same deploy/systemd/install.sh as a manual install.
set -euo pipefail
role=$1 host=$2 ip=$3 controller=$4 NODES=${5:-$2}
src=/ovsfabric
step() { echo "[provision $host] $*"; }

step "packages (deploy/setup.sh)"
bash "$src/deploy/setup.sh"

# Stock Debian kernel: the openvswitch and ip_gre modules exist, so the agent picks the kernel datapath.
modprobe openvswitch || true
systemctl enable --now openvswitch-switch

if [ ! -f "$src/agent/target/ovsfabric-agent.jar" ]; then
  step "building the jars (mvn -B -ntp -DskipTests package)"
  (cd "$src" && mvn -B -ntp -q -DskipTests package)
fi

boot=/ovsfabric-bootstrap   # a two-way shared folder (Vagrantfile): the CA certificate and the join tokens
ctl=/usr/lib/ovsfabric/bin/ovsfabricctl
bash "$src/deploy/systemd/install.sh" files

if [ "$role" = controller ]; then
  step "fabric CA and this controller's certificate (ovsfabricctl pki init / issue-controller $host --ip ${controller%:*})"
  install -d -m 0700 /etc/ovsfabric/pki /etc/ovsfabric/etcd-ca
  install -d -m 0755 /etc/ovsfabric/etcd
  [ -s /etc/ovsfabric/pki/ca.crt ] || "$ctl" pki init --dir /etc/ovsfabric/pki --name vagrant
  [ -s "/etc/ovsfabric/pki/controller-$host.crt" ] || "$ctl" pki issue-controller "$host" --dir /etc/ovsfabric/pki --ip "${controller%:*}"
  [ -s /etc/ovsfabric/pki/admin-vagrant.crt ] || "$ctl" pki issue-admin vagrant --dir /etc/ovsfabric/pki

  step "etcd's own CA, etcd's server certificate (127.0.0.1) and the controller's etcd client certificate"
  # A separate CA: every host certificate of the fabric CA carries clientAuth, so an etcd trusting the fabric CA
  # would let any joined host write the store (docs/security.md, "etcd").
  e=/etc/ovsfabric/etcd-ca
  [ -s $e/ca.crt ] || "$ctl" pki init --dir $e --name vagrant-etcd
  [ -s $e/controller-etcd.crt ] || "$ctl" pki issue-controller etcd --dir $e --ip 127.0.0.1
  [ -s "$e/admin-$host.crt" ] || "$ctl" pki issue-admin "$host" --dir $e
  install -m 0644 $e/ca.crt /etc/ovsfabric/etcd/ca.crt
  install -m 0644 "$e/admin-$host.crt" "/etc/ovsfabric/etcd/client-$host.crt"
  install -m 0600 "$e/admin-$host.key" "/etc/ovsfabric/etcd/client-$host.key"
  install -m 0644 $e/controller-etcd.crt /etc/ovsfabric/etcd/server.crt
  install -m 0600 -o etcd $e/controller-etcd.key /etc/ovsfabric/etcd/server.key

  step "etcd (single member on this node's loopback): client TLS with --client-cert-auth, peer TLS"
  cat >/etc/default/etcd <<EOT
ETCD_LISTEN_CLIENT_URLS=https://127.0.0.1:2379
ETCD_ADVERTISE_CLIENT_URLS=https://127.0.0.1:2379
ETCD_LISTEN_PEER_URLS=https://127.0.0.1:2380
ETCD_INITIAL_ADVERTISE_PEER_URLS=https://127.0.0.1:2380
ETCD_INITIAL_CLUSTER=$host=https://127.0.0.1:2380
ETCD_CERT_FILE=/etc/ovsfabric/etcd/server.crt
ETCD_KEY_FILE=/etc/ovsfabric/etcd/server.key
ETCD_CLIENT_CERT_AUTH=true
ETCD_TRUSTED_CA_FILE=/etc/ovsfabric/etcd/ca.crt
ETCD_PEER_CERT_FILE=/etc/ovsfabric/etcd/server.crt
ETCD_PEER_KEY_FILE=/etc/ovsfabric/etcd/server.key
ETCD_PEER_CLIENT_CERT_AUTH=true
ETCD_PEER_TRUSTED_CA_FILE=/etc/ovsfabric/etcd/ca.crt
EOT
  systemctl enable etcd
  systemctl restart etcd

  step "the controller on $controller (deploy/systemd/install.sh controller)"
  bash "$src/deploy/systemd/install.sh" controller --listen "$controller" \
    --extra-flags "--lease-ttl 10s --reclaim-grace 10m"
  cat >/etc/profile.d/ovsfabric.sh <<EOT
# ovsfabricctl as the admin 'vagrant' (root only can read the key: sudo -E ovsfabricctl ...)
export OVSFABRIC_CONTROLLER=$controller OVSFABRIC_TLS_CA=/etc/ovsfabric/pki/ca.crt
export OVSFABRIC_TLS_CERT=/etc/ovsfabric/pki/admin-vagrant.crt OVSFABRIC_TLS_KEY=/etc/ovsfabric/pki/admin-vagrant.key
EOT
  . /etc/profile.d/ovsfabric.sh
  for _ in $(seq 60); do "$ctl" hosts >/dev/null 2>&1 && break; sleep 2; done

  step "join tokens for every node (token create --host nodeN --ttl 1h) and the CA certificate, in $boot"
  install -d "$boot"
  cp /etc/ovsfabric/pki/ca.crt "$boot/ca.crt"
  for n in $NODES; do
    [ -s "/var/lib/ovsfabric/tls/host.crt" ] && [ "$n" = "$host" ] && continue
    (umask 077; "$ctl" token create --ttl 1h --host "$n" >"$boot/$n.token.tmp" && mv "$boot/$n.token.tmp" "$boot/$n.token")
  done
fi

step "agent $host (underlay eth1 $ip, controller $controller): joins with $boot/$host.token"
if [ ! -s /var/lib/ovsfabric/tls/host.crt ]; then
  for _ in $(seq 300); do [ -s "$boot/$host.token" ] && [ -s "$boot/ca.crt" ] && break; sleep 2; done
  [ -s "$boot/$host.token" ] || { echo "no join token in $boot/$host.token: provision the controller node first" >&2; exit 1; }
fi
token=$(cat "$boot/$host.token" 2>/dev/null || true)
# The unit's ExecStartPost writes /run/ovsfabric/docker.env (docker-opts -o env) once the host registered;
# docker.service.d/ovsfabric.conf starts dockerd with it.
bash "$src/deploy/systemd/install.sh" agent --host-id "$host" --underlay-ip "$ip" --controller "$controller" \
  --ca-cert "$boot/ca.crt" ${token:+--join-token "$token"} --extra-flags "--underlay-interface eth1"
rm -f "$boot/$host.token"   # used: single use, and a secret until then
cat /run/ovsfabric/docker.env
step "Docker with the settings the agent hands out"
systemctl enable docker
systemctl restart docker

step "image busybox:lab from the static busybox (no registry needed)"
r=$(mktemp -d)
mkdir -p "$r"/{bin,etc,tmp,www}
cp /bin/busybox "$r/bin/"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"; done
echo "hello from $host" >"$r/www/index.html"
tar -C "$r" -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["sh"]' - busybox:lab >/dev/null
rm -rf "$r"
docker run -d --restart unless-stopped --name "$host-c1" busybox:lab httpd -f -p 80 -h /www >/dev/null || true
step "done: $(docker inspect -f '{{.NetworkSettings.IPAddress}}' "$host-c1") serves http on port 80"
