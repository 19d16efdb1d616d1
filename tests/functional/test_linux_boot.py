# SPDX-License-Identifier: GPL-2.0-or-later
"""A stock Debian 12 kernel's early boot on our binary under -accel kvm.

The test setup downloads Debian's linux-image-6.1.*-amd64-unsigned
package with apt-get download (cached under build/linux-guest/, never
committed), takes vmlinuz from it and extracts the uncompressed vmlinux
(extract_vmlinux.py).  The vmlinux boots through its PVH entry with
COM1 on -serial file:..., and must print our command line and exactly
the e820 map we configured.  Debian's QEMU 7.2 (-accel tcg, the bzImage
through SeaBIOS) must print the same usable RAM ranges for the same
-m and command line, allowing for what SeaBIOS reserves at the top of
low RAM.

Only the early boot is checked: on the PVM hosts here CPL0 guest code
is emulated at ~1 M instructions/s (docs/system/linux-guest.md).  Each
run is bounded (BOOT_TIMEOUT) and killed once the map is printed.
Skipped with the reason where KVM is unusable or the package cannot be
fetched.
"""

import glob
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "guest"))
sys.path.insert(0, os.path.join(HERE, "linux"))
from conftest import qemu_binary  # noqa: E402
from guestrun import kvm_unusable_reason  # noqa: E402
import extract_vmlinux  # noqa: E402

REFERENCE = "/usr/bin/qemu-system-x86_64"
BOOT_TIMEOUT = 90
# The MP table is parsed ~10 s of guest time after the e820 map is printed.
MP_TIMEOUT = 150
CMDLINE = ("console=ttyS0 earlyprintk=serial,ttyS0,115200 noapic "
           "nolapic_timer memhp_default_state=online")
MEMORY = ["-m", "3G,maxmem=6G"]
MiB = 1 << 20
GiB = 1 << 30
# SeaBIOS keeps its tables at the top of RAM below 4 GiB (e820 reserved).
SEABIOS_TOP_RESERVE_MAX = 256 * 1024

E820_RE = re.compile(
    r"BIOS-e820: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\] (\w+)")


def cache_dir():
    return os.environ.get("LINUX_GUEST_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(qemu_binary())), "linux-guest")


def fetch_kernel():
    """(vmlinuz, vmlinux) from the cache, downloading once; or skip."""
    d = cache_dir()
    vmlinux = os.path.join(d, "vmlinux")
    found = glob.glob(os.path.join(d, "x", "boot", "vmlinuz-*"))
    if found and os.path.exists(vmlinux):
        return found[0], vmlinux
    os.makedirs(d, exist_ok=True)
    try:
        out = subprocess.run(
            ["apt-cache", "search", "--names-only",
             r"^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$"],
            capture_output=True, text=True, timeout=60, check=True).stdout
        names = sorted((line.split()[0] for line in out.splitlines()),
                       key=lambda n: int(n.split("-")[3]))
        if not names:
            pytest.skip("no linux-image-6.1.0-*-amd64-unsigned package known "
                        "to apt")
        for deb in glob.glob(os.path.join(d, "*.deb")):
            os.unlink(deb)
        subprocess.run(["apt-get", "download", names[-1]], cwd=d,
                       capture_output=True, timeout=600, check=True)
        deb = glob.glob(os.path.join(d, "*.deb"))[0]
        subprocess.run(["dpkg-deb", "-x", deb, os.path.join(d, "x")],
                       check=True, timeout=120)
    except (OSError, IndexError, subprocess.SubprocessError) as e:
        pytest.skip(f"cannot fetch Debian's kernel package: {e}")
    vmlinuz = glob.glob(os.path.join(d, "x", "boot", "vmlinuz-*"))[0]
    with open(vmlinuz, "rb") as f:
        elf = extract_vmlinux.extract(f.read())
    with open(vmlinux + ".tmp", "wb") as f:
        f.write(elf)
    os.rename(vmlinux + ".tmp", vmlinux)
    return vmlinuz, vmlinux


@pytest.fixture(scope="module")
def kernel():
    return fetch_kernel()


def boot_log(argv, log, until=None, timeout=BOOT_TIMEOUT):
    """Run @argv until the serial log @log holds the whole e820 map (a
    line after the last BIOS-e820 line) and, if given, a line matching
    the regex @until, or @timeout seconds; kill it; return the log's
    text."""
    if os.path.exists(log):
        os.unlink(log)
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    text = ""
    try:
        while time.monotonic() < deadline and p.poll() is None:
            time.sleep(1)
            try:
                with open(log, errors="replace") as f:
                    text = f.read()
            except FileNotFoundError:
                continue
            lines = text.splitlines()
            idx = [i for i, ln in enumerate(lines) if "BIOS-e820:" in ln]
            if idx and len(lines) > idx[-1] + 1 and (
                    until is None or re.search(until, text)):
                break
    finally:
        p.kill()
        out = p.communicate()[0].decode(errors="replace")
    assert "BIOS-e820:" in text, (
        f"no e820 map within {timeout} s; serial log:\n{text}\n"
        f"emulator output:\n{out}")
    return text


def e820_of(text):
    """[(start, end_exclusive, type)] as the kernel printed them."""
    return [(int(a, 16), int(b, 16) + 1, t)
            for a, b, t in E820_RE.findall(text)]


def usable(m):
    return [(a, b) for a, b, t in m if t == "usable"]


def test_pvh_boot_prints_our_cmdline_and_e820(kernel, tmp_path):
    reason = kvm_unusable_reason()
    if reason:
        pytest.skip(f"KVM unusable: {reason}")
    log = str(tmp_path / "serial.log")
    text = boot_log([qemu_binary(), "-accel", "kvm", "-display", "none",
                     "-nodefaults", *MEMORY, "-kernel", kernel[1],
                     "-append", CMDLINE, "-serial", f"file:{log}",
                     "-no-reboot"], log)
    assert f"Command line: {CMDLINE}" in text
    # What hw/i386/e820.c builds for -m 3G on q35 (2 GiB below the PCI
    # hole, 1 GiB from 4 GiB); the kernel's PVH entry adds the ISA hole
    # [0xa0000, 0x100000) as reserved, which merges with the 0x9fc00 and
    # F-segment entries.  Device memory (maxmem) is not listed.
    assert e820_of(text) == [
        (0, 0x9fc00, "usable"),
        (0x9fc00, 0x100000, "reserved"),
        (0x100000, 2 * GiB, "usable"),
        (0xfeffc000, 0xff000000, "reserved"),
        (4 * GiB, 5 * GiB, "usable"),
    ]


def test_pvh_boot_reads_our_mp_table(kernel, tmp_path):
    """Linux finds the MP table (hw/i386/mptable.c): both CPUs and the
    I/O APIC with its 24 GSIs."""
    reason = kvm_unusable_reason()
    if reason:
        pytest.skip(f"KVM unusable: {reason}")
    log = str(tmp_path / "serial.log")
    text = boot_log([qemu_binary(), "-accel", "kvm", "-display", "none",
                     "-nodefaults", "-smp", "2", "-m", "1G",
                     "-kernel", kernel[1], "-append", CMDLINE,
                     "-serial", f"file:{log}", "-no-reboot"], log,
                    until=r"smpboot: Allowing", timeout=MP_TIMEOUT)
    assert "found SMP MP-table at [mem 0x000f0000-0x000f000f]" in text, text
    assert "Intel MultiProcessor Specification v1.4" in text, text
    assert "Processor #0 (Bootup-CPU)" in text
    assert "Processor #1" in text
    assert ("IOAPIC[0]: apic_id 2, version 17, address 0xfec00000, "
            "GSI 0-23") in text
    assert "smpboot: Allowing 2 CPUs" in text


@pytest.mark.skipif(not os.path.exists(REFERENCE),
                    reason=f"no reference QEMU at {REFERENCE}")
def test_reference_prints_same_ram_ranges(kernel, tmp_path):
    reason = kvm_unusable_reason()
    if reason:
        pytest.skip(f"KVM unusable (nothing to compare with): {reason}")
    ours_log = str(tmp_path / "ours.log")
    ref_log = str(tmp_path / "ref.log")
    ours = e820_of(boot_log(
        [qemu_binary(), "-accel", "kvm", "-display", "none", "-nodefaults",
         *MEMORY, "-kernel", kernel[1], "-append", CMDLINE,
         "-serial", f"file:{ours_log}", "-no-reboot"], ours_log))
    ref_text = boot_log(
        [REFERENCE, "-accel", "tcg", "-M", "q35", "-display", "none",
         "-nodefaults", *MEMORY, "-kernel", kernel[0], "-append", CMDLINE,
         "-serial", f"file:{ref_log}", "-no-reboot"], ref_log)
    assert f"Command line: {CMDLINE}" in ref_text
    mine, theirs = usable(ours), usable(e820_of(ref_text))
    assert [a for a, _ in mine] == [a for a, _ in theirs], (mine, theirs)
    for (a, b), (_, rb) in zip(mine, theirs):
        if b == 2 * GiB:
            # The one documented difference: SeaBIOS's own tables.
            assert b - SEABIOS_TOP_RESERVE_MAX <= rb <= b, (mine, theirs)
        else:
            assert rb == b, (mine, theirs)


def run_quick(args):
    p = subprocess.run([qemu_binary(), *args, "-display", "none",
                        "-nodefaults"], capture_output=True, text=True,
                       timeout=30, stdin=subprocess.DEVNULL)
    return p.returncode, p.stderr


@pytest.mark.parametrize("spec,msg", [
    ("bogus", "'bogus' is not a supported serial backend"),
    ("file:", "'file:' is not a supported serial backend"),
    ("unix:/x.sock,colour=on", "unsupported unix: option 'colour=on'"),
    ("unix:/x.sock,server=maybe", "'maybe' is not on or off"),
    ("chardev:nope", "Property 'isa-serial.chardev' can't find value"),
])
def test_serial_bad_spec_refused(spec, msg):
    rc, err = run_quick(["-accel", "qtest", "-serial", spec])
    assert rc == 1 and msg in err, err


def test_second_serial_refused():
    rc, err = run_quick(["-accel", "qtest", "-serial", "null",
                         "-serial", "null"])
    assert rc == 1 and "only one -serial (COM1) is supported" in err, err


def test_kernel_neither_elf_nor_bzimage_refused(tmp_path):
    reason = kvm_unusable_reason()
    if reason:
        pytest.skip(f"KVM unusable: {reason}")
    junk = tmp_path / "junk"
    junk.write_bytes(b"MZ" + bytes(8192))
    rc, err = run_quick(["-accel", "kvm", "-kernel", str(junk)])
    assert rc == 1 and ("is neither an ELF image with a PVH entry note nor "
                        "a bzImage") in err, err
