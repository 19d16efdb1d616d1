# SPDX-License-Identifier: GPL-2.0-or-later
"""The test guest (tests/guest) resized over QMP, on Debian's QEMU 7.2
(-accel tcg, the reference; and -accel kvm -cpu qemu64 where KVM is
usable: the same guest on a real vCPU of this host) and on our binary
(-accel kvm).

Each run boots guest.elf with mode=virtio-mem beside a 16 GiB reserve=off
backend, waits for the driver, then sets requested-size through 1 GiB,
4 GiB, 512 MiB and 0.  After each step the device's plugged size
(qom-get size) and the guest's transcript line must both show the
requested size, with every plugged block verified.  The transcripts
(the guest's virtio-mem lines) must be identical to QEMU's under TCG.
The "smp" variant runs with -smp 2 and the guest's "smp" option: the
second vCPU writes and verifies the upper half of the plugged blocks.

Our binary is skipped, with the reason, where /dev/kvm is unusable and
where the binary does not accept the options yet (detected by trying).
"""

import os
import re
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))), "tests", "guest"))
from conftest import qemu_binary  # noqa: E402
from guestrun import (GuestRun, StartupError, LINE_RE, STEPS, MiB,  # noqa
                      GiB, kvm_unusable_reason, default_guest_elf, rss_of)

REFERENCE = os.environ.get("REFERENCE_QEMU", "/usr/bin/qemu-system-x86_64")
# meson passes the reference_qemu option; empty means "none".
BLOCK = 2 * MiB
READY_TIMEOUT = 90
STEP_TIMEOUT = 90
# The words an option parser uses when it does not know an option yet.
NOT_YET = re.compile(r"invalid (accelerator|option)|unknown option|"
                     r"not supported|unsupported", re.I)

TRANSCRIPTS = {}


VARIANTS = {
    "up": ([], "mode=virtio-mem"),
    "smp": (["-smp", "2"], "mode=virtio-mem smp"),
}


def expected_lines():
    return [f"virtio-mem: requested=0x{s:x} plugged=0x{s:x} "
            f"verified={s // BLOCK} blocks" for s in [0, *STEPS]]


def expected_ap_lines():
    return [f"virtio-mem: second vCPU verified={(s // BLOCK + 1) // 2} "
            "blocks" for s in [0, *STEPS]]


def compared(lines):
    """The lines both binaries must print alike (no timing-dependent
    BUSY retries)."""
    return [line for line in lines
            if line.startswith("virtio-mem:") and "BUSY" not in line]


TARGETS = ["qemu-7.2-tcg", "qemu-7.2-kvm", "ours-kvm"]


def target_args(target):
    if target.startswith("qemu-7.2"):
        if not os.access(REFERENCE, os.X_OK):
            pytest.skip(f"reference QEMU not installed: {REFERENCE!r}")
    if target.endswith("-kvm"):
        reason = kvm_unusable_reason()
        if reason:
            pytest.skip(f"KVM unusable: {reason}")
    if target == "qemu-7.2-tcg":
        return REFERENCE, ["-accel", "tcg", "-cpu", "max"]
    if target == "qemu-7.2-kvm":
        # -cpu host makes QEMU 7.2 abort on this PVM host (MSR 0x10a).
        return REFERENCE, ["-accel", "kvm", "-cpu", "qemu64"]
    return qemu_binary(), ["-accel", "kvm"]


def start_or_skip(run, target):
    """Start @run; skip when our binary rejects an option at start-up."""
    try:
        run.start()
    except StartupError as e:
        if target == "ours-kvm" and NOT_YET.search(e.stderr):
            pytest.skip("our binary cannot run the guest yet: " +
                        e.stderr.strip().splitlines()[0])
        raise


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("target", TARGETS)
def test_resize_sequence(target, variant, tmp_path):
    guest = default_guest_elf()
    if not os.path.exists(guest):
        pytest.fail(f"test guest not built: {guest}")
    binary, accel = target_args(target)
    extra, append = VARIANTS[variant]
    run = GuestRun(binary, accel, str(tmp_path), append=append,
                   extra=extra)
    try:
        start_or_skip(run, target)
        run.wait_line(r"^virtio-mem: ready", READY_TIMEOUT)
        for size in STEPS:
            r = run.step(size, STEP_TIMEOUT)
            assert r["device"] == size, r
            assert r["guest_plugged"] == size, r
            assert r["verified"] == size // BLOCK, r
        lines = run.transcript()
    finally:
        run.stop()
    assert [line for line in lines if LINE_RE.match(line)] == \
        expected_lines(), lines
    if variant == "smp":
        assert [line for line in lines if "second vCPU" in line] == \
            expected_ap_lines(), lines
    for line in lines:
        assert "lost their data" not in line, lines
        assert "device reports" not in line, lines
        assert "PANIC" not in line, lines
    TRANSCRIPTS[target, variant] = compared(lines)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("target", TARGETS[1:])
def test_transcript_matches_reference(target, variant):
    ref = ("qemu-7.2-tcg", variant)
    missing = [f"{t}/{v}" for t, v in (ref, (target, variant))
               if (t, v) not in TRANSCRIPTS]
    if missing:
        pytest.skip("needs both runs; missing: " + ", ".join(missing))
    assert TRANSCRIPTS[target, variant] == TRANSCRIPTS[ref]


@pytest.mark.parametrize("target", TARGETS)
def test_emulation_failure(target, tmp_path):
    """mode=fault-popcnt executes POPCNT at CPL0: TCG runs it; KVM on this
    host (PVM) cannot emulate it, and the VM stops in the internal-error
    run state with a STOP event while the process and QMP stay up."""
    binary, accel = target_args(target)
    run = GuestRun(binary, accel, str(tmp_path), append="mode=fault-popcnt")
    try:
        start_or_skip(run, target)
        run.wait_line(r"^guest: executing POPCNT at CPL0$", READY_TIMEOUT)
        if target.endswith("-tcg"):
            run.wait_line(r"^guest: popcnt\(0xff00ff\) = 16$", 10)
            return
        deadline = time.monotonic() + 30
        while True:
            status = run.qmp.cmd("query-status")
            if not status["running"] or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert status["status"] == "internal-error", status
        assert any(ev["event"] == "STOP" for ev in run.qmp.events), \
            run.qmp.events
        assert run.proc.poll() is None
        assert not any("popcnt(" in line for line in run.transcript())
    finally:
        run.stop()


POKE_RE = re.compile(r"^virtio-mem: poke=beyond first=0x([0-9a-f]+) "
                     r"blocks=(\d+) readback=(\d+)$")


@pytest.mark.parametrize("target", ["qemu-7.2-kvm", "ours-kvm"])
def test_writes_beyond_usable_region(target, tmp_path):
    """poke=beyond: 1024 guest writes past usable_region_size, at start
    (usable 0) and after plugging 1 GiB.  QEMU 7.2 does not enforce the
    usable region (the words read back); our binary maps no KVM slot
    there, so the writes are dropped and cost no memory."""
    binary, accel = target_args(target)
    run = GuestRun(binary, accel, str(tmp_path),
                   append="mode=virtio-mem poke=beyond poke-blocks=1024")
    try:
        start_or_skip(run, target)
        i = run.wait_line(r"^virtio-mem: poke=beyond", READY_TIMEOUT)
        pokes = [POKE_RE.match(run.transcript()[i])]
        rss0 = rss_of(run.proc.pid)
        run.step(GiB, STEP_TIMEOUT)
        i = run.wait_line(r"^virtio-mem: poke=beyond first=0x150000000 ",
                          STEP_TIMEOUT, i + 1)
        pokes.append(POKE_RE.match(run.transcript()[i]))
        rss1 = rss_of(run.proc.pid)
    finally:
        run.stop()
    assert all(pokes), run.transcript()
    assert [int(p.group(1), 16) for p in pokes] == \
        [0x100000000, 0x150000000]
    assert all(int(p.group(2)) == 1024 for p in pokes)
    readback = [int(p.group(3)) for p in pokes]
    if target.startswith("qemu"):
        assert readback == [1024, 1024]
        return
    assert readback == [0, 0], run.transcript()
    # 1 GiB plugged and touched once per block; 1024 blocks beyond it
    # would add at least 4 MiB (4 KiB pages) or 2 GiB (THP).
    assert rss1 - rss0 < GiB + 4 * MiB, (rss0, rss1)


@pytest.mark.parametrize("target", TARGETS)
def test_stop_cont_and_system_reset(target, tmp_path):
    """While the VM is stopped the guest cannot act on a new
    requested-size; after cont it converges.  system_reset unplugs
    everything and reboots the guest, which plugs the still-requested
    size again from its PVH entry."""
    binary, accel = target_args(target)
    run = GuestRun(binary, accel, str(tmp_path))
    try:
        start_or_skip(run, target)
        run.wait_line(r"^virtio-mem: ready", READY_TIMEOUT)
        run.step(GiB, STEP_TIMEOUT)
        qmp = run.qmp
        qmp.cmd("stop")
        assert qmp.cmd("query-status")["status"] == "paused"
        start = len(run.transcript())
        qmp.cmd("qom-set", {"path": "vm0", "property": "requested-size",
                            "value": 512 * MiB})
        time.sleep(1.0)
        assert qmp.cmd("qom-get", {"path": "vm0", "property": "size"}) == \
            GiB
        assert len(run.transcript()) == start
        qmp.cmd("cont")
        run.wait_line(r"^virtio-mem: requested=0x20000000 "
                      r"plugged=0x20000000 verified=256 blocks$",
                      STEP_TIMEOUT, start)
        assert qmp.cmd("query-status")["status"] == "running"

        start = len(run.transcript())
        qmp.cmd("system_reset")
        i = run.wait_line(r"^guest: hello$", READY_TIMEOUT, start)
        run.wait_line(r"^virtio-mem: requested=0x20000000 "
                      r"plugged=0x20000000 verified=256 blocks$",
                      STEP_TIMEOUT, i)
        assert qmp.cmd("qom-get", {"path": "vm0", "property": "size"}) == \
            512 * MiB
        after = run.transcript()[i:]
    finally:
        run.stop()
    # The device unplugged everything at the reset: no UNPLUG_ALL needed.
    assert not any("unplug-all" in line for line in after), after


@pytest.mark.parametrize("target", TARGETS)
def test_reprobe_unplugs_all(target, tmp_path):
    """reprobe: with 1 GiB plugged the guest resets the device and probes
    again, as a new driver instance would; it finds the blocks plugged
    (a device reset keeps them), sends UNPLUG_ALL and plugs 1 GiB anew."""
    binary, accel = target_args(target)
    run = GuestRun(binary, accel, str(tmp_path),
                   append="mode=virtio-mem reprobe")
    one_gib = (r"^virtio-mem: requested=0x40000000 plugged=0x40000000 "
               r"verified=512 blocks$")
    try:
        start_or_skip(run, target)
        run.wait_line(r"^virtio-mem: ready", READY_TIMEOUT)
        run.step(GiB, STEP_TIMEOUT)
        i = run.wait_line(r"^virtio-mem: unplug-all \(plugged at probe, "
                          r"device plugged=0x40000000\)$", STEP_TIMEOUT)
        run.wait_line(one_gib, STEP_TIMEOUT, i)
        assert run.qmp.cmd("qom-get", {"path": "vm0",
                                       "property": "size"}) == GiB
        run.step(0, STEP_TIMEOUT)
    finally:
        run.stop()
