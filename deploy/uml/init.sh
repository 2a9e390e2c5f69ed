#!/bin/sh
# deploy/uml/init.sh: PID 1 of a user-mode-linux guest started by deploy/uml/run.sh. Not for running by hand.
#
# The guest's root is the machine's own filesystem (hostfs, read-write), so this script first puts tmpfs over
# every place a daemon would write to (/run, /tmp, /var/lib, /var/log, /var/cache, /etc/openvswitch, /root, ...)
# and binds the run dir that run.sh made (kernel command line: ovsfabric_io=DIR, which the kernel hands to init
# as an environment variable) at /run/uml-io, the only host place it writes to. Then it loads the kernel modules
# the kernel datapath needs, mounts cgroups, runs $IO/cmd with bash, writes its exit code to $IO/rc and powers off.
# With ovsfabric_mode=serve (deploy/uml/guest.sh start) it runs deploy/uml/serve.sh instead, the guest's command
# server, until the host asks for poweroff.
#
# OVS 3.1.0 (Debian bookworm) counts 0 CPUs during the first 10 s of CLOCK_MONOTONIC and then starts no upcall
# handler threads (every upcall is "lost"). deploy/uml/bin/ovs-vswitchd, first in PATH, waits for that; set
# ovsfabric_ovs_early=1 on the kernel command line (run.sh --ovs-early) to start vswitchd at once and see the bug.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
IO_HOST=${ovsfabric_io:-}
IO=/run/uml-io

log() { echo "uml-init: $*" >/dev/console 2>/dev/null || echo "uml-init: $*"; }
fail() { log "FATAL: $*"; [ -d "$IO" ] && echo 125 >"$IO/rc"; sync; poweroff -f; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null || true
mkdir -p /dev/pts /dev/shm; mount -t devpts devpts /dev/pts; mount -t tmpfs -o mode=1777 tmpfs /dev/shm
ln -sfn /proc/self/fd /dev/fd; ln -sfn fd/0 /dev/stdin; ln -sfn fd/1 /dev/stdout; ln -sfn fd/2 /dev/stderr
[ -n "$IO_HOST" ] && [ -d "$IO_HOST" ] || fail "no run dir (kernel command line ovsfabric_io=DIR; got '$IO_HOST')"

# /run first (the bind of the run dir lives there), then everything else that must not reach the host's disk.
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p "$IO" /run/openvswitch /run/netns /run/lock /run/docker /run/containerd
mount --bind "$IO_HOST" "$IO" || fail "cannot bind $IO_HOST"
exec >>"$IO/init.log" 2>&1   # this script's own chatter; the command's output goes to $IO/output
# The checkout this script runs from may sit below one of the dirs about to get a tmpfs (a clone in /tmp): held
# at /run/uml-repo first, and bound back at its own path if the tmpfs hid it.
SELF_DIR=$(dirname "$(readlink -f "$0")")
REPO_DIR=$(cd "$SELF_DIR/../.." && pwd)
mkdir -p /run/uml-repo && mount --bind "$REPO_DIR" /run/uml-repo || fail "cannot hold $REPO_DIR"
for d in /tmp /var/tmp /var/log /var/cache /var/lib /etc/openvswitch /etc/docker /root; do
  [ -d "$d" ] && mount -t tmpfs -o mode=755 tmpfs "$d"
done
if [ ! -e "$REPO_DIR/deploy/uml/init.sh" ]; then
  mkdir -p "$REPO_DIR" && mount --bind /run/uml-repo "$REPO_DIR" || fail "cannot bind $REPO_DIR back"
fi
chmod 1777 /tmp /var/tmp
mkdir -p /var/log/openvswitch /var/lib/openvswitch/pki
export HOME=/root TMPDIR=/tmp

# Modules: the UML kernel's own, in a guest-only tree that every modprobe uses (`-d`): the host may have no
# /lib/modules at all (a container image), and a directory made there on hostfs would land on the host's disk.
# A modprobe first in PATH and the kernel's own module helper (request_module) both point there.
KVER=$(uname -r)
[ -d "/usr/lib/uml/modules/$KVER" ] || fail "no modules for kernel $KVER in /usr/lib/uml/modules ($(ls /usr/lib/uml/modules 2>&1))"
mkdir -p "/run/uml-modules/lib/modules/$KVER" /run/uml-path
mount --bind "/usr/lib/uml/modules/$KVER" "/run/uml-modules/lib/modules/$KVER" || fail "cannot bind the UML modules of $KVER"
printf '#!/bin/sh\nexec /usr/sbin/modprobe -d /run/uml-modules "$@"\n' >/run/uml-path/modprobe
chmod 755 /run/uml-path/modprobe
echo /run/uml-path/modprobe >/proc/sys/kernel/modprobe
export PATH="/run/uml-path:$PATH"
# One modprobe for all (each process start is slow in UML: one per module took 4 s of the boot); one by one only
# when that fails, to say which.
MODULES="openvswitch vport-gre ip_gre veth bridge vxlan br_netfilter overlay nf_nat nf_conntrack iptable_nat
  iptable_filter ip_tables nft_compat nft_masq xt_MASQUERADE xt_addrtype xt_conntrack xt_comment xt_mark xt_multiport
  xt_nat tun ip6_tables ip6table_filter ip6table_nat iptable_mangle iptable_raw xt_tcpudp"
if ! modprobe -a $MODULES 2>>"$IO/init.log"; then
  for m in $MODULES; do
    modprobe "$m" 2>>"$IO/init.log" || log "modprobe $m failed"
  done
fi

# cgroups: v2 unless ovsfabric_cgroup=v1 (then one v1 hierarchy per controller the kernel has).
if [ "${ovsfabric_cgroup:-v2}" = v1 ]; then
  mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
  for c in $(awk 'NR > 1 && $4 == 1 {print $1}' /proc/cgroups); do
    mkdir -p "/sys/fs/cgroup/$c"; mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c" || log "cgroup v1 $c failed"
  done
  mkdir -p /sys/fs/cgroup/systemd; mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd
else
  mount -t cgroup2 cgroup2 /sys/fs/cgroup || log "cgroup2 mount failed"
  # delegate every controller to children, as systemd would (dockerd/runc expect it)
  for c in $(cat /sys/fs/cgroup/cgroup.controllers 2>/dev/null); do
    echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || log "cgroup2: cannot enable $c"
  done
fi
mount -t bpf bpf /sys/fs/bpf 2>/dev/null || true
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null || true
ip link set lo up
hostname uml 2>/dev/null || true
ulimit -n 65536 2>/dev/null || true

# iptables: this UML kernel has nf_tables but neither NF_TABLES_IPV4 nor NFT_NAT, so iptables-nft (Debian's
# default) cannot make a nat table ("TABLE_ADD failed (Operation not supported): table nat") and dockerd refuses to
# start. The legacy backend (ip_tables, iptable_nat) works: iptables* names in /run/uml-path (first in PATH since the
# modules above) point there.
for t in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
  b=$(echo "$t" | sed 's/^\(ip6\{0,1\}tables\)/\1-legacy/')
  [ -x "/usr/sbin/$b" ] && ln -sf "/usr/sbin/$b" "/run/uml-path/$t"
done

# The OVS wait lives in a shim first in PATH, so only what starts ovs-vswitchd waits for it.
[ "${ovsfabric_ovs_early:-0}" = 1 ] || export PATH="$SELF_DIR/bin:$PATH"

# The caller's environment and working directory (run.sh wrote them), then the command.
[ -f "$IO/env" ] && . "$IO/env"
log "kernel $KVER, $(nproc) cpu, $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo), uptime $(cut -d' ' -f1 /proc/uptime)s: running $IO/cmd"
echo "$(cut -d' ' -f1 /proc/uptime)" >"$IO/started"
cd "${UML_CWD:-/}" 2>/dev/null || cd /
rc=0
if [ "${ovsfabric_mode:-run}" = serve ]; then
  # a persistent guest (deploy/uml/guest.sh): serve requests from the host until one asks for poweroff
  bash "$SELF_DIR/serve.sh" "$IO" </dev/null >>"$IO/serve.log" 2>&1 || rc=$?
  log "command server exited $rc at uptime $(cut -d' ' -f1 /proc/uptime)s; stopping what runs, powering off"
  # what the lab left running: SIGTERM everything but init, then SIGKILL, so that daemons flush and exit
  kill -TERM -1 2>/dev/null; sleep 3; kill -KILL -1 2>/dev/null
else
  bash "$IO/cmd" </dev/null >"$IO/output" 2>&1 || rc=$?
fi
echo "$rc" >"$IO/rc.tmp"; mv "$IO/rc.tmp" "$IO/rc"
log "command exited $rc at uptime $(cut -d' ' -f1 /proc/uptime)s; powering off"
sync
poweroff -f
