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

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))), "tests", "guest"))
from conftest import qemu_binary  # noqa: E402
from guestrun import (GuestRun, StartupError, LINE_RE, STEPS, MiB,  # noqa
                      kvm_unusable_reason, default_guest_elf)

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
        try:
            run.start()
        except StartupError as e:
            if target == "ours-kvm" and NOT_YET.search(e.stderr):
                pytest.skip("our binary cannot run the guest yet: " +
                            e.stderr.strip().splitlines()[0])
            raise
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
