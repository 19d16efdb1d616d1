#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Boot Debian's kernel with a busybox initramfs that loads virtio_mem and
# follow qom-set resizes (see README.md).  For hosts with hardware
# virtualization; not part of the test suite.
set -eu

BUILD=${1:-build}
SRC=$(cd "$(dirname "$0")/../../.." && pwd)
QEMU=$(cd "$BUILD" && pwd)/qemu-system-x86_64
WORK=$(cd "$BUILD" && pwd)/linux-guest
QMP=$WORK/qmp.sock
CONSOLE=$WORK/virtio-mem-console.txt
mkdir -p "$WORK"
cd "$WORK"

# 1. Debian's kernel package (cached).
if ! ls x/boot/vmlinuz-* >/dev/null 2>&1; then
    pkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' |
          awk '{print $1}' | sort -t- -k4 -n | tail -1)
    apt-get download "$pkg"
    dpkg-deb -x "$pkg"_*.deb x
fi
KERNEL=$(ls x/boot/vmlinuz-* | head -1)
KVER=${KERNEL#x/boot/vmlinuz-}

# 2. A busybox initramfs with the virtio modules.
rm -rf initramfs && mkdir -p initramfs/bin initramfs/lib/modules
cp /bin/busybox initramfs/bin/busybox
# In dependency order (Debian builds them all as modules); numbered so
# that /init loads them in this order.
n=0
for m in virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev \
         virtio_pci virtio_mem; do
    f=$(find "x/lib/modules/$KVER" -name "$m.ko*" | head -1)
    if [ -n "$f" ]; then
        n=$((n + 1))
        cp "$f" "initramfs/lib/modules/$n-$(basename "$f")"
    fi
done
cat > initramfs/init <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
for m in /lib/modules/*.ko*; do
    case $m in *.xz) xz -dc "$m" > /tmp/m.ko; insmod /tmp/m.ko ;;
               *) insmod "$m" ;; esac
done
echo "virtio_mem loaded"
while true; do
    grep MemTotal /proc/meminfo
    sleep 1
done
INIT
chmod +x initramfs/init
mkdir -p initramfs/proc initramfs/sys initramfs/tmp
(cd initramfs && find . | cpio -o -H newc 2>/dev/null | gzip) > initramfs.cpio.gz

# 3. Boot.
rm -f "$QMP" "$CONSOLE"
"$QEMU" -accel kvm -machine q35 -smp 2 -m 1G,maxmem=9G \
    -object memory-backend-ram,id=vmem0,size=8G,reserve=off \
    -device virtio-mem-pci,id=vm0,memdev=vmem0,requested-size=0 \
    -kernel "$KERNEL" -initrd initramfs.cpio.gz \
    -append "console=ttyS0 memhp_default_state=online_movable reboot=k panic=-1" \
    -serial "file:$CONSOLE" -no-reboot -display none -nodefaults \
    -qmp "unix:$QMP,server=on,wait=off" &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT

# 4. Resize and follow.
python3 - "$QMP" "$CONSOLE" <<'PY'
import json, re, socket, sys, time
qmp_path, console = sys.argv[1], sys.argv[2]
for _ in range(100):
    try:
        s = socket.socket(socket.AF_UNIX); s.connect(qmp_path); break
    except OSError:
        time.sleep(0.1)
f = s.makefile("rw")
def cmd(name, **args):
    f.write(json.dumps({"execute": name, "arguments": args}) + "\n"); f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            return r
json.loads(f.readline()); cmd("qmp_capabilities")
def wait_console(pattern, timeout):
    end = time.time() + timeout
    while time.time() < end:
        text = open(console, errors="replace").read()
        m = re.findall(pattern, text)
        if m:
            return m[-1]
        time.sleep(1)
    sys.exit(f"timeout waiting for {pattern!r}")
wait_console(r"virtio_mem loaded", 600)
base = int(wait_console(r"MemTotal:\s+(\d+) kB", 60))
GiB = 1 << 30
for size in (1 * GiB, 4 * GiB, GiB // 2, 0):
    cmd("qom-set", path="vm0", property="requested-size", value=size)
    end = time.time() + 300
    while time.time() < end:
        plugged = cmd("qom-get", path="vm0", property="size")["return"]
        total = int(wait_console(r"MemTotal:\s+(\d+) kB", 60))
        if plugged == size and abs(total - base - size // 1024) < 64 * 1024:
            print(f"requested {size >> 20} MiB: plugged {plugged >> 20} MiB, "
                  f"guest MemTotal {total >> 10} MiB")
            break
        time.sleep(1)
    else:
        sys.exit(f"did not converge at {size >> 20} MiB "
                 f"(plugged {plugged >> 20} MiB, MemTotal {total} kB)")
cmd("quit")
PY
