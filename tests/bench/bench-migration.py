#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark (not a test): migrate 1 GiB plugged of a 64 GiB reserve=off
virtio-mem region between two processes of the same binary over unix:,
for our binary and for Debian's QEMU 7.2, with the same qtest writes
(a 64 KiB stripe per 2 MiB block, tests/functional/test_migration.py's
pattern) and max-bandwidth raised to 10 GiB/s.

Prints per binary: bytes on the wire (query-migrate ram.transferred),
ram.total, total-time and downtime in ms.  Bytes must scale with what
is plugged and written, not with the region.

Then, once per binary, the scaling lines: the same writes with a 16 GiB
and a 64 GiB region (1 GiB plugged), and with 2 GiB plugged of 64 GiB.

Runs both binaries side by side, REPS times (default 5, BENCH_REPS),
alternating which goes first (the first to fault in huge pages after
the other freed them pays more), then the median of each.

Usage: tests/bench/bench-migration.py [BINARY [REFERENCE]]
"""

import os
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SRC, "tests", "functional"))
import qtest  # noqa: E402
from vmem_driver import ACK, VirtioMemDriver  # noqa: E402

GiB = 1 << 30


def args(region, plugged, incoming=None):
    a = ["-machine", "q35", "-m", "128M,maxmem=128G",
         "-object", "memory-backend-ram,id=mem0,size=%dG,reserve=off"
         % (region // GiB),
         "-device", "virtio-mem-pci,id=vm0,memdev=mem0,block-size=2M,"
         "requested-size=%dG" % (plugged // GiB)]
    return a + (["-incoming", incoming] if incoming else [])


def run(binary, accel, region=64 * GiB, plugged=GiB):
    sock = os.path.join(tempfile.mkdtemp(prefix="bench-mig-"), "m.sock")
    src = qtest.QTestMachine(args(region, plugged), binary=binary,
                             accel=accel, timeout=120)
    dst = qtest.QTestMachine(args(region, plugged, "unix:" + sock),
                             binary=binary, accel=accel, timeout=120)
    src.launch()
    dst.launch()
    try:
        drv = VirtioMemDriver(src)
        drv.probe()
        nblocks = plugged // drv.block_size
        for i in range(0, nblocks, 256):
            assert drv.plug(drv.block_addr(i), 256) == ACK
        for i in range(nblocks):
            src.memset(drv.block_addr(i), 64 * 1024, (0x5a + i) & 0xff)
        src.command("migrate-set-parameters",
                    **{"max-bandwidth": 10 * GiB})
        # Both stay paused (-S for QEMU): the migration is of a stopped VM.
        src.command("migrate", uri="unix:" + sock)
        while True:
            info = src.command("query-migrate")
            if info["status"] in ("completed", "failed"):
                break
            time.sleep(0.02)
        return info
    finally:
        src.kill()
        dst.kill()


def main():
    own = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(SRC, "build", "qemu-system-x86_64")
    ref = sys.argv[2] if len(sys.argv) > 2 else "/usr/bin/qemu-system-x86_64"
    reps = int(os.environ.get("BENCH_REPS", "5"))
    # Debian's QEMU has no qtest accelerator: -accel tcg -S (qtest still
    # drives memory and devices; the vCPU never runs).
    binaries = []
    for name, binary, accel in (("ours", own, None),
                                ("qemu-7.2", ref, "-accel tcg -S")):
        if not os.path.exists(binary):
            print("bench-migration: %s: skipped: %s not found"
                  % (name, binary))
            continue
        binaries.append((name, binary, accel))
    times = {name: [] for name, _, _ in binaries}
    for rep in range(reps):
        order = binaries if rep % 2 == 0 else binaries[::-1]
        for name, binary, accel in order:
            info = run(binary, accel)
            ram = info.get("ram", {})
            times[name].append(info.get("total-time", 0))
            print("bench-migration: %-8s status=%s transferred=%d total=%d "
                  "total-time=%dms downtime=%sms"
                  % (name, info["status"], ram.get("transferred", 0),
                     ram.get("total", 0), info.get("total-time", 0),
                     info.get("downtime", "-")))
    for name, t in times.items():
        print("bench-migration: %-8s median total-time=%dms of %s"
              % (name, sorted(t)[len(t) // 2], t))
    # Scaling: the region grows 4x with the same plugged memory, then
    # what is plugged (and written) doubles.  Bytes on the wire must
    # follow the second, not the first.
    for name, binary, accel in binaries:
        for region, plugged in ((16 * GiB, GiB), (64 * GiB, GiB),
                                (64 * GiB, 2 * GiB)):
            info = run(binary, accel, region, plugged)
            print("bench-migration: %-8s scaling region=%2dG plugged=%dG "
                  "status=%s transferred=%d"
                  % (name, region // GiB, plugged // GiB, info["status"],
                     info.get("ram", {}).get("transferred", 0)))


if __name__ == "__main__":
    main()
