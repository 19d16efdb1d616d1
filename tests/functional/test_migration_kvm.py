# SPDX-License-Identifier: GPL-2.0-or-later
"""Live migration under -accel kvm: the test guest (tests/guest) with
256 MiB plugged keeps checking and rewriting every page of it once a
second (churn=1000 verify=page user) while it migrates over unix: to a
second process started with the same command line plus -incoming.  Its
writes come from the vCPU, so only KVM's dirty log sees them: the first
pass (slowed to 64 MiB/s) is re-dirtied and the pages must go again.
On the destination the guest goes on from the source's state (vCPU,
LAPIC, in-kernel IOAPIC/PIC/PIT): no reboot, its next rounds find every
page as the source left it, and it follows a qom-set to 512 MiB there.
Bytes on the wire follow populated memory (pc.ram mostly as zero runs,
plugged blocks as data, plus re-dirtied pages), not the 16 GiB region.

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
APPEND = "mode=virtio-mem verify=page user churn=1000"
BAD = ("lost their data", "PANIC", "holds", "NACK", "ERROR", "hello")


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
        r = src.step(256 * MiB, TIMEOUT)
        assert r["verified"] == 128, r
        dst.start()
        assert not dst.qmp.cmd("query-status")["running"]
        # The first pass takes ~4 s, so the guest rewrites its blocks
        # during it; then what is left goes with the VM stopped.
        src.qmp.cmd("migrate-set-parameters",
                    {"max-bandwidth": 64 * MiB, "downtime-limit": 20000})
        src.qmp.cmd("migrate", {"uri": "unix:" + sock})
        deadline = time.monotonic() + TIMEOUT
        while True:
            info = src.qmp.cmd("query-migrate")
            if info["status"] not in ("setup", "active"):
                break
            assert time.monotonic() < deadline, info
            time.sleep(0.05)
        assert info["status"] == "completed", info
        assert not src.qmp.cmd("query-status")["running"]
        while not dst.qmp.cmd("query-status")["running"]:
            assert time.monotonic() < deadline, dst.qmp.cmd("query-migrate")
            time.sleep(0.05)

        # A few churn rounds on the destination: each checks every page
        # against the previous round's pattern.
        time.sleep(3)
        assert dst.transcript() == []
        r = dst.step(512 * MiB, TIMEOUT)
        assert r["guest_plugged"] == 512 * MiB and r["verified"] == 256, r
        assert dst.transcript() == [line_for(512 * MiB, 256)]
        time.sleep(1.5)
        for run in (src, dst):
            bad = [ln for ln in run.transcript()[4:]
                   if any(w in ln for w in BAD)]
            assert not bad, bad

        # Bytes on the wire: pc.ram (1 GiB, mostly zero runs) and the
        # 256 MiB plugged, plus the pages the guest re-dirtied during the
        # first pass; never the 16 GiB region.
        ram = info["ram"]
        assert ram["total"] == GiB + 256 * MiB, ram
        assert ram["transferred"] >= 256 * MiB, ram
        # At most the plugged data twice or so (first pass plus the pages
        # re-dirtied during it): far below pc.ram + plugged as data, and
        # nowhere near the region.
        assert ram["transferred"] < 768 * MiB, ram
    finally:
        src.stop()
        dst.stop()


def read_sections(data):
    """(kind, name, type, version, payload offset, length) of each."""
    import struct
    assert data[:8] == b"QELMIGR\n"
    pos, out = 12, []
    while pos < len(data):
        start = pos
        kind = data[pos]
        pos += 2
        n, = struct.unpack_from("<H", data, pos)
        name = data[pos + 2:pos + 2 + n].decode()
        pos += 2 + n
        n, = struct.unpack_from("<H", data, pos)
        typ = data[pos + 2:pos + 2 + n].decode()
        pos += 2 + n
        version, length = struct.unpack_from("<IQ", data, pos)
        pos += 12
        out.append((start, kind, name, typ, version, pos, length))
        pos += length + 4
    return out


def test_bad_vcpu_section_refused_before_anything_applies(tmp_path):
    """A kvm-cpu/0 record with an unknown tag (crc fixed up) is refused
    naming the section; the destination stays paused."""
    import struct
    import zlib
    need_guest()
    stream = tmp_path / "stream.bin"
    src = GuestRun(qemu_binary(), ["-accel", "kvm"], str(tmp_path / "src"),
                   append="mode=virtio-mem")
    try:
        src.start()
        src.wait_line(r"^virtio-mem: ready", TIMEOUT)
        src.qmp.cmd("migrate", {"uri": f"exec:cat > {stream}"})
        deadline = time.monotonic() + TIMEOUT
        while src.qmp.cmd("query-migrate")["status"] in ("setup", "active"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert src.qmp.cmd("query-migrate")["status"] == "completed"
    finally:
        src.stop()
    data = bytearray(stream.read_bytes())
    secs = {s[2]: s for s in read_sections(bytes(data))}
    assert secs["kvm-cpu/0"][3] == "kvm-x86-cpu"
    assert secs["kvm-irqchip"][3] == "kvm-x86-chips"
    start, _, _, _, _, off, length = secs["kvm-cpu/0"]
    tag, = struct.unpack_from("<I", data, off)
    assert tag == 1                              # regs come first
    struct.pack_into("<I", data, off, 99)
    crc = zlib.crc32(bytes(data[start:off + length])) & 0xffffffff
    struct.pack_into("<I", data, off + length, crc)
    stream.write_bytes(bytes(data))

    dst = GuestRun(qemu_binary(), ["-accel", "kvm"], str(tmp_path / "dst"),
                   append="mode=virtio-mem",
                   extra=["-incoming", f"exec:cat {stream}"])
    try:
        dst.start()
        deadline = time.monotonic() + TIMEOUT
        while True:
            info = dst.qmp.cmd("query-migrate")
            if info.get("status") in ("failed", "completed"):
                break
            assert time.monotonic() < deadline, info
            time.sleep(0.05)
        assert info["status"] == "failed", info
        assert "kvm-cpu/0" in info["error-desc"], info
        assert "unknown record 99" in info["error-desc"], info
        assert not dst.qmp.cmd("query-status")["running"]
        time.sleep(0.5)
        assert dst.transcript() == []            # the guest never ran
    finally:
        dst.stop()
