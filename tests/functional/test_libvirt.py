# SPDX-License-Identifier: GPL-2.0-or-later
"""Debian's libvirt 9.0 driving the binary: a private libvirtd (see
libvirtd.py: own mount namespace, own configuration and state, the
system's libvirt setup untouched), then one pytest test per step:

  domcapabilities   virsh domcapabilities --emulatorbin BINARY (always):
                    libvirt's probe completes (its capability cache
                    has virtio-mem-pci and pc-q35-*); the call succeeds
                    with virt type kvm where KVM is usable; elsewhere
                    ours (no TCG) may only fail to start for the probe,
                    naming both accelerators' reasons
  define, start     the domain of docs/system/libvirt.md under
                    type='kvm': a NUMA cell, <maxMemory slots>, a
                    virtio-mem device, the test guest (tests/guest) as
                    <kernel> driving it (mode=virtio-mem)
  grow, shrink      virsh update-memory-device --requested-size; virsh
                    dumpxml's <current> and the guest's transcript
                    follow
  suspend_resume    suspend stops the guest (a resize waits), resume
                    lets it follow
  restart_libvirtd  libvirtd stopped and started again with the guest
                    running: it reconnects, the guest still follows a
                    resize
  destroy           no emulator process and no socket is left

The steps run in order on one daemon and one domain; a step whose
prerequisite failed fails too and names it.  The KVM steps are skipped
with the reason where /dev/kvm is unusable or the binary has no
`-accel kvm`.  Every wait is bounded; a failing step prints the tail of
libvirtd's log, of the domain log and of the guest's console.

The same steps run against Debian's QEMU 7.2 when REFERENCE_QEMU names
it (with <cpu><model>qemu64</model>: -cpu host aborts on this host), so
the test itself is checked against a binary libvirt fully supports.
"""

import functools
import os
import re
import signal
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "guest"))
from conftest import qemu_binary  # noqa: E402
from libvirtd import Libvirtd, LIBVIRTD, VIRSH, tail  # noqa: E402
from guestrun import kvm_unusable_reason, default_guest_elf  # noqa: E402

MiB = 1 << 20
CELL_MIB = 512          # the NUMA cell: the boot RAM
VMEM_MIB = 1024         # the virtio-mem device's size
BLOCK_KIB = 2048
READY_TIMEOUT = 90      # guest boot up to "virtio-mem: ready"
FOLLOW_TIMEOUT = 60     # one resize, guest plug and libvirt's event

DOMAIN_XML = """\
<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>{name}</name>
  <maxMemory slots='16' unit='MiB'>{maxmem}</maxMemory>
  <memory unit='MiB'>{cell}</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>{kernel}</kernel>
    <cmdline>mode=virtio-mem</cmdline>
  </os>
  <cpu{cpu_attrs}>{cpu_model}
    <numa>
      <cell id='0' cpus='0' memory='{cell}' unit='MiB'/>
    </numa>
  </cpu>
  <devices>
    <emulator>{emulator}</emulator>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
    <memory model='virtio-mem'>
      <target>
        <size unit='MiB'>{vmem}</size>
        <node>0</node>
        <block unit='KiB'>{block}</block>
        <requested unit='KiB'>0</requested>
      </target>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x03'
               function='0x0'/>
    </memory>
  </devices>
  <qemu:commandline>
    <qemu:arg value='-debugcon'/>
    <qemu:arg value='file:{console}'/>
  </qemu:commandline>
</domain>
"""

TRANSCRIPT_RE = re.compile(r"^virtio-mem: requested=0x([0-9a-f]+) "
                           r"plugged=0x([0-9a-f]+) verified=(\d+) blocks$",
                           re.M)

# Errors libvirtd logs on every start in a container (no dnsmasq, D-Bus,
# udev DMI data or /dev/mem): left out of a failing step's report.
HARMLESS = re.compile(r"dnsmasq|virGDBusGetSystemBus|udevGetDMIData|"
                      r"dmidecode")

UNIT = {"b": 1, "bytes": 1, "KiB": 1 << 10, "k": 1 << 10, "MiB": 1 << 20,
        "M": 1 << 20, "GiB": 1 << 30, "G": 1 << 30}


def targets():
    t = [pytest.param("ours", id="ours")]
    if os.environ.get("REFERENCE_QEMU"):
        t.append(pytest.param("reference", id="reference"))
    return t


class Target:
    """One daemon, one domain, and what happened to each step."""

    def __init__(self, kind, root):
        self.kind = kind
        self.binary = (qemu_binary() if kind == "ours"
                       else os.environ["REFERENCE_QEMU"])
        self.daemon = Libvirtd(root)
        self.name = f"lvtest-{kind}-{uuid.uuid4().hex[:8]}"
        self.console = os.path.join(str(root), "console.txt")
        self.results = {}         # step -> None (passed) or a reason
        self.defined = False

    def domain_xml(self):
        return DOMAIN_XML.format(
            name=self.name, maxmem=CELL_MIB + VMEM_MIB + 1024,
            cell=CELL_MIB, vmem=VMEM_MIB, block=BLOCK_KIB,
            kernel=default_guest_elf(), emulator=self.binary,
            console=self.console,
            cpu_attrs=("" if self.kind == "ours" else
                       " mode='custom' match='exact' check='none'"),
            cpu_model=("" if self.kind == "ours" else
                       "\n    <model fallback='forbid'>qemu64</model>"))

    def report(self):
        """The logs a failing step prints."""
        d = self.daemon
        errors = []
        try:
            with open(d.log, errors="replace") as f:
                errors = [line for line in f if ": error : " in line
                          and not HARMLESS.search(line)]
        except OSError:
            pass
        return ("\n--- libvirtd.log, error lines (last 20) ---\n"
                + "".join(errors[-20:])
                + "--- libvirtd.log (tail) ---\n" + tail(d.log, 40)
                + f"--- domain log {d.domain_log(self.name)} (tail) ---\n"
                + tail(d.domain_log(self.name), 40)
                + "--- guest console (tail) ---\n"
                + tail(self.console, 20))

    def virsh(self, *args, timeout=60):
        return self.daemon.virsh(*args, timeout=timeout)

    def state(self):
        return self.virsh("domstate", self.name).strip()

    def current(self):
        """(requested, current) of the virtio-mem device in bytes, as
        virsh dumpxml shows them."""
        root = ET.fromstring(self.virsh("dumpxml", self.name))
        t = root.find("./devices/memory[@model='virtio-mem']/target")
        assert t is not None, "no virtio-mem device in dumpxml"

        def size(tag):
            e = t.find(tag)
            if e is None:
                return None
            return int(e.text) * UNIT[e.get("unit", "KiB")]
        return size("requested"), size("current")

    def transcript(self):
        try:
            with open(self.console, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def wait_console(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.transcript(), re.M)
            if m:
                return m
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no /{pattern}/ on the guest console after {timeout} s")
            time.sleep(0.2)

    def resize(self, size_mib):
        """update-memory-device, then wait until dumpxml's <current> and
        the guest's last transcript line both show @size_mib."""
        want = size_mib * MiB
        self.virsh("update-memory-device", self.name, "--alias",
                   "virtiomem0", "--requested-size", f"{size_mib}MiB",
                   "--live")
        self.wait_followed(want)

    def wait_followed(self, want, timeout=FOLLOW_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            requested, current = self.current()
            lines = TRANSCRIPT_RE.findall(self.transcript())
            last = lines[-1] if lines else None
            guest_ok = (last is not None and int(last[0], 16) == want
                        and int(last[1], 16) == want)
            if requested == want and current == want and guest_ok:
                return
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"after {timeout} s: dumpxml requested={requested} "
                    f"current={current}, guest's last line {last}; "
                    f"want {want}")
            time.sleep(0.25)


@pytest.fixture(scope="module", params=targets())
def target(request, tmp_path_factory):
    for prog in (LIBVIRTD, VIRSH):
        if not os.access(prog, os.X_OK):
            pytest.fail(f"{prog} missing: run scripts/install-deps.sh")
    if os.geteuid() != 0:
        pytest.skip("needs root: libvirtd runs in a private mount namespace")
    if request.param == "reference" and \
            not os.access(os.environ["REFERENCE_QEMU"], os.X_OK):
        pytest.skip(f"no reference binary {os.environ['REFERENCE_QEMU']}")
    t = Target(request.param, tmp_path_factory.mktemp("libvirt"))
    # meson's timeout sends SIGTERM: turn it into an interruption so that
    # the cleanup below still runs (pytest tears fixtures down then).
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        t.daemon.start()
        yield t
    finally:
        try:
            if t.defined:
                t.daemon.virsh_raw(["destroy", t.name], timeout=30)
                t.daemon.virsh_raw(["undefine", t.name], timeout=30)
        except Exception:
            pass
        t.daemon.cleanup()
        signal.signal(signal.SIGTERM, previous)
        left = t.daemon.processes()
        assert not left, f"processes left behind: {left}"


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def accel_kvm_refused(binary):
    """The error when @binary refuses -accel kvm at start-up, else None."""
    p = subprocess.run(
        [binary, "-accel", "kvm", "-machine", "none", "-display", "none",
         "-nodefaults", "-S", "-qmp", "stdio"],
        input='{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n',
        capture_output=True, text=True, timeout=30)
    if p.returncode != 0 and "accelerator" in p.stderr:
        return p.stderr.strip()
    return None


def step(*needs, kvm=False):
    """A step of the scenario: fails naming the first failed
    prerequisite in @needs, skips with the reason when @kvm and KVM is
    unusable, records its own outcome and prints the logs on failure."""
    def wrap(fn):
        name = fn.__name__[len("test_"):]

        @functools.wraps(fn)
        def run(target):
            if kvm:
                reason = kvm_unusable_reason()
                if reason is not None:
                    reason = f"KVM unusable: {reason}"
                elif not os.path.exists(default_guest_elf()):
                    reason = f"test guest not built: {default_guest_elf()}"
                else:
                    refused = accel_kvm_refused(target.binary)
                    if refused:
                        reason = f"the binary refuses -accel kvm: {refused}"
                if reason is not None:
                    target.results[name] = "skipped"
                    pytest.skip(reason)
            for n in needs:
                if n not in target.results:
                    pytest.fail(f"step '{n}' did not run before '{name}'")
                if target.results[n] == "skipped":
                    target.results[name] = "skipped"
                    pytest.skip(f"step '{n}' was skipped")
                if target.results[n] is not None:
                    target.results[name] = f"needs '{n}'"
                    pytest.fail(f"step '{n}' failed: {target.results[n]}")
            try:
                fn(target)
            except BaseException as e:
                if isinstance(e, pytest.skip.Exception):
                    target.results[name] = "skipped"
                    raise
                target.results[name] = str(e).splitlines()[0] \
                    if str(e) else type(e).__name__
                print(target.report())
                raise
            target.results[name] = None
        return run
    return wrap


def capabilities_cache(target):
    """libvirt's capability cache entry for the binary (the result of its
    QMP probe), parsed, or None."""
    d = target.daemon.path("/var/cache/libvirt/qemu/capabilities")
    for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        caps = ET.parse(os.path.join(d, f)).getroot()
        if caps.findtext("emulator") == target.binary:
            return caps
    return None


@step()
def test_domcapabilities(target):
    """libvirt probes the binary.  Where KVM is usable the domain
    capabilities come out (virt type kvm).  Where it is not, ours (no
    TCG) refuses libvirt's probe line -machine none,accel=kvm:tcg with
    both reasons, which is the only failure accepted."""
    args = ["domcapabilities", "--emulatorbin", target.binary,
            "--arch", "x86_64"]
    r = target.daemon.virsh_raw(args, timeout=180)
    kvm_reason = kvm_unusable_reason()
    if target.kind == "ours" and kvm_reason is not None:
        assert r.returncode != 0, r.stdout
        assert "for probing" in r.stderr and \
            "failed to initialize kvm" in r.stderr and \
            "failed to initialize tcg: this build has no TCG" in r.stderr, \
            r.stderr
        print(f"no accelerator: KVM unusable ({kvm_reason}), no TCG")
        return
    caps = capabilities_cache(target)
    assert caps is not None, "libvirt cached no capabilities: " + \
        " / ".join(r.stderr.strip().splitlines())
    flags = {f.get("name") for f in caps.iter("flag")}
    assert "virtio-mem-pci" in flags, sorted(flags)
    machines = {m.get("name") for m in caps.iter("machine")}
    assert any(re.match(r"pc-q35-\d", m) for m in machines), machines
    assert r.returncode == 0, \
        f"virsh {' '.join(args)}: rc {r.returncode}: {r.stderr.strip()}"
    if target.kind == "ours":
        # no tcg-accel: libvirt never makes its second, accel=tcg probe
        assert "tcg" not in flags, sorted(flags)
    dom = ET.fromstring(r.stdout)
    assert dom.findtext("path") == target.binary
    assert dom.findtext("arch") == "x86_64"
    assert dom.findtext("domain") == ("kvm" if kvm_reason is None
                                      else "qemu")
    q35 = target.virsh(*args, "--machine", "q35", timeout=180)
    assert re.search(r"<machine>pc-q35-[\d.]+</machine>", q35), q35


@step("domcapabilities", kvm=True)
def test_define(target):
    path = os.path.join(target.daemon.root, "domain.xml")
    with open(path, "w") as f:
        f.write(target.domain_xml())
    target.virsh("define", path)
    target.defined = True
    xml = ET.fromstring(target.virsh("dumpxml", target.name, "--inactive"))
    assert xml.get("type") == "kvm"
    assert xml.find("./maxMemory").get("slots") == "16"
    assert xml.find("./cpu/numa/cell[@id='0']") is not None
    assert xml.find("./devices/memory[@model='virtio-mem']") is not None


@step("define", kvm=True)
def test_start(target):
    target.virsh("start", target.name, timeout=120)
    assert target.state() == "running"
    target.wait_console(r"^virtio-mem: ready", READY_TIMEOUT)
    assert target.current() == (0, 0)
    procs = target.daemon.emulator_processes(target.binary)
    assert len(procs) == 1, procs


@step("start")
def test_grow(target):
    target.resize(512)


@step("grow")
def test_shrink(target):
    target.resize(128)


@step("start")
def test_suspend_resume(target):
    _, before = target.current()
    want = before + 256 * MiB
    target.virsh("suspend", target.name)
    assert target.state() == "paused"
    target.virsh("update-memory-device", target.name, "--alias",
                 "virtiomem0", "--requested-size", f"{want // MiB}MiB",
                 "--live")
    time.sleep(1.0)
    # No vCPU runs: the guest has not plugged anything more.
    assert target.current() == (want, before)
    target.virsh("resume", target.name)
    assert target.state() == "running"
    target.wait_followed(want)


@step("start")
def test_restart_libvirtd(target):
    before = target.daemon.emulator_processes(target.binary)
    sizes = target.current()
    target.daemon.stop()
    assert target.daemon.emulator_processes(target.binary) == before
    target.daemon.start()
    assert target.state() == "running"
    assert target.daemon.emulator_processes(target.binary) == before
    assert target.current() == sizes
    target.resize(256 if sizes[1] != 256 * MiB else 320)


@step("start")
def test_destroy(target):
    domain_pidfile = target.daemon.path(f"/run/libvirt/qemu/{target.name}.pid")
    assert os.path.exists(domain_pidfile)
    target.virsh("destroy", target.name)
    assert target.state() == "shut off"
    deadline = time.monotonic() + 30
    while target.daemon.emulator_processes(target.binary):
        assert time.monotonic() < deadline, \
            target.daemon.emulator_processes(target.binary)
        time.sleep(0.1)
    assert not os.path.exists(domain_pidfile)
    own = {target.daemon.path(f"/run/libvirt/{s}") for s in
           ("libvirt-sock", "libvirt-sock-ro", "libvirt-admin-sock")}
    left = [s for s in target.daemon.sockets() if s not in own]
    assert not left, left
    target.virsh("undefine", target.name)
    target.defined = False
