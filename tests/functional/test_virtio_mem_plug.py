# SPDX-License-Identifier: GPL-2.0-or-later
"""virtio-mem from a guest's side (tests/functional/vmem_driver.py): freshly
plugged blocks read as zero, even when the guest wrote to them while they
were unplugged.

Nothing stops a guest writing to unplugged blocks inside the usable region
(unplugged-inaccessible=on is a promise by the driver, not a protection),
so a PLUG discards its range first.  QEMU 7.2 does not: it hands back what
was written.  docs/system/virtio-mem.md says which and why.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qtest  # noqa: E402
from vmem_driver import ACK, VirtioMemDriver  # noqa: E402

MiB = 1 << 20
REFERENCE = "/usr/bin/qemu-system-x86_64"

BACKENDS = {
    "ram": "memory-backend-ram,id=mem0,size=128M",
    "memfd": "memory-backend-memfd,id=mem0,size=128M",
    "file-private": "memory-backend-file,id=mem0,size=128M,"
                    "mem-path={dir}/backing",
    "file-shared": "memory-backend-file,id=mem0,size=128M,share=on,"
                   "mem-path={dir}/backing",
}
DEVICES = {
    "default": "",
    "inaccessible": ",unplugged-inaccessible=on",
    "prealloc": ",prealloc=on",
}


def start(tmp_path, backend, device, binary=None, accel=None):
    args = ["-machine", "q35", "-m", "128M,maxmem=1G",
            "-object", BACKENDS[backend].format(dir=tmp_path),
            "-device", "virtio-mem-pci,id=vm0,memdev=mem0,"
            "requested-size=16M" + DEVICES[device]]
    vm = qtest.QTestMachine(args, binary=binary, accel=accel, timeout=20)
    vm.launch()
    drv = VirtioMemDriver(vm)
    drv.probe()
    return vm, drv


def write_to_unplugged_then_plug(vm, drv):
    """Writes a pattern to unplugged blocks 1..2 (inside the usable
    region), plugs blocks 0..3 and returns what blocks 1..2 then hold
    (first and last 8 bytes of each)."""
    bs = drv.block_size
    assert drv.usable_region_size >= 4 * bs
    assert drv.state(drv.block_addr(0), 4) == (ACK, 1)   # all unplugged
    for i in (1, 2):
        vm.writeq(drv.block_addr(i), 0x1111111111111111 * i)
        vm.writeq(drv.block_addr(i + 1) - 8, 0x2222222222222222 * i)
    assert drv.plug(drv.block_addr(0), 4) == ACK
    return [vm.readq(drv.block_addr(i)) for i in (1, 2)] + \
        [vm.readq(drv.block_addr(i + 1) - 8) for i in (1, 2)]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("backend", BACKENDS)
def test_plugged_blocks_read_zero(tmp_path, backend, device):
    vm, drv = start(tmp_path, backend, device)
    try:
        assert write_to_unplugged_then_plug(vm, drv) == [0, 0, 0, 0]
        assert drv.plugged_size == 4 * drv.block_size
        # Plugged memory keeps what the guest writes.
        vm.writeq(drv.block_addr(1), 0xfeedface)
        assert vm.readq(drv.block_addr(1)) == 0xfeedface
        if backend == "file-shared":
            # Plugging never wrote the guest's stale data to the file.
            with open(tmp_path / "backing", "rb") as f:
                f.seek(drv.block_size * 2)
                assert f.read(8) == bytes(8)
    finally:
        vm.shutdown()


@pytest.mark.skipif(not os.access(REFERENCE, os.X_OK),
                    reason="Debian's QEMU 7.2 is not installed")
def test_reference_keeps_stale_data(tmp_path):
    """The difference is deliberate: QEMU 7.2 hands the stale data back."""
    vm, drv = start(tmp_path, "ram", "default", binary=REFERENCE,
                    accel="-accel tcg -S")
    try:
        assert write_to_unplugged_then_plug(vm, drv) != [0, 0, 0, 0]
    finally:
        vm.shutdown()
