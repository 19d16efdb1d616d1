# SPDX-License-Identifier: GPL-2.0-or-later
"""Live migration under -accel kvm: the test guest (tests/guest) with
1 GiB plugged (every page written: verify=page) migrates over unix: to a
second process started with the same command line plus -incoming.  While
precopy runs it is asked for 1.5 GiB and gets BUSY, so it keeps running
its driver (ring, stack, variables in pc.ram, written by the vCPU: only
KVM's dirty log sees them) and retrying.  On the destination it goes on
from there (vCPU, LAPIC, in-kernel IOAPIC/PIC/PIT state travelled): it
plugs 1.5 GiB when asked, verifying every kept page, then follows a
qom-set to 512 MiB.  Bytes on the wire follow populated memory (pc.ram
mostly as zero runs, plugged blocks as data), not the 16 GiB region.

Skips with the reason where /dev/kvm is unusable.
"""

import os
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "guest"))
from conftest import qemu_binary  # noqa: E402
from guestrun import (GuestRun, MiB, GiB, kvm_unusable_reason,  # noqa: E402
                      default_guest_elf)

TIMEOUT = 120
APPEND = "mode=virtio-mem verify=page user"
LOST = ("lost their data", "PANIC", "holds", "NACK", "ERROR")


def need_guest():
    reason = kvm_unusable_reason()
    if reason:
        pytest.skip(f"KVM unusable: {reason}")
    if not os.path.exists(default_guest_elf()):
        pytest.skip(f"test guest not built: {default_guest_elf()}")


def line_for(size, blocks):
    return (f"virtio-mem: requested=0x{size:x} plugged=0x{size:x} "
            f"verified={blocks} blocks")


def test_kvm_guest_migrates_mid_workload(tmp_path):
    need_guest()
    sock = str(tmp_path / "mig.sock")
    src = GuestRun(qemu_binary(), ["-accel", "kvm"], str(tmp_path / "src"),
                   append=APPEND)
    dst = GuestRun(qemu_binary(), ["-accel", "kvm"], str(tmp_path / "dst"),
                   append=APPEND, extra=["-incoming", "unix:" + sock])
    try:
        src.start()
        src.wait_line(r"^virtio-mem: ready", TIMEOUT)
        r = src.step(1 * GiB, TIMEOUT)
        assert r["verified"] == 512, r
        dst.start()
        assert not dst.qmp.cmd("query-status")["running"]
        # Slow enough that the guest retries a few times during precopy.
        src.qmp.cmd("migrate-set-parameters", {"max-bandwidth": 256 * MiB})
        src.qmp.cmd("migrate", {"uri": "unix:" + sock})
        deadline = time.monotonic() + TIMEOUT
        while src.qmp.cmd("query-migrate")["status"] == "setup":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        # The guest now asks for 256 more blocks: BUSY while migrating, so
        # it keeps writing its ring, stack and variables, retrying.
        busy_from = len(src.transcript())
        src.qmp.cmd("qom-set", {"path": "vm0", "property": "requested-size",
                                "value": 1536 * MiB})
        while True:
            info = src.qmp.cmd("query-migrate")
            if info["status"] not in ("setup", "active"):
                break
            assert time.monotonic() < deadline, info
            time.sleep(0.05)
        assert info["status"] == "completed", info
        assert not src.qmp.cmd("query-status")["running"]
        busy = [ln for ln in src.transcript()[busy_from:] if "BUSY" in ln]
        assert len(busy) >= 2, src.transcript()[busy_from:]
        assert dst.qmp.cmd("query-status")["running"]

        # The destination goes on from the source's state (no reboot: no
        # new console line by itself) and plugs the 256 blocks when asked,
        # verifying the 512 it kept.
        r = dst.step(1536 * MiB, TIMEOUT)
        assert r["guest_plugged"] == 1536 * MiB and r["verified"] == 768, r
        assert dst.transcript() == [line_for(1536 * MiB, 768)]

        # Then it follows a resize on the destination, checking that the
        # 256 blocks it keeps still hold their pattern.
        r = dst.step(512 * MiB, TIMEOUT)
        assert r["guest_plugged"] == 512 * MiB and r["verified"] == 256, r
        assert dst.transcript()[1:] == [line_for(512 * MiB, 256)]
        for run in (src, dst):
            bad = [ln for ln in run.transcript() if any(w in ln for w in LOST)]
            assert not bad, bad

        # Bytes on the wire: pc.ram (1 GiB, mostly zero runs) plus at most
        # 1.5 GiB plugged, plus what the guest rewrote during precopy;
        # never the 16 GiB region.
        ram = info["ram"]
        assert ram["total"] == 2 * GiB, ram     # pc.ram + plugged
        assert ram["transferred"] >= GiB, ram
        assert ram["transferred"] < GiB + 64 * MiB, ram
    finally:
        src.stop()
        dst.stop()
