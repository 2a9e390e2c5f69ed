#!/usr/bin/env bash
# deploy/systemd/install.sh: installs ovsfabric from a built checkout as systemd services, with mutual TLS and etcd
# over TLS (docs/security.md, "Bootstrap with systemd"). Run as root on the machine itself. Idempotent.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: deploy/systemd/install.sh controller --listen IP:PORT [--pki-dir DIR] [--etcd-dir DIR] [--etcd URL[,URL...]]
                                 [--fabric-flags "FLAGS"] [--extra-flags "FLAGS"]
       deploy/systemd/install.sh agent --host-id ID --underlay-ip IP --controller IP:PORT[,IP:PORT...]
                                 --ca-cert FILE [--join-token TOKEN] [--extra-flags "FLAGS"]
       deploy/systemd/install.sh files        (only the jars, launchers, units and drop-in)

controller: ovsfabric-controller.service with --controller-id $(hostname). Needs, made beforehand on the machine
  that holds the fabric CA (ovsfabricctl pki init / pki issue-controller $(hostname) --ip IP):
    PKI_DIR (default /etc/ovsfabric/pki): ca.crt, ca.key, controller-$(hostname).crt/.key
    ETCD_DIR (default /etc/ovsfabric/etcd): etcd's ca.crt and client-$(hostname).crt/.key (a client certificate for
    etcd --client-cert-auth). --etcd defaults to https://127.0.0.1:2379.
agent: ovsfabric-agent.service and Docker's drop-in. --ca-cert is the fabric CA's certificate (copied to
  /var/lib/ovsfabric/tls/ca.crt); --join-token (ovsfabricctl token create --host ID) is needed for the first start
  only: it goes into /etc/default/ovsfabric-agent (0600) and is ignored once the host holds its certificate.
  Starts the agent and waits until it wrote /run/ovsfabric/docker.env; restarting Docker is left to the caller.
EOF
}

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
die() { echo "install.sh: $*" >&2; exit 1; }
step() { echo "[install] $*"; }

install_files() {
  local m
  step "jars and launchers under /usr/lib/ovsfabric, units in /etc/systemd/system"
  install -d /usr/lib/ovsfabric/lib /usr/lib/ovsfabric/bin
  for m in controller:ovsfabric-controller agent:ovsfabric-agent ctl:ovsfabric-ctl; do
    [ -f "$src/${m%%:*}/target/${m#*:}.jar" ] || die "$src/${m%%:*}/target/${m#*:}.jar missing: build with 'mvn -B -DskipTests package'"
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
}

need() { [ -s "$1" ] || die "$1 is missing: $2"; }

install_controller() {
  local listen="" pki=/etc/ovsfabric/pki etcd_dir=/etc/ovsfabric/etcd etcd=https://127.0.0.1:2379 id
  local fabric="--fabric-cidr 10.200.0.0/16 --host-prefix 24" extra=""
  while [ $# -gt 0 ]; do
    case $1 in
      --listen) listen=$2; shift 2 ;;
      --pki-dir) pki=$2; shift 2 ;;
      --etcd-dir) etcd_dir=$2; shift 2 ;;
      --etcd) etcd=$2; shift 2 ;;
      --fabric-flags) fabric=$2; shift 2 ;;
      --extra-flags) extra=$2; shift 2 ;;
      *) die "controller: unknown option $1 (see --help)" ;;
    esac
  done
  [ -n "$listen" ] || die "controller: --listen IP:PORT is required (the address agents dial)"
  id=$(hostname)
  need "$pki/ca.crt" "ovsfabricctl pki init --dir $pki"
  need "$pki/controller-$id.crt" "ovsfabricctl pki issue-controller $id --dir $pki --ip ${listen%:*}"
  need "$etcd_dir/ca.crt" "etcd's CA certificate (the CA of etcd's --cert-file)"
  need "$etcd_dir/client-$id.crt" "a client certificate of etcd's CA for this controller"
  if [ "$pki" != /etc/ovsfabric/pki ] || [ "$etcd_dir" != /etc/ovsfabric/etcd ]; then
    die "the unit loads its credentials from /etc/ovsfabric/pki and /etc/ovsfabric/etcd: put the files there"
  fi
  install_files
  step "controller $id on $listen, etcd $etcd (TLS with a client certificate)"
  cat >/etc/default/ovsfabric-controller <<EOT
ETCD_ENDPOINTS=$etcd
LISTEN=$listen
FABRIC_FLAGS=$fabric
EXTRA_FLAGS=$extra
EOT
  systemctl enable ovsfabric-controller
  systemctl restart ovsfabric-controller
}

install_agent() {
  local host="" ip="" controller="" ca="" token="" extra=""
  while [ $# -gt 0 ]; do
    case $1 in
      --host-id) host=$2; shift 2 ;;
      --underlay-ip) ip=$2; shift 2 ;;
      --controller) controller=$2; shift 2 ;;
      --ca-cert) ca=$2; shift 2 ;;
      --join-token) token=$2; shift 2 ;;
      --extra-flags) extra=$2; shift 2 ;;
      *) die "agent: unknown option $1 (see --help)" ;;
    esac
  done
  [ -n "$host" ] && [ -n "$ip" ] && [ -n "$controller" ] || die "agent: --host-id, --underlay-ip and --controller are required"
  need "$ca" "agent: --ca-cert FILE: the fabric CA's certificate (ca.crt of 'ovsfabricctl pki init')"
  if [ -z "$token" ] && [ ! -s /var/lib/ovsfabric/tls/host.crt ]; then
    die "agent: $host has no certificate yet (/var/lib/ovsfabric/tls/host.crt): give --join-token (ovsfabricctl token create --host $host)"
  fi
  install_files
  install -d -m 0700 /var/lib/ovsfabric/tls
  install -m 0644 "$ca" /var/lib/ovsfabric/tls/ca.crt
  step "agent $host (underlay $ip, controller $controller)$([ -n "$token" ] && echo ", first start joins with a token" || true)"
  (umask 077; cat >/etc/default/ovsfabric-agent <<EOT
CONTROLLER=$controller
HOST_ID=$host
UNDERLAY_IP=$ip
JOIN_FLAGS=${token:+--join-token $token}
EXTRA_FLAGS=$extra
EOT
  )
  systemctl enable ovsfabric-agent
  systemctl restart ovsfabric-agent   # its ExecStartPost waits until it registered and wrote docker.env
  test -s /run/ovsfabric/docker.env || die "the agent did not register: journalctl -u ovsfabric-agent"
}

[ "$(id -u)" -eq 0 ] || { [ "${1:-}" = --help ] || [ "${1:-}" = -h ] || die "run as root"; }
case ${1:-} in
  controller) shift; install_controller "$@" ;;
  agent) shift; install_agent "$@" ;;
  files) install_files ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
