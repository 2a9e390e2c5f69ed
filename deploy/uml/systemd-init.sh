#!/bin/sh
# deploy/uml/systemd-init.sh: PID 1 of a user-mode-linux guest booted by deploy/uml/systemd-check.sh, until it
# execs systemd. Not for running by hand.
#
# The guest's root is this machine's own filesystem (hostfs, read-write). systemd must not write to the host's
# /etc or /var, nor start the host's services, so this puts an overlay over the whole root first: the host's files
# below (read-only, never written), a tmpfs above (every write of the guest lands there and is gone at power-off).
# In that root it masks every unit the host enables (docker, containerd, timers, ...) except etcd and OVS, adds
# the check's own target and service, binds the run dir (kernel command line ovsfabric_io=DIR) at /run/uml-io (the
# only host place written to), pivots into the overlay and execs systemd with the check's target as default.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
IO_HOST=${ovsfabric_io:-}
NEW=/run/ovl/root
SELF_DIR=$(dirname "$(readlink -f "$0")")
REPO=$(cd "$SELF_DIR/../.." && pwd)

log() { echo "systemd-init: $*" >/dev/console 2>/dev/null || echo "systemd-init: $*"; }
fail() { log "FATAL: $*"; [ -n "$IO_HOST" ] && [ -d "$IO_HOST" ] && echo 125 >"$IO_HOST/rc"; sync; poweroff -f; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null || true
[ -n "$IO_HOST" ] && [ -d "$IO_HOST" ] || fail "no run dir (kernel command line ovsfabric_io=DIR; got '$IO_HOST')"

# A guest-only tmpfs over /run holds the overlay's upper and work dirs. Modules first: overlay is one.
mount -t tmpfs -o mode=755 tmpfs /run
KVER=$(uname -r)
# (the host may have no /lib/modules, and nothing is made on hostfs: modprobe -d reads a guest-only tree)
mkdir -p "/run/uml-modules/lib/modules/$KVER" && mount --bind "/usr/lib/uml/modules/$KVER" "/run/uml-modules/lib/modules/$KVER" \
  || fail "cannot bind the UML modules of $KVER"
modprobe -d /run/uml-modules overlay || fail "modprobe overlay failed"
mkdir -p /run/ovl/upper /run/ovl/work "$NEW"
mount -t overlay overlay -o lowerdir=/,upperdir=/run/ovl/upper,workdir=/run/ovl/work "$NEW" \
  || fail "cannot mount the overlay root"

# The new root's own /run (systemd keeps a tmpfs it finds there), the run dir, the modules.
mount -t tmpfs -o mode=755 tmpfs "$NEW/run"
mkdir -p "$NEW/run/uml-io" "$NEW/.oldroot"
mount --bind "$IO_HOST" "$NEW/run/uml-io" || fail "cannot bind $IO_HOST"
mkdir -p "$NEW/lib/modules/$KVER" && mount --bind "/usr/lib/uml/modules/$KVER" "$NEW/lib/modules/$KVER" || fail "cannot bind the modules in the new root"
exec >>"$NEW/run/uml-io/init.log" 2>&1

# Only etcd and OVS of the host's enabled units may start: mask the rest (in the overlay, not on the host).
UNITS=$NEW/etc/systemd/system
for wanted in /etc/systemd/system/*.wants/*; do
  name=$(basename "$wanted")
  case $name in
    etcd.service|openvswitch-switch.service) ;;
    *) ln -sfn /dev/null "$UNITS/$name"; log "masked $name" ;;
  esac
done
# Services that make no sense in a throwaway guest and fail on a hostfs root.
for name in systemd-firstboot.service systemd-repart.service systemd-remount-fs.service systemd-timesyncd.service \
  systemd-pstore.service getty@tty1.service serial-getty@ttyS0.service console-getty.service \
  systemd-binfmt.service proc-sys-fs-binfmt_misc.automount; do
  ln -sfn /dev/null "$UNITS/$name"
done
# /tmp stays the overlay's, contents included: the check may run from a checkout cloned in /tmp, which a tmpfs there
# (tmp.mount) would hide and systemd-tmpfiles' "D /tmp" (tmp.conf) would empty at boot (in the overlay only).
ln -sfn /dev/null "$UNITS/tmp.mount"
mkdir -p "$NEW/etc/tmpfiles.d" && : >"$NEW/etc/tmpfiles.d/tmp.conf"
# fstab describes the host's disks: the guest mounts none of them.
: >"$NEW/etc/fstab"
echo uml >"$NEW/etc/hostname"

# The check: a target that only pulls the check's service, which runs systemd-guest.sh and powers off.
cat >"$UNITS/ovsfabric-check.target" <<UNIT
[Unit]
Description=ovsfabric: start the units under a real systemd (deploy/uml/systemd-check.sh)
Requires=ovsfabric-check.service
After=ovsfabric-check.service
AllowIsolate=yes
UNIT
cat >"$UNITS/ovsfabric-check.service" <<UNIT
[Unit]
Description=ovsfabric: install and start the controller, etcd and agent units, then power off
DefaultDependencies=no
Wants=systemd-journald.service
After=systemd-journald.service

[Service]
Type=oneshot
Environment=PATH=$SELF_DIR/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
Environment=OVSFABRIC_REPO=$REPO
ExecStart=/bin/bash $SELF_DIR/systemd-guest.sh
StandardOutput=file:/run/uml-io/output
StandardError=inherit
TimeoutStartSec=infinity
UNIT
log "kernel $KVER, uptime $(cut -d' ' -f1 /proc/uptime)s: pivoting into the overlay and starting systemd"

for fs in /proc /sys /dev; do mount --move "$fs" "$NEW$fs" || fail "cannot move $fs into the new root"; done
cd "$NEW" || fail "cannot enter $NEW"
pivot_root . .oldroot || fail "pivot_root failed"
# systemd makes / shared itself when the kernel starts it, but not here: mounts made in a unit's namespace (the
# ramfs of LoadCredential=) must propagate back, or every unit with credentials sees an empty, unreadable directory
mount --make-rshared / || fail "cannot make / shared"
exec chroot . /lib/systemd/systemd --unit=ovsfabric-check.target --log-target=console --show-status=true \
  </dev/console >/dev/console 2>&1
