# SPDX-License-Identifier: GPL-2.0-or-later
"""libvirt's flows built on migration to a file, under KVM, with the
domain of test_libvirt.py (virtio-mem of 1 GiB, 64 MiB plugged at
first, the guest writing every page it plugs: verify=page).  The tests
take one domain in turn; each grows it by 64 MiB at the end, so the
images are saved with 64, 128, 192 and 256 MiB plugged:

  save_restore          virsh save DOM FILE, then virsh restore FILE:
                        the same guest goes on (no new boot, the blocks
                        it plugged before kept their data), dumpxml shows
                        the sizes of before, a later update-memory-device
                        is followed; the file holds the plugged memory
                        (plugged size + less than 32 MiB), not the
                        region (1 GiB) nor the untouched boot RAM
  managedsave_start     virsh managedsave DOM, then virsh start DOM
                        (same expectations)
  save_restore_paused   virsh save --paused --bypass-cache / restore
                        --paused --bypass-cache: the domain comes back
                        paused, resume lets it follow
  restore_truncated_image  an image cut in half: restore fails with the
                        binary's reason, no emulator is left, the full
                        image still restores

Each restore gets an XML whose only change is the guest's console file
(`restore --xml`, `managedsave-define`): a `file:` chardev truncates
what it opens, and the new file then shows the guest carried on rather
than booted.  Skipped with the reason where root, libvirtd, KVM or the
test guest is missing.  Runs against Debian's QEMU 7.2 too when
REFERENCE_QEMU names it.
"""

import os
import re
import shutil
import signal
import sys
import tempfile

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


@pytest.fixture(scope="module", params=kinds())
def domain(request):
    """test_libvirt.py's domain, started, with PLUGGED_MIB plugged; the
    tests below take it in turn (each leaves it running, 64 MiB more
    plugged: t.plugged)."""
    from test_libvirt import Target, _interrupt
    from test_migration_libvirt import binary_or_skip

    kind = request.param
    binary_or_skip(kind)
    # Not pytest's tmp_path: concurrent pytest runs on this machine prune
    # each other's older base directories, this one included, mid-test.
    root = tempfile.mkdtemp(prefix="lv-save-")
    t = Target(kind, root)
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
        t.plugged = PLUGGED_MIB
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
        shutil.rmtree(root, ignore_errors=True)
        signal.signal(signal.SIGTERM, previous)
        left = t.daemon.processes()
        assert not left, f"processes left behind: {left}"


@pytest.fixture
def running(domain):
    """The module's domain, running as the previous test left it."""
    state = domain.state()
    if state != "running":
        pytest.fail(f"an earlier test left the domain {state}")
    return domain


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
    assert t.current() == (t.plugged * MiB, t.plugged * MiB)
    if state == "paused":
        t.virsh("resume", t.name)
        assert t.state() == "running"
    t.resize(t.plugged + 64)
    t.plugged += 64
    transcript = t.transcript()
    assert "virtio-mem: ready" not in transcript, transcript
    assert "lost their data" not in transcript, transcript
    want = t.plugged * MiB
    assert re.search(rf"^virtio-mem: requested=0x{want:x} "
                     rf"plugged=0x{want:x} verified={want // (2 * MiB)} "
                     r"blocks$", transcript, re.M), transcript


def check_image_size(t, path):
    """The image holds the plugged memory (every page of it was written)
    and what the guest touched of its boot RAM, not the 1 GiB
    virtio-mem region nor the untouched 512 MiB of boot RAM."""
    size = os.path.getsize(path)
    print(f"{path}: {size / MiB:.1f} MiB")
    assert t.plugged * MiB <= size < (t.plugged + 32) * MiB, size


def test_save_restore(running):
    t = running
    image = os.path.join(t.daemon.root, "dom.save")
    t.virsh("save", t.name, image, timeout=60)
    check_gone(t)
    check_image_size(t, image)
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
    check_image_size(t, image)
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
    t.virsh("save", "--paused", "--bypass-cache", t.name, image,
            timeout=60)
    check_gone(t)
    check_image_size(t, image)
    old, new = new_console(t, "paused")
    xml = os.path.join(t.daemon.root, "restore-paused.xml")
    with open(xml, "w") as f:
        f.write(t.virsh("save-image-dumpxml", image).replace(old, new))
    t.virsh("restore", "--paused", "--bypass-cache", image, "--xml", xml,
            timeout=60)
    check_carried_on(t, state="paused")


def test_restore_truncated_image(running):
    """An image cut short: restore fails (the destination cannot load
    the stream from libvirt's pipe), no emulator is left, the domain
    stays shut off and a full image still restores afterwards."""
    from libvirtd import VirshError
    t = running
    image = os.path.join(t.daemon.root, "dom-cut.save")
    t.virsh("save", t.name, image, timeout=60)
    check_gone(t)
    check_image_size(t, image)
    cut = os.path.join(t.daemon.root, "cut.save")
    with open(image, "rb") as src, open(cut, "wb") as dst:
        dst.write(src.read(os.path.getsize(image) // 2))
    with pytest.raises(VirshError) as e:
        t.virsh("restore", cut, timeout=60)
    print(f"restore of a truncated image: {e.value}")
    # Ours reports the failed load and waits to be told to quit; 7.2
    # exits.  libvirt ends both.
    assert ("the stream ended early" if t.kind == "ours"
            else "load of migration failed") in str(e.value), e.value
    check_gone(t)
    old, new = new_console(t, "after-cut")
    xml = os.path.join(t.daemon.root, "restore-after-cut.xml")
    with open(xml, "w") as f:
        f.write(t.virsh("save-image-dumpxml", image).replace(old, new))
    t.virsh("restore", image, "--xml", xml, timeout=60)
    check_carried_on(t)
