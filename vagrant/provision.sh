#!/usr/bin/env bash
# Provisions one ovsfabric node of the Vagrant setup (run by Vagrant as root, from vagrant/Vagrantfile).
# usage: provision.sh controller|agent HOST_ID UNDERLAY_IP CONTROLLER_ADDR
set -euo pipefail
role=$1 host=$2 ip=$3 controller=$4
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

step "installing the apps under /usr/lib/ovsfabric"
install -d /usr/lib/ovsfabric/lib /usr/lib/ovsfabric/bin
for m in controller:ovsfabric-controller agent:ovsfabric-agent ctl:ovsfabric-ctl; do
  install -m 0644 "$src/${m%%:*}/target/${m#*:}.jar" /usr/lib/ovsfabric/
  cp -n "$src/${m%%:*}/target/lib/"*.jar /usr/lib/ovsfabric/lib/ 2>/dev/null || true
done
install -m 0755 "$src"/deploy/bin/* /usr/lib/ovsfabric/bin/
ln -sf /usr/lib/ovsfabric/bin/ovsfabricctl /usr/local/bin/ovsfabricctl
ln -sf /usr/lib/ovsfabric/bin/ovsfabric-agent /usr/local/bin/ovsfabric-agent
install -m 0644 "$src"/deploy/systemd/*.service /etc/systemd/system/
install -d /etc/systemd/system/docker.service.d
install -m 0644 "$src"/deploy/systemd/docker.service.d/ovsfabric.conf /etc/systemd/system/docker.service.d/
systemctl daemon-reload

if [ "$role" = controller ]; then
  step "etcd (single member on this node's loopback) and the controller on $controller"
  systemctl enable --now etcd
  cat >/etc/default/ovsfabric-controller <<EOT
ETCD_ENDPOINTS=http://127.0.0.1:2379
LISTEN=$controller
FABRIC_FLAGS=--fabric-cidr 10.200.0.0/16 --host-prefix 24
EXTRA_FLAGS=--lease-ttl 10s --reclaim-grace 10m
EOT
  systemctl enable --now ovsfabric-controller
  for _ in $(seq 60); do ovsfabricctl --controller "$controller" hosts >/dev/null 2>&1 && break; sleep 2; done
fi

step "agent $host (underlay eth1 $ip, controller $controller)"
cat >/etc/default/ovsfabric-agent <<EOT
CONTROLLER=$controller
HOST_ID=$host
UNDERLAY_IP=$ip
EXTRA_FLAGS=--underlay-interface eth1
EOT
# The unit's ExecStartPost writes /run/ovsfabric/docker.env (docker-opts -o env) once the host registered;
# docker.service.d/ovsfabric.conf starts dockerd with it.
systemctl enable --now ovsfabric-agent
test -s /run/ovsfabric/docker.env || { echo "the agent did not register: journalctl -u ovsfabric-agent" >&2; exit 1; }
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
