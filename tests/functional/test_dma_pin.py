# SPDX-License-Identifier: GPL-2.0-or-later
"""x-dma-pin on the binary: guest RAM pinned with mlock, seen in VmLck.

The object locks what the vfio listener maps (all plain guest RAM, the
populated blocks of virtio-mem) and lists it in "mappings".  These tests
need no guest driver: boot RAM is plain RAM.  The virtio-mem flows (grow,
shrink, unplug-all, reset, a 64 GiB region with 1 GiB plugged) live in
tests/qtest/dma-pin-test.c, which drives the libqos virtio-mem driver.

The binary registers x-dma-pin and attaches containers to system memory
once the machine exists, so nothing here skips: a missing piece fails.
"""

import os
import time

import pytest

from hostobs import status_bytes
from qmp import QMPError

MiB = 1 << 20
RAM = 64 * MiB


def vmlck(vm):
    return status_bytes(vm.proc.pid, "VmLck")


def start(make_vm, *extra):
    """Start q35 with RAM MiB and x-dma-pin pin0, following system memory."""
    vm = make_vm("-machine", "q35", "-m", f"{RAM // MiB}M,maxmem=4G",
                 "-object", "x-dma-pin,id=pin0", *extra)
    deadline = time.monotonic() + 10
    while (not os.path.exists(vm.qmp_path) and vm.proc.poll() is None
           and time.monotonic() < deadline):
        time.sleep(0.02)
    if vm.proc.poll() is not None:
        rc, _, err = vm.wait()
        pytest.fail(f"binary exited {rc}: {err}")
    qmp = vm.connect()
    assert qmp.cmd("qom-get", {"path": "/objects/pin0",
                               "property": "attached"}), \
        "x-dma-pin must follow system memory once the machine exists"
    return vm, qmp


def mappings(qmp, obj="/objects/pin0"):
    return qmp.cmd("qom-get", {"path": obj, "property": "mappings"})


def test_boot_ram_is_pinned(make_vm):
    vm, qmp = start(make_vm)
    maps = mappings(qmp)
    assert maps, "plain guest RAM must be mapped"
    for m in maps:
        assert set(m) == {"iova", "size", "readonly"}
        assert m["size"] > 0 and m["size"] % 4096 == 0
    writable = sum(m["size"] for m in maps if not m["readonly"])
    # All of -m is RAM the device may write; ROMs come on top, read-only.
    assert writable >= RAM - 1 * MiB
    assert vmlck(vm) >= RAM - 1 * MiB
    locked = qmp.cmd("qom-get", {"path": "/objects/pin0",
                                 "property": "locked-size"})
    assert abs(vmlck(vm) - locked) < 1 * MiB


def test_object_del_unpins(make_vm):
    vm, qmp = start(make_vm)
    assert vmlck(vm) >= RAM - 1 * MiB
    qmp.cmd("object-del", {"id": "pin0"})
    assert vmlck(vm) < 1 * MiB


def test_object_add_at_runtime_pins(make_vm):
    vm, qmp = start(make_vm)
    before = vmlck(vm)
    qmp.cmd("object-add", {"qom-type": "x-dma-pin", "id": "pin1"})
    # The same RAM locked twice still counts once in the kernel.
    assert abs(vmlck(vm) - before) < 1 * MiB
    assert mappings(qmp, "/objects/pin1") == mappings(qmp)
    qmp.cmd("object-del", {"id": "pin0"})
    assert vmlck(vm) >= RAM - 1 * MiB      # pin1 still holds it
    qmp.cmd("object-del", {"id": "pin1"})
    assert vmlck(vm) < 1 * MiB


def test_mapping_limit_refused(make_vm):
    """A container that cannot fit a virtio-mem region's worst case.

    With requested-size 64 MiB the usable region of a 1 GiB virtio-mem
    device is 64 + 256 MiB, 160 blocks of 2 MiB: with the boot RAM
    mapping, up to 161 mappings.  A limit of 100 must be refused with a
    message naming block-size, and nothing may stay locked or created.
    """
    vm, qmp = start(make_vm,
                    "-object", "memory-backend-ram,id=mem0,size=1G,"
                    "reserve=off",
                    "-device", "virtio-mem-pci,id=vm0,memdev=mem0,"
                    "block-size=2M,requested-size=64M")
    before = vmlck(vm)
    with pytest.raises(QMPError) as e:
        qmp.cmd("object-add", {"qom-type": "x-dma-pin", "id": "pin2",
                               "max-mappings": 100})
    assert "pin2" in e.value.desc
    assert "block-size" in e.value.desc
    assert vmlck(vm) == before
    with pytest.raises(QMPError):
        qmp.cmd("qom-get", {"path": "/objects/pin2", "property": "mappings"})
    # One less than the worst case is refused, the worst case fits.
    with pytest.raises(QMPError) as e:
        qmp.cmd("object-add", {"qom-type": "x-dma-pin", "id": "pin3",
                               "max-mappings": 160})
    assert "block-size" in e.value.desc
    qmp.cmd("object-add", {"qom-type": "x-dma-pin", "id": "pin3",
                           "max-mappings": 161})
    assert mappings(qmp, "/objects/pin3") == mappings(qmp)
