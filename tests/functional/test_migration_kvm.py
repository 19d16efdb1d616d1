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
import re
import struct
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "guest"))
from conftest import qemu_binary  # noqa: E402
from guestrun import (GuestRun, MiB, GiB, kvm_unusable_reason,  # noqa: E402
                      default_guest_elf)
from migutil import (payload_of, replace_section,  # noqa: E402
                     sections_by_name, wait_migration)

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


def wait_status(run, want=None):
    """migutil.wait_migration() on GuestRun @run, TIMEOUT s."""
    return wait_migration(lambda: run.qmp.cmd("query-migrate"), want,
                          TIMEOUT)


def wait_completed(run):
    """Wait until @run's migration is over and check it completed; its
    query-migrate answer."""
    info = wait_status(run)
    assert info["status"] == "completed", info
    return info


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
        info = wait_completed(src)
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


def test_bad_vcpu_section_refused_before_anything_applies(tmp_path):
    """A kvm-cpu/0 record with an unknown tag (crc fixed up) is refused
    naming the section; the destination stays paused."""
    need_guest()
    data = save_stream(tmp_path, "mode=virtio-mem", r"^virtio-mem: ready")
    secs = sections_by_name(data)
    assert secs["kvm-cpu/0"].type == "kvm-x86-cpu"
    assert secs["kvm-irqchip"].type == "kvm-x86-chips"
    payload = bytearray(payload_of(data, secs["kvm-cpu/0"]))
    tag, = struct.unpack_from("<I", payload, 0)
    assert tag == 1                              # regs come first
    struct.pack_into("<I", payload, 0, 99)
    err = load_refused(tmp_path, "dst",
                       replace_section(data, "kvm-cpu/0", bytes(payload)),
                       "mode=virtio-mem")
    assert "kvm-cpu/0" in err, err
    assert "unknown record 99" in err, err


# ---- vCPU state beyond registers: XSAVE, debug registers, kvmclock ----
# The guest's mode=cpu-state (tests/guest/cpustate.c) keeps a pattern in
# zmm0-31 (ymm0-14 without AVX-512) and checks it at CPL3, sets DR0-3 and
# DR7 and reads them back every round, and reads kvmclock every round:
# "cpu-state: FAIL ..." on any mismatch or backwards step, and every
# 10 rounds "cpu-state: round N kvmclock T ms max-step S ms".

CPU_APPEND = "mode=cpu-state"
ROUND_RE = re.compile(r"^cpu-state: round (\d+) kvmclock (\d+) ms "
                      r"max-step (\d+) ms$")
# Slack over the measured downtime for the largest kvmclock step: one
# round (~100 ms of guest TSC) plus scheduling on 2 shared cores.
CLOCK_SLACK_MS = 1500


def rounds(run):
    """(round, kvmclock ms, max-step ms) of each report line so far."""
    return [tuple(int(g) for g in m.groups())
            for m in map(ROUND_RE.match, run.transcript()) if m]


def fails(run):
    return [ln for ln in run.transcript()
            if "FAIL" in ln or "PANIC" in ln or "exception" in ln]


def wait_rounds(run, n, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while len(rounds(run)) < n:
        assert time.monotonic() < deadline, run.transcript()
        time.sleep(0.1)


def test_kvm_cpu_state_migrates(tmp_path):
    """zmm/ymm contents, XCR0, DR0-3/DR7 and kvmclock survive: the guest
    on the destination continues its rounds with no FAIL line, and its
    clock neither goes back (the destination's VM is younger) nor jumps
    by more than the downtime plus slack, although the destination (-S)
    waited 2 s for cont."""
    need_guest()
    sock = str(tmp_path / "mig.sock")
    src = GuestRun(qemu_binary(), ["-accel", "kvm"], str(tmp_path / "src"),
                   append=CPU_APPEND)
    # -S: the destination stays paused after the migration until cont,
    # and its kvmclock must wait with it.
    dst = GuestRun(qemu_binary(), ["-accel", "kvm"], str(tmp_path / "dst"),
                   append=CPU_APPEND,
                   extra=["-incoming", "unix:" + sock, "-S"])
    try:
        src.start()
        src.wait_line(r"^cpu-state: ready \(vector on, debug registers on, "
                      r"kvmclock on\)", TIMEOUT)
        # The source's kvmclock runs ahead of a destination VM created
        # later: loading nothing would make guest time go back.
        wait_rounds(src, 3)
        dst.start()
        assert not dst.qmp.cmd("query-status")["running"]
        src.qmp.cmd("migrate", {"uri": "unix:" + sock})
        wait_completed(src)
        wait_status(dst, ("completed",))
        time.sleep(2)
        assert not dst.qmp.cmd("query-status")["running"]
        dst.qmp.cmd("cont")
        info = src.qmp.cmd("query-migrate")
        before = rounds(src)
        wait_rounds(dst, 3)
        after = rounds(dst)
        assert not fails(src), src.transcript()
        assert not fails(dst), dst.transcript()
        # No reboot: the destination's first report continues the count.
        assert dst.transcript()[0].startswith("cpu-state: round"), \
            dst.transcript()
        assert after[0][0] == before[-1][0] + 10, (before, after)
        assert after[0][1] >= before[-1][1], (before, after)
        # The step across the migration: at most the downtime plus slack.
        downtime = info.get("downtime", 0)
        assert after[0][2] <= downtime + CLOCK_SLACK_MS, (info, after)

        # XCR0 the guest cannot read back on this host (README): the
        # destination's KVM must report the value the guest set on the
        # source, so migrate once more, to a file, and read the record.
        xcr0 = int(re.search(r"XCR0=(0x[0-9a-f]+)",
                             "\n".join(src.transcript())).group(1), 16)
        again = tmp_path / "again.bin"
        dst.qmp.cmd("migrate", {"uri": f"exec:cat > {again}"})
        wait_completed(dst)
        data = again.read_bytes()
        sec = sections_by_name(data)["kvm-cpu/0"]
        recs = {t: (o, n) for t, o, n in records(payload_of(data, sec))}
        off = sec.offset + recs[REC_XCRS][0]
        nr, = struct.unpack_from("<I", data, off)
        index, value = struct.unpack_from("<I4xQ", data, off + 8)
        assert (nr, index, value) == (1, 0, xcr0), (nr, index, value, xcr0)
    finally:
        src.stop()
        dst.stop()


def test_kvm_clock_stands_still_while_stopped(tmp_path):
    """stop for 3 s, cont: kvmclock does not count the stopped time (as
    QEMU's kvmclock device), and the rest of the state is intact."""
    need_guest()
    run = GuestRun(qemu_binary(), ["-accel", "kvm"], str(tmp_path / "vm"),
                   append=CPU_APPEND)
    try:
        run.start()
        run.wait_line(r"^cpu-state: ready", TIMEOUT)
        wait_rounds(run, 2)
        run.qmp.cmd("stop")
        n = len(rounds(run))
        time.sleep(3)
        run.qmp.cmd("cont")
        wait_rounds(run, n + 3)
        r = rounds(run)
        assert not fails(run), run.transcript()
        assert all(step < 1500 for _, _, step in r), r
        # Monotonic throughout.
        assert [t for _, t, _ in r] == sorted(t for _, t, _ in r), r
    finally:
        run.stop()


def records(payload):
    """[(tag, offset of the data, length)] of a kvm section payload."""
    out, pos = [], 0
    while pos < len(payload):
        tag, n = struct.unpack_from("<II", payload, pos)
        out.append((tag, pos + 8, n))
        pos += 8 + n
    return out


REC_XSAVE = 12
REC_XCRS = 13


def save_stream(tmp_path, append, ready=r"^cpu-state: ready"):
    """The stream of a guest started with @append, saved once its console
    matched @ready."""
    stream = tmp_path / "stream.bin"
    src = GuestRun(qemu_binary(), ["-accel", "kvm"], str(tmp_path / "src"),
                   append=append)
    try:
        src.start()
        src.wait_line(ready, TIMEOUT)
        src.qmp.cmd("migrate", {"uri": f"exec:cat > {stream}"})
        wait_completed(src)
    finally:
        src.stop()
    return stream.read_bytes()


def load_stream(tmp_path, name, data, append):
    """Start a destination on @data; (query-migrate, transcript 0.5 s
    after the end, whether it runs)."""
    path = tmp_path / f"{name}.bin"
    path.write_bytes(data)
    dst = GuestRun(qemu_binary(), ["-accel", "kvm"], str(tmp_path / name),
                   append=append, extra=["-incoming", f"exec:cat {path}"])
    try:
        dst.start()
        info = wait_status(dst, ("failed", "completed"))
        if info["status"] == "completed":
            dst.qmp.cmd("cont")
        time.sleep(0.5)
        return (info, dst.transcript(),
                dst.qmp.cmd("query-status")["running"])
    finally:
        dst.stop()


def load_refused(tmp_path, name, data, append):
    """The error of a destination that must refuse @data and stay
    paused without running the guest."""
    info, transcript, running = load_stream(tmp_path, name, data, append)
    assert info["status"] == "failed", info
    assert not running
    assert transcript == []                     # the guest never ran
    return info["error-desc"]


def test_bad_xsave_record_refused_before_anything_applies(tmp_path):
    """kvm-cpu/0's XSAVE record grown past what this host's KVM holds,
    or with a feature bit KVM_GET_SUPPORTED_CPUID does not offer in its
    header, is refused naming the section; the destination stays
    paused.  The unmodified stream loads (the check is not blanket)."""
    need_guest()
    data = save_stream(tmp_path, CPU_APPEND)
    sec = sections_by_name(data)["kvm-cpu/0"]
    assert sec.version == 2, sec                # the section version
    payload = payload_of(data, sec)
    recs = {t: (o, n) for t, o, n in records(payload)}
    assert REC_XSAVE in recs, recs
    off, n = recs[REC_XSAVE]
    assert n >= 4096, n
    info, _, running = load_stream(tmp_path, "intact", data, CPU_APPEND)
    assert info["status"] == "completed" and running, info

    # One page more than the host's KVM_GET_XSAVE2 size.
    grown = bytearray(payload[:off - 4])
    grown += struct.pack("<I", n + 4096) + payload[off:off + n]
    grown += bytes(4096) + payload[off + n:]
    err = load_refused(tmp_path, "oversized",
                       replace_section(data, "kvm-cpu/0", bytes(grown)),
                       CPU_APPEND)
    assert "kvm-cpu/0" in err and "XSAVE area of" in err, err

    # XSTATE_BV with bit 17 (AMX tile data): never in this host's XCR0
    # (KVM does not offer it without a permission request).
    bad = bytearray(payload)
    bv, = struct.unpack_from("<Q", bad, off + 512)
    struct.pack_into("<Q", bad, off + 512, bv | (1 << 17))
    err = load_refused(tmp_path, "feature",
                       replace_section(data, "kvm-cpu/0", bytes(bad)),
                       CPU_APPEND)
    assert "kvm-cpu/0" in err and "XSAVE area holds features 0x20000" \
        in err, err


def test_kvm_reset_restores_power_on_cpu_state(tmp_path):
    """system_reset after mode=cpu-state set XCR0, DR0-3/DR7 and the
    kvmclock MSR: the rebooted guest finds their power-on values (a
    kvmclock MSR left enabled would keep KVM writing into its memory)."""
    need_guest()
    run = GuestRun(qemu_binary(), ["-accel", "kvm"], str(tmp_path / "vm"),
                   append=CPU_APPEND)
    try:
        run.start()
        first = run.wait_line(r"^cpu-state: ready", TIMEOUT)
        wait_rounds(run, 1)
        run.qmp.cmd("system_reset")
        run.wait_line(r"^cpu-state: ready", TIMEOUT, start=first + 1)
        wait_rounds(run, 2)
        assert not fails(run), run.transcript()
    finally:
        run.stop()


def as_version1(data, keep=()):
    """@data with every kvm-* section turned into a version 1 payload:
    the records version 2 added (tags 12-15) dropped, except @keep."""
    for name in [k for k in sections_by_name(data) if k.startswith("kvm-")]:
        payload = payload_of(data, sections_by_name(data)[name])
        kept = b"".join(payload[o - 8:o + n]
                        for t, o, n in records(payload)
                        if t < REC_XSAVE or t in keep)
        data = replace_section(data, name, kept, version=1)
    return data


def test_kvm_version1_sections_still_load(tmp_path):
    """A stream whose kvm-cpu/N and kvm-irqchip sections are version 1
    (no XSAVE, XCRs, debug registers or clock) loads and the guest goes
    on from the source's registers (its vector and debug register checks
    then fail: version 1 did not carry them); a version 1 payload with a
    version 2 record is refused as an unknown record."""
    need_guest()
    data = save_stream(tmp_path, CPU_APPEND)
    info, transcript, running = load_stream(tmp_path, "v1",
                                            as_version1(data), CPU_APPEND)
    assert info["status"] == "completed" and running, info
    assert transcript and transcript[0].startswith("cpu-state:"), transcript
    assert not any("hello" in ln for ln in transcript), transcript
    err = load_refused(tmp_path, "v1-xsave",
                       as_version1(data, keep=(REC_XSAVE,)), CPU_APPEND)
    assert "kvm-cpu/0" in err and "unknown record 12" in err, err
