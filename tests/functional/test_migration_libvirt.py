# SPDX-License-Identifier: GPL-2.0-or-later
"""What libvirt 9.0 needs from migration, at two levels.

QMP level (-accel qtest, no libvirt): the commands and arguments
`virsh migrate --live` sends, answered as QEMU 7.2 answers them:

  - the "return-path" capability (libvirt sets it on both sides of any
    non-tunnelled migration and refuses to migrate without it): the
    source reports "completed" only once the destination said it loaded
    everything; a destination that reports a failure, or closes the
    connection without a verdict, fails the migration and the source
    VM runs on.  A fake destination (a socket the test serves) plays
    both verdicts; a real pair checks the destination sends it.
  - `migrate` with "resume": false (libvirt always sends it); true is
    refused as 7.2 refuses it (there is never a paused postcopy).
  - `migrate-incoming tcp:[::]:PORT` (libvirt's form): listens on every
    address, IPv4 included.

libvirt level (test_virsh_migrate_live): two private libvirtds
(libvirtd.py, different host UUIDs) drive the binary under KVM with the
domain of test_libvirt.py; virsh migrate --live moves it from A to B
while its virtio-mem device has memory plugged.
"""

import os
import re
import socket
import sys
import tempfile
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qtest  # noqa: E402

MiB = 1 << 20


def vm_args(incoming=None):
    args = ["-machine", "q35", "-m", "128M,maxmem=1G",
            "-object", "memory-backend-ram,id=mem0,size=256M,reserve=off",
            "-device", "virtio-mem-pci,id=vm0,memdev=mem0,block-size=2M,"
            "requested-size=0"]
    if incoming:
        args += ["-incoming", incoming]
    return args


@pytest.fixture
def vms():
    started = []

    def start(args):
        vm = qtest.QTestMachine(args, timeout=60)
        vm.launch()
        started.append(vm)
        return vm
    yield start
    for vm in started:
        vm.kill()


@pytest.fixture
def tmpdir_path():
    return tempfile.mkdtemp(prefix="mig-lv-")


def wait_status(vm, want, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        info = vm.command("query-migrate")
        if info.get("status") in want:
            return info
        assert time.monotonic() < deadline, info
        time.sleep(0.05)


def set_cap(vm, name, state):
    vm.command("migrate-set-capabilities",
               capabilities=[{"capability": name, "state": state}])


class FakeDestination:
    """A UNIX socket that takes a migration stream: reads until the
    source has sent nothing for @idle seconds (it then waits for the
    verdict), then does @action: send byte @verdict, or close."""

    def __init__(self, path, action, verdict=0, idle=0.7):
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(1)
        self.action, self.verdict, self.idle = action, verdict, idle
        self.received = 0
        self.quiet = threading.Event()     # the source stopped sending
        self.go = threading.Event()        # the test lets @action happen
        self.conn = None
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        self.conn, _ = self.listener.accept()
        self.conn.settimeout(self.idle)
        while True:
            try:
                data = self.conn.recv(1 << 20)
            except socket.timeout:
                break
            if not data:
                return
            self.received += len(data)
        self.quiet.set()
        self.go.wait(30)
        if self.action == "verdict":
            self.conn.sendall(bytes([self.verdict]))
        elif self.action == "close":
            self.conn.close()

    def close(self):
        self.go.set()
        self.thread.join(10)
        for s in (self.conn, self.listener):
            if s is not None:
                s.close()


def test_capabilities_list_return_path(vms):
    vm = vms(vm_args())
    caps = {c["capability"]: c["state"]
            for c in vm.command("query-migrate-capabilities")}
    assert caps.get("return-path") is False, caps
    set_cap(vm, "return-path", True)
    caps = {c["capability"]: c["state"]
            for c in vm.command("query-migrate-capabilities")}
    assert caps["return-path"] is True, caps


def test_migrate_resume_true_refused(vms, tmpdir_path):
    vm = vms(vm_args())
    path = os.path.join(tmpdir_path, "mig.sock")
    with pytest.raises(qtest.QMPError) as e:
        vm.command("migrate", uri="unix:" + path, resume=True)
    assert e.value.error["desc"] == \
        "Cannot resume if there is no paused migration"
    assert vm.command("query-migrate") == {}
    assert vm.command("query-status")["status"] == "running"


def test_migrate_resume_false_accepted(vms, tmpdir_path):
    """libvirt's arguments: detach true, resume false."""
    path = os.path.join(tmpdir_path, "mig.sock")
    src = vms(vm_args())
    vms(vm_args(incoming="unix:" + path))
    src.command("migrate", uri="unix:" + path, detach=True, resume=False)
    assert wait_status(src, ("completed", "failed"))["status"] == \
        "completed"


def test_return_path_refused_with_exec(vms):
    vm = vms(vm_args())
    set_cap(vm, "return-path", True)
    with pytest.raises(qtest.QMPError) as e:
        vm.command("migrate", uri="exec:cat >/dev/null")
    assert "return-path" in e.value.error["desc"], e.value.error
    assert vm.command("query-status")["status"] == "running"


@pytest.mark.parametrize("action,verdict,want", [
    ("verdict", 0, "completed"),
    ("verdict", 1, "failed"),
    ("close", None, "failed"),
])
def test_return_path_verdict(vms, tmpdir_path, action, verdict, want):
    """With return-path the source waits for the destination's verdict
    after the last byte of the stream, and takes it."""
    path = os.path.join(tmpdir_path, "mig.sock")
    fake = FakeDestination(path, action, verdict or 0)
    try:
        src = vms(vm_args())
        set_cap(src, "events", True)
        set_cap(src, "return-path", True)
        src.command("migrate", uri="unix:" + path)
        assert fake.quiet.wait(30), "the source never stopped sending"
        time.sleep(0.3)
        # Everything is sent, the verdict is not: not completed yet.
        info = src.command("query-migrate")
        assert info["status"] == "active", info
        fake.go.set()
        info = wait_status(src, ("completed", "failed", "cancelled"))
        assert info["status"] == want, info
        if want == "completed":
            assert src.command("query-status")["status"] == "postmigrate"
        else:
            desc = info.get("error-desc", "")
            assert ("failed to load" if action == "verdict"
                    else "without a verdict") in desc, info
            # The VM resumed on the source: nothing is lost.
            assert src.command("query-status")["status"] == "running"
    finally:
        fake.close()


def test_without_return_path_no_verdict_awaited(vms, tmpdir_path):
    """The default (capability off): completed after the last byte, the
    destination is never asked anything."""
    path = os.path.join(tmpdir_path, "mig.sock")
    fake = FakeDestination(path, "hold")
    try:
        src = vms(vm_args())
        src.command("migrate", uri="unix:" + path)
        assert wait_status(src, ("completed", "failed"))["status"] == \
            "completed"
    finally:
        fake.close()


def test_return_path_real_pair_tcp_any_address(vms):
    """libvirt's destination: return-path on, -incoming defer, then
    migrate-incoming tcp:[::]:PORT; the source connects over IPv4
    (127.0.0.1) and completes only with the destination's verdict."""
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.bind(("::", 0))
    port = s.getsockname()[1]
    s.close()
    src = vms(vm_args())
    dst = vms(vm_args(incoming="defer"))
    for vm in (src, dst):
        set_cap(vm, "events", True)
        set_cap(vm, "return-path", True)
    dst.command("migrate-incoming", uri=f"tcp:[::]:{port}")
    src.command("migrate", uri=f"tcp:127.0.0.1:{port}", resume=False)
    assert wait_status(src, ("completed", "failed"))["status"] == \
        "completed"
    assert wait_status(dst, ("completed", "failed"))["status"] == \
        "completed"
    assert dst.command("query-status")["status"] == "running"
    assert src.command("query-status")["status"] == "postmigrate"


def test_setup_event_before_reply(vms, tmpdir_path):
    """MIGRATION "setup" comes before migrate's and migrate-incoming's
    replies (QEMU 7.2's order): libvirt checks the job right after the
    reply and gives up when no event said the migration started."""
    path = os.path.join(tmpdir_path, "mig.sock")
    src = vms(vm_args())
    dst = vms(vm_args(incoming="defer"))
    for vm in (src, dst):
        set_cap(vm, "events", True)
        vm.events.clear()
    dst.command("migrate-incoming", uri="unix:" + path)
    assert [e["data"] for e in dst.events
            if e["event"] == "MIGRATION"][:1] == [{"status": "setup"}], \
        dst.events
    src.command("migrate", uri="unix:" + path)
    assert [e["data"] for e in src.events
            if e["event"] == "MIGRATION"][:1] == [{"status": "setup"}], \
        src.events
    # Each status once, in order.
    statuses = []
    while statuses[-1:] not in (["completed"], ["failed"]):
        statuses.append(src.event_wait("MIGRATION", timeout=30)
                        ["data"]["status"])
    assert statuses == ["setup", "active", "completed"], statuses


def test_return_path_real_pair_destination_fails(vms, tmpdir_path):
    """A destination that cannot load (another region size) fails the
    source's migration; the source runs on."""
    path = os.path.join(tmpdir_path, "mig.sock")
    src = vms(vm_args())
    bad = vm_args(incoming="unix:" + path)
    bad[bad.index("memory-backend-ram,id=mem0,size=256M,reserve=off")] = \
        "memory-backend-ram,id=mem0,size=512M,reserve=off"
    dst = vms(bad)
    for vm in (src, dst):
        set_cap(vm, "return-path", True)
    src.command("migrate", uri="unix:" + path)
    info = wait_status(src, ("completed", "failed"))
    assert info["status"] == "failed", info
    assert wait_status(dst, ("failed",))["status"] == "failed"
    assert src.command("query-status")["status"] == "running"

