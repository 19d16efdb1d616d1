#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install the Debian packages the build and the tests need.  As root it
# installs what is missing (and does nothing when all is there); as another
# user it prints the one apt-get line to run.

PACKAGES="meson ninja-build pkg-config gcc libc6-dev libglib2.0-dev
libjson-glib-dev python3 python3-pytest qemu-system-x86 util-linux procps"

# libvirt for tests/functional/test_libvirt.py: the daemon and its QEMU
# driver, and virsh.  Deliberately not libvirt-daemon-system (init
# scripts that start libvirtd/virtlogd on install, the default network,
# system accounts): these three packages have no maintainer script that
# starts or configures anything, and the test runs its own libvirtd
# with a private configuration (mount for its bind mounts, util-linux
# for unshare).
PACKAGES="$PACKAGES libvirt-daemon libvirt-daemon-driver-qemu
libvirt-clients mount"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
            grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "Missing packages:$missing" >&2
    echo "Run: sudo apt-get install -y$missing" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "Installing:$missing"
# A stale or empty package list makes apt-get install fail; refresh once.
apt-get update -qq || exit 1
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing || exit 1
