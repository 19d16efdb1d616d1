# SPDX-License-Identifier: GPL-2.0-or-later
"""libvirt's flows built on migration to a file, under KVM, with the
domain of test_libvirt.py (virtio-mem, 64 MiB plugged of 1 GiB, the
guest writing every page it plugs: verify=page):

  save_restore          virsh save DOM FILE, then virsh restore FILE:
                        the same guest goes on (no new boot, the blocks
                        it plugged before kept their data), dumpxml shows
                        the sizes of before, a later update-memory-device
                        is followed; the file holds the plugged memory
                        (64 MiB and up), not the region (1 GiB)
  managedsave_start     virsh managedsave DOM, then virsh start DOM
                        (same expectations)
  save_restore_paused   virsh save --paused / restore --paused: the
                        domain comes back paused, resume lets it follow

Each restore gets an XML whose only change is the guest's console file
(`restore --xml`, `managedsave-define`): a `file:` chardev truncates
what it opens, and the new file then shows the guest carried on rather
than booted.  Skipped with the reason where root, libvirtd, KVM or the
test guest is missing.  Runs against Debian's QEMU 7.2 too when
REFERENCE_QEMU names it.
"""

import os
import re
import signal
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "guest"))

MiB = 1 << 20
PLUGGED_MIB = 64


def kinds():
    k = [pytest.param("ours", id="ours")]
    if os.environ.get("REFERENCE_QEMU"):
        k.append(pytest.param("reference", id="reference"))
    return k


@pytest.fixture(params=kinds())
def running(request, tmp_path):
    """test_libvirt.py's domain, started, with PLUGGED_MIB plugged."""
    from conftest import qemu_binary
    from test_libvirt import Target, _interrupt
    from test_migration_libvirt import libvirt_skip_reason

    kind = request.param
    binary = qemu_binary() if kind == "ours" else \
        os.environ["REFERENCE_QEMU"]
    if not os.access(binary, os.X_OK):
        pytest.skip(f"no binary {binary}")
    reason = libvirt_skip_reason(binary)
    if reason is not None:
        pytest.skip(reason)
    t = Target(kind, tmp_path / "lv")
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        t.daemon.start()
        path = os.path.join(t.daemon.root, "domain.xml")
        with open(path, "w") as f:
            # verify=page: the guest writes every 4 KiB page it plugs,
            # so a saved image must carry all of the plugged memory.
            f.write(t.domain_xml().replace(
                "<cmdline>mode=virtio-mem</cmdline>",
                "<cmdline>mode=virtio-mem verify=page</cmdline>"))
        t.virsh("define", path)
        t.virsh("start", t.name, timeout=120)
        t.wait_console(r"^virtio-mem: ready", 90)
        t.resize(PLUGGED_MIB)
        yield t
    except BaseException:
        print(t.report())
        raise
    finally:
        try:
            t.daemon.virsh_raw(["destroy", t.name], timeout=30)
            t.daemon.virsh_raw(["managedsave-remove", t.name], timeout=30)
            t.daemon.virsh_raw(["undefine", t.name], timeout=30)
        except Exception:
            pass
        t.daemon.cleanup()
        signal.signal(signal.SIGTERM, previous)
        left = t.daemon.processes()
        assert not left, f"processes left behind: {left}"


def new_console(t, tag):
    """Points the target at a fresh console file; returns (old, new)."""
    old = t.console
    t.console = os.path.join(t.daemon.root, f"console-{tag}.txt")
    return old, t.console


def check_gone(t):
    assert t.state() == "shut off"
    assert t.daemon.emulator_processes(t.binary) == []


def check_carried_on(t, state="running"):
    """The restored domain: @state, one emulator, the sizes of before,
    the guest did not boot again and follows a grow whose check reads
    the blocks plugged before the save."""
    assert t.state() == state
    assert len(t.daemon.emulator_processes(t.binary)) == 1
    assert t.current() == (PLUGGED_MIB * MiB, PLUGGED_MIB * MiB)
    if state == "paused":
        t.virsh("resume", t.name)
        assert t.state() == "running"
    t.resize(PLUGGED_MIB + 64)
    transcript = t.transcript()
    assert "virtio-mem: ready" not in transcript, transcript
    assert "lost their data" not in transcript, transcript
    want = (PLUGGED_MIB + 64) * MiB
    assert re.search(rf"^virtio-mem: requested=0x{want:x} "
                     rf"plugged=0x{want:x} verified={want // (2 * MiB)} "
                     r"blocks$", transcript, re.M), transcript


def check_image_size(path):
    """The image holds the plugged memory (every page of it was written)
    and what the guest touched of its boot RAM, not the 1 GiB
    virtio-mem region nor the untouched 512 MiB of boot RAM."""
    size = os.path.getsize(path)
    print(f"{path}: {size / MiB:.1f} MiB")
    assert PLUGGED_MIB * MiB <= size < (PLUGGED_MIB + 32) * MiB, size


def test_save_restore(running):
    t = running
    image = os.path.join(t.daemon.root, "dom.save")
    t.virsh("save", t.name, image, timeout=60)
    check_gone(t)
    check_image_size(image)
    old, new = new_console(t, "restored")
    xml = os.path.join(t.daemon.root, "restore.xml")
    with open(xml, "w") as f:
        f.write(t.virsh("save-image-dumpxml", image).replace(old, new))
    t.virsh("restore", image, "--xml", xml, timeout=60)
    check_carried_on(t)


def test_managedsave_start(running):
    t = running
    t.virsh("managedsave", t.name, timeout=60)
    check_gone(t)
    image = t.daemon.path(f"/var/lib/libvirt/qemu/save/{t.name}.save")
    check_image_size(image)
    old, new = new_console(t, "managed")
    xml = os.path.join(t.daemon.root, "managed.xml")
    with open(xml, "w") as f:
        f.write(t.virsh("managedsave-dumpxml", t.name).replace(old, new))
    t.virsh("managedsave-define", t.name, xml)
    t.virsh("start", t.name, timeout=60)
    check_carried_on(t)
    assert not os.path.exists(image)


def test_save_restore_paused(running):
    t = running
    image = os.path.join(t.daemon.root, "dom-paused.save")
    t.virsh("save", "--paused", t.name, image, timeout=60)
    check_gone(t)
    old, new = new_console(t, "paused")
    xml = os.path.join(t.daemon.root, "restore-paused.xml")
    with open(xml, "w") as f:
        f.write(t.virsh("save-image-dumpxml", image).replace(old, new))
    t.virsh("restore", "--paused", image, "--xml", xml, timeout=60)
    check_carried_on(t, state="paused")
