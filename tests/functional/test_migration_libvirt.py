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

libvirt level (test_virsh_migrate_live, also against Debian's QEMU 7.2
when REFERENCE_QEMU names it): two private libvirtds
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
from migutil import connect_by_getfd, qmp_with_fds  # noqa: E402

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


def test_return_path_refused_with_pipe_fd(vms):
    """A pipe cannot carry the verdict back: migrate fd:NAME refuses it
    before anything is sent, the VM runs on."""
    vm = vms(vm_args())
    set_cap(vm, "return-path", True)
    r, w = os.pipe()
    try:
        assert qmp_with_fds(vm, [w], "getfd", fdname="migrate") == \
            {"return": {}}
        with pytest.raises(qtest.QMPError) as e:
            vm.command("migrate", uri="fd:migrate")
        assert "not a socket" in e.value.error["desc"], e.value.error
        assert vm.command("query-migrate") == {}
        assert vm.command("query-status")["status"] == "running"
    finally:
        os.close(r)
        os.close(w)


def test_return_path_getfd_socketpair(vms):
    """libvirt's exact source sequence over a connected socket passed
    with getfd; the destination takes the other end the same way."""
    src = vms(vm_args())
    dst = vms(vm_args(incoming="defer"))
    for vm in (src, dst):
        set_cap(vm, "events", True)
        set_cap(vm, "return-path", True)
    connect_by_getfd(src, dst)
    src.command("migrate-set-parameters",
                **{"max-bandwidth": 9223372036853727232})
    src.command("migrate", uri="fd:migrate", detach=True, resume=False)
    assert wait_status(src, ("completed", "failed"))["status"] == \
        "completed"
    assert wait_status(dst, ("completed", "failed"))["status"] == \
        "completed"
    assert dst.command("query-status")["status"] == "running"


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


# ---- libvirt level ----------------------------------------------------------

MIGRATE_TIMEOUT = 60


def libvirt_skip_reason(binary):
    """Why the libvirt scenario cannot run here, or None."""
    from guestrun import kvm_unusable_reason, default_guest_elf
    from libvirtd import LIBVIRTD, VIRSH
    from test_libvirt import accel_kvm_refused
    for prog in (LIBVIRTD, VIRSH):
        if not os.access(prog, os.X_OK):
            return f"{prog} missing: run scripts/install-deps.sh"
    if os.geteuid() != 0:
        return "needs root: libvirtd runs in a private mount namespace"
    reason = kvm_unusable_reason()
    if reason is not None:
        return f"KVM unusable: {reason}"
    if not os.path.exists(default_guest_elf()):
        return f"test guest not built: {default_guest_elf()}"
    refused = accel_kvm_refused(binary)
    if refused:
        return f"the binary refuses -accel kvm: {refused}"
    return None


def binary_or_skip(kind):
    """The binary of @kind ("ours" or the reference), or skip the test
    with the reason the libvirt scenario cannot run on it here."""
    from conftest import qemu_binary
    binary = qemu_binary() if kind == "ours" else \
        os.environ["REFERENCE_QEMU"]
    if not os.access(binary, os.X_OK):
        pytest.skip(f"no binary {binary}")
    reason = libvirt_skip_reason(binary)
    if reason is not None:
        pytest.skip(reason)
    return binary


def kinds():
    """ours, and Debian's QEMU 7.2 when REFERENCE_QEMU names it (the
    same scenario on a binary libvirt fully supports checks the test)."""
    k = [pytest.param("ours", id="ours")]
    if os.environ.get("REFERENCE_QEMU"):
        k.append(pytest.param("reference", id="reference"))
    return k


@pytest.fixture(params=kinds())
def two_daemons(request, tmp_path):
    """Targets A (the source, test_libvirt.py's domain) and B (the
    destination: another daemon, another host UUID, the same domain
    name and its own guest console file)."""
    import signal
    import uuid
    sys.path.insert(0, os.path.join(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__))), "guest"))
    from libvirtd import Libvirtd
    from test_libvirt import Target, _interrupt

    kind = request.param
    binary_or_skip(kind)
    a = Target(kind, tmp_path / "a")
    b = Target(kind, tmp_path / "b")
    b.daemon = Libvirtd(tmp_path / "b", host_uuid=str(uuid.uuid4()))
    b.name = a.name
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        a.daemon.start()
        b.daemon.start()
        yield a, b
    finally:
        for t in (b, a):
            try:
                t.daemon.virsh_raw(["destroy", t.name], timeout=30)
                t.daemon.virsh_raw(["undefine", t.name], timeout=30)
            except Exception:
                pass
            t.daemon.cleanup()
        signal.signal(signal.SIGTERM, previous)
        left = a.daemon.processes() + b.daemon.processes()
        assert not left, f"processes left behind: {left}"


def test_virsh_migrate_live(two_daemons):
    """virsh migrate --live from daemon A to daemon B with 256 MiB of
    virtio-mem plugged: B runs the guest on (no reboot, the plugged
    memory kept its data), follows a resize; A's copy is shut off."""
    import xml.etree.ElementTree as ET
    a, b = two_daemons
    try:
        path = os.path.join(a.daemon.root, "domain.xml")
        with open(path, "w") as f:
            f.write(a.domain_xml())
        a.virsh("define", path)
        a.defined = True
        a.virsh("start", a.name, timeout=120)
        a.wait_console(r"^virtio-mem: ready", 90)
        a.resize(256)
        procs_a = a.daemon.emulator_processes(a.binary)
        assert len(procs_a) == 1, procs_a

        # The destination's definition: the same but for the guest's
        # console file (a file chardev truncates what it opens).
        xml = a.virsh("dumpxml", "--migratable", a.name)
        assert a.console in xml
        dest_xml = os.path.join(b.daemon.root, "dest.xml")
        with open(dest_xml, "w") as f:
            f.write(xml.replace(a.console, b.console))
        t0 = time.monotonic()
        a.virsh("migrate", "--live", "--xml", dest_xml, a.name,
                f"qemu+unix:///system?socket={b.daemon.sock}",
                timeout=MIGRATE_TIMEOUT)
        took = time.monotonic() - t0
        print(f"virsh migrate --live: {took:.1f} s")

        # B: running, with A's sizes, on the same guest (no boot).
        assert b.state() == "running"
        assert b.current() == (256 * MiB, 256 * MiB)
        procs_b = b.daemon.emulator_processes(b.binary)
        assert len(procs_b) == 1, procs_b
        b.resize(384)
        transcript = b.transcript()
        assert "virtio-mem: ready" not in transcript, transcript
        assert "lost their data" not in transcript, transcript
        assert re.search(r"^virtio-mem: requested=0x18000000 "
                         r"plugged=0x18000000 verified=192 blocks$",
                         transcript, re.M), transcript

        # A: the domain is shut off (still defined: no --undefinesource)
        # and its emulator is gone.
        assert a.state() == "shut off"
        deadline = time.monotonic() + 30
        while a.daemon.emulator_processes(a.binary):
            assert time.monotonic() < deadline, \
                a.daemon.emulator_processes(a.binary)
            time.sleep(0.1)
        dom = ET.fromstring(a.virsh("dumpxml", a.name))
        assert dom.get("id") is None
    except BaseException:
        print(a.report())
        print(b.report())
        raise
