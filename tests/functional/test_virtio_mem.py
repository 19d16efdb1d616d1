# SPDX-License-Identifier: GPL-2.0-or-later
"""virtio-mem-pci from the outside: start-up errors word for word as
Debian's QEMU 7.2 prints them (checked against both binaries when the
reference is installed), and a 64 GiB reserve=off device region that
costs the host no commit charge, also after the usable region grew.
"""

import os
import subprocess

import pytest

from conftest import qemu_binary
from hostobs import meminfo

REFERENCE = "/usr/bin/qemu-system-x86_64"
O4 = ["-object", "memory-backend-ram,id=mem0,size=4G,reserve=off"]
MAXMEM = ["-m", "1G,maxmem=65G"]


def dev(opts):
    return ["-device", "virtio-mem-pci,id=vm0,memdev=mem0" + opts]


# (name, args, the -device argument QEMU names, message)
CASES = [
    ("no-maxmem", ["-m", "1G", *O4, *dev("")], None,
     "memory devices (e.g. for memory hotplug) are not enabled, please "
     "specify the maxmem option"),
    ("no-memdev", [*MAXMEM, "-device", "virtio-mem-pci,id=vm0"], None,
     "'memdev' property must be set"),
    ("requested-misaligned", [*MAXMEM, *O4, *dev(",requested-size=1M")],
     None, "'requested-size' property has to be multiples of 'block-size' "
     "(0x200000)"),
    ("block-size-power-of-two", [*MAXMEM, *O4, *dev(",block-size=3M")],
     None, "'block-size' property has to be a power of two"),
    ("block-size-minimum", [*MAXMEM, *O4, *dev(",block-size=512K")], None,
     "'block-size' property has to be at least 0x100000"),
    ("busy-memdev", [*MAXMEM, *O4, *dev(""), "-device",
                     "virtio-mem-pci,id=vm1,memdev=mem0"],
     "virtio-mem-pci,id=vm1,memdev=mem0",
     "'memdev' property specifies a busy memdev: mem0"),
    ("not-enough-space", ["-m", "1G,maxmem=3G", *O4, *dev("")], None,
     "not enough space, currently 0x0 in use of total space for memory "
     "devices 0x80000000"),
    ("memaddr-misaligned", [*MAXMEM, *O4, *dev(",memaddr=0x100000")], None,
     "address must be aligned to 0x200000 bytes"),
    ("memaddr-outside", [*MAXMEM, *O4, *dev(",memaddr=0x80000000")], None,
     "can't add memory device [0x80000000:0x100000000], usable range for "
     "memory devices [0x100000000:0x1000000000]"),
    ("node", [*MAXMEM, *O4, *dev(",node=1")], None,
     "'node' property has value '1', which exceedsthe number of numa "
     "nodes: 1"),
    ("backend-misaligned", [*MAXMEM, "-object",
                            "memory-backend-ram,id=mem0,size=4097M",
                            *dev("")], None,
     "backend memory size must be multiple of 0x200000"),
    ("unplugged-inaccessible-value",
     [*MAXMEM, *O4, *dev(",unplugged-inaccessible=foo")], None,
     "Parameter 'unplugged-inaccessible' does not accept value 'foo'"),
    # -device values QEMU 7.2's string visitor refuses, in its words
    ("requested-size-negative", [*MAXMEM, *O4, *dev(",requested-size=-1")],
     None, "Parameter 'requested-size' expects size"),
    ("requested-size-word", [*MAXMEM, *O4, *dev(",requested-size=foo")],
     None, "Parameter 'requested-size' expects size"),
    ("block-size-negative", [*MAXMEM, *O4, *dev(",block-size=-1")], None,
     "Parameter 'block-size' expects size"),
    ("size-read-only", [*MAXMEM, *O4, *dev(",size=1")], None,
     "Property 'virtio-mem.size' is not writable"),
    ("node-word", [*MAXMEM, *O4, *dev(",node=foo")], None,
     "Parameter 'node' expects integer"),
    ("node-negative", [*MAXMEM, *O4, *dev(",node=-1")], None,
     "Parameter 'node' expects uint32_t"),
    ("memaddr-word", [*MAXMEM, *O4, *dev(",memaddr=foo")], None,
     "Parameter 'memaddr' expects integer"),
    ("memaddr-negative", [*MAXMEM, *O4, *dev(",memaddr=-1")], None,
     "address must be aligned to 0x200000 bytes"),
    ("memaddr-conflict",
     [*MAXMEM, *O4, "-object", "memory-backend-ram,id=mem1,size=4G",
      *dev(",memaddr=0x100000000"), "-device",
      "virtio-mem-pci,id=vm1,memdev=mem1,memaddr=0x100000000"],
     "virtio-mem-pci,id=vm1,memdev=mem1,memaddr=0x100000000",
     "address range conflicts with memory device id='vm0'"),
]


def binaries():
    yield pytest.param("ours", id="ours")
    yield pytest.param("reference", id="reference",
                       marks=pytest.mark.skipif(
                           not os.access(REFERENCE, os.X_OK),
                           reason="Debian's QEMU 7.2 is not installed"))


def start(which, args):
    binary = qemu_binary() if which == "ours" else REFERENCE
    accel = ["-accel", "qtest"] if which == "ours" else ["-accel", "tcg"]
    return subprocess.run([binary, "-M", "q35", "-nodefaults", "-display",
                           "none", "-S", *accel, *args],
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=30)


@pytest.mark.parametrize("which", binaries())
@pytest.mark.parametrize("name,args,device,message", CASES,
                         ids=[c[0] for c in CASES])
def test_startup_error(which, name, args, device, message):
    if device is None:
        device = args[-1]
    r = start(which, args)
    assert r.returncode == 1
    assert r.stderr.splitlines()[0] == \
        f"qemu-system-x86_64: -device {device}: {message}"


def committed_as():
    return meminfo("Committed_AS")


BASE_ARGS = ["-machine", "q35", "-accel", "qtest", "-m", "256M,maxmem=65G"]


def startup_commit(make_vm):
    """Committed_AS charged by the binary itself with BASE_ARGS and no
    device (a sanitizer runtime alone commits over 1 GiB)."""
    before = committed_as()
    vm = make_vm(*BASE_ARGS)
    vm.connect().cmd("query-status")
    delta = committed_as() - before
    vm.stop()
    return delta


def device_commit(make_vm):
    """Committed_AS charged while a VM with the 64 GiB reserve=off device
    runs and its usable region grows from 1 to 8 GiB."""
    before = committed_as()
    vm = make_vm(*BASE_ARGS,
                 "-object", "memory-backend-ram,id=mem0,size=64G,reserve=off",
                 "-device", "virtio-mem-pci,id=vm0,memdev=mem0,"
                 "requested-size=1G")
    qmp = vm.connect()
    qmp.cmd("qom-set", {"path": "vm0", "property": "requested-size",
                        "value": 8 << 30})
    assert qmp.cmd("qom-get", {"path": "vm0",
                               "property": "requested-size"}) == 8 << 30
    devs = qmp.cmd("query-memory-devices")
    assert devs[0]["data"]["max-size"] == 64 << 30
    delta = committed_as() - before
    vm.stop()
    return delta


def test_64g_reserve_off_commits_nothing(make_vm):
    """64 GiB region, 1 GiB requested, then 8 GiB: the usable region grows
    but nothing is charged beyond what the same binary commits without
    the device.  Other processes make noise, so the bound is generous
    against the 64 GiB a reserving mapping would charge, and the best of
    three tries counts."""
    extra = min(device_commit(make_vm) - startup_commit(make_vm)
                for _ in range(3))
    assert extra < 1 << 30


def backend_mapping(pid, span):
    """(accessible, reserved) sizes of the RAM block mapping of a @span
    byte reserve=off backend: an anonymous rw-p VMA directly followed by
    an anonymous ---p one, the two together @span bytes plus at most
    alignment slack (< 1 GiB).  The size bound is what singles out the
    RAM block: sanitizer runtimes map shadow memory and allocator arenas
    as the same rw-p/---p pairs, but terabytes large."""
    vmas = []
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            fields = line.split()
            if "-" in fields[0] and len(fields) >= 5 and \
                    len(fields[1]) == 4:
                start, end = (int(x, 16) for x in fields[0].split("-"))
                anon = len(fields) == 5
                if vmas and vmas[-1][1] == start and \
                        vmas[-1][2] == fields[1] and vmas[-1][3] == anon:
                    # A grown part may be a VMA of its own: join them.
                    start = vmas.pop()[0]
                vmas.append((start, end, fields[1], anon))
    found = [(a[1] - a[0], b[1] - b[0])
             for a, b in zip(vmas, vmas[1:])
             if a[2] == "rw-p" and b[2] == "---p" and a[1] == b[0] and
             a[3] and b[3] and span <= b[1] - a[0] < span + (1 << 30)]
    assert len(found) == 1, found
    return found[0]


def test_usable_region_enforced_on_host(make_vm):
    """Ours only (QEMU 7.2 maps the whole backend read-write): the 64 GiB
    backend's mapping is accessible for exactly the usable region and an
    inaccessible reservation beyond; it grows with requested-size and
    shrinks back on system_reset."""
    vm = make_vm("-machine", "q35", "-accel", "qtest",
                 "-m", "256M,maxmem=65G",
                 "-object", "memory-backend-ram,id=mem0,size=64G,reserve=off",
                 "-device", "virtio-mem-pci,id=vm0,memdev=mem0,"
                 "requested-size=1G")
    qmp = vm.connect()
    pid = vm.proc.pid
    bs = qmp.cmd("qom-get", {"path": "vm0", "property": "block-size"})
    extent = 256 << 20

    rw, reserved = backend_mapping(pid, 64 << 30)
    assert rw == (1 << 30) + extent
    assert reserved >= (64 << 30) - rw

    qmp.cmd("qom-set", {"path": "vm0", "property": "requested-size",
                        "value": 4 << 30})
    rw, reserved = backend_mapping(pid, 64 << 30)
    assert rw == (4 << 30) + extent
    assert reserved >= (64 << 30) - rw

    qmp.cmd("qom-set", {"path": "vm0", "property": "requested-size",
                        "value": 0})
    assert backend_mapping(pid, 64 << 30)[0] == (4 << 30) + extent
    qmp.cmd("system_reset")
    # Nothing usable; a RAM block keeps at least one block.
    rw, reserved = backend_mapping(pid, 64 << 30)
    assert rw == bs
    assert reserved >= (64 << 30) - rw
    assert qmp.cmd("query-memdev")[0]["size"] == 64 << 30
    devs = qmp.cmd("query-memory-devices")
    assert devs[0]["data"]["max-size"] == 64 << 30
    assert qmp.cmd("qom-get", {"path": "mem0", "property": "size"}) == \
        64 << 30
