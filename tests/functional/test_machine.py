# SPDX-License-Identifier: GPL-2.0-or-later
"""The q35 machine from the outside: -m / maxmem / slots errors, -device
errors and query-memory-size-summary, each compared with Debian's QEMU 7.2
(-accel tcg -S) where it is installed (skipped with the reason where not).
"""

import os
import subprocess

import pytest

from conftest import qemu_binary

REFERENCE = "/usr/bin/qemu-system-x86_64"
BASE = ["-machine", "q35", "-nodefaults", "-display", "none"]


def have_reference():
    return os.access(REFERENCE, os.X_OK)


def run(binary, args, accel, stdin="", timeout=20):
    p = subprocess.run([binary, *BASE, *accel, *args], input=stdin,
                       capture_output=True, timeout=timeout, text=True)
    return p.returncode, p.stdout, p.stderr


def run_ours(args, stdin=""):
    return run(qemu_binary(), args, ["-accel", "qtest"], stdin)


def run_reference(args, stdin=""):
    if not have_reference():
        pytest.skip(f"reference QEMU not installed at {REFERENCE}")
    return run(REFERENCE, args, ["-accel", "tcg", "-S"], stdin)


def first_error_line(err):
    lines = [ln for ln in err.splitlines() if ln.startswith("qemu-system")]
    return lines[0] if lines else err


BAD_MEMORY = [
    ["-m", "1G,maxmem=512M"],
    ["-m", "1G,slots=2"],
    ["-m", "1G,slots=2,maxmem=1G"],
    ["-m", "1G,slots=300,maxmem=4G"],
    ["-m", "foo"],
    ["-m", "1G,maxmem=foo"],
    ["-m", "1G,maxmem=980G"],
    ["-m", "1G,maxmem=1010G"],
]


@pytest.mark.parametrize("args", BAD_MEMORY, ids=[a[1] for a in BAD_MEMORY])
def test_bad_memory_same_error_as_qemu(args):
    rc, _, err = run_ours(args)
    assert rc == 1, err
    ours = first_error_line(err)
    rrc, _, rerr = run_reference(args)
    assert rrc == 1, rerr
    assert ours == first_error_line(rerr)


BAD_DEVICES = [
    ["-device", "foo"],
    ["-device", "device"],
    ["-device", "pci-device"],
]


@pytest.mark.parametrize("args", BAD_DEVICES, ids=[a[1] for a in BAD_DEVICES])
def test_bad_device_same_error_as_qemu(args):
    rc, _, err = run_ours(args)
    assert rc == 1, err
    rrc, _, rerr = run_reference(args)
    assert rrc == 1, rerr
    assert first_error_line(err) == first_error_line(rerr)


QMP_SUMMARY = ('{"execute": "qmp_capabilities"}\n'
               '{"execute": "query-memory-size-summary"}\n'
               '{"execute": "system_reset"}\n'
               '{"execute": "query-memory-size-summary"}\n'
               '{"execute": "quit"}\n')


def summaries(out):
    import json
    got = []
    for line in out.splitlines():
        msg = json.loads(line)
        ret = msg.get("return")
        if isinstance(ret, dict) and "base-memory" in ret:
            got.append(ret)
    return got


MEMORY_LINES = [
    ["-m", "128M"],
    ["-m", "1G,maxmem=4G"],
    ["-m", "3G,slots=2,maxmem=8G"],
    ["-m", "100M"],
]


@pytest.mark.parametrize("args", MEMORY_LINES,
                         ids=[a[1] for a in MEMORY_LINES])
def test_memory_size_summary_like_qemu(args):
    rc, out, err = run_ours([*args, "-qmp", "stdio"], QMP_SUMMARY)
    assert rc == 0, err
    ours = summaries(out)
    assert len(ours) == 2
    assert ours[0] == ours[1]           # unchanged by system_reset
    rrc, rout, rerr = run_reference([*args, "-qmp", "stdio"], QMP_SUMMARY)
    assert rrc == 0, rerr
    assert ours == summaries(rout)


def test_device_help_of_unknown_type_like_qemu():
    # QEMU 7.2 reports the unknown type but exits with status 0
    rc, _, err = run_ours(["-device", "foo,help"])
    rrc, _, rerr = run_reference(["-device", "foo,help"])
    assert (rc, first_error_line(err)) == (rrc, first_error_line(rerr))


def test_device_help_lists_nothing_unknown():
    rc, out, err = run_ours(["-device", "help"])
    assert rc == 0, err
    # on-board parts (host bridge, LPC, I/O APIC) are not user-creatable
    assert '"mch"' not in out and '"ioapic"' not in out
