# SPDX-License-Identifier: GPL-2.0-or-later
"""The command-line options libvirt writes: each parsed, and observed where
it has an effect (pid file and its lock, -daemonize timing and stdio,
mlock, MADV_DONTDUMP, query-uuid, timestamps, an inherited monitor fd).

libvirt's exact probe and domain command lines are in
/work/shared/libvirt-facts.md; the option values used here are theirs.
"""

import fcntl
import os
import re
import signal
import socket
import subprocess
import time

import pytest

from conftest import qemu_binary
from qmp import QMPClient

BASE = ["-machine", "none", "-nodefaults", "-display", "none"]


def run(*args, timeout=10):
    p = subprocess.run([qemu_binary(), *args], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=timeout, text=True)
    return p.returncode, p.stdout, p.stderr


def qmp_arg(path):
    return ["-qmp", f"unix:{path},server=on,wait=off"]


def wait_gone(pid, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


BAD_LINES = [
    (["-overcommit", "mem-lock=maybe"],
     "Parameter 'mem-lock' expects 'on' or 'off'"),
    (["-overcommit", "cpu-pm=on"], "cpu-pm=on is not supported"),
    (["-overcommit", "foo=on"], "Invalid parameter 'foo'"),
    (["-uuid", "xyz"], "failed to parse UUID string: wrong format"),
    (["-uuid", "12345678-1234-1234-1234-123456789abcd"], "wrong format"),
    (["-rtc", "base=localtime"], "only base=utc is supported"),
    (["-rtc", "base=utc,clock=vm"], "only clock=host"),
    (["-boot", "order=c"], "Parameter 'boot.order' is not supported"),
    (["-boot", "strict=maybe"], "Parameter 'boot.strict' expects"),
    (["-msg", "timestamp=maybe"], "Parameter 'timestamp' expects"),
    (["-audiodev", '{"id":"a","driver":"pa"}'],
     "Parameter 'driver' does not accept value 'pa'"),
    (["-audiodev", "none"], "Parameter 'id' is missing"),
    (["-audiodev", '{"id":"a","driver":"none","x":1}'],
     "Parameter 'x' is unexpected"),
    (["-sandbox", "on,obsolete=deny"], "-sandbox on,obsolete=deny: seccomp"),
    (["-machine", "none,usb=on"], "usb=on is not supported"),
    (["-machine", "none,dump-guest-core=maybe"],
     "Parameter 'dump-guest-core' expects"),
    (["-pidfile"], "-pidfile: requires an argument"),
    (["-chardev", "socket,id=c0,fd=abc"], "Parameter 'fd' expects"),
    (["-chardev", "stdio,id=c0,fd=3"], "'fd' is not supported"),
    (["-qmp", "stdio", "-daemonize"],
     "-qmp stdio: cannot use stdio with -daemonize"),
    (["-daemonize", "-chardev", "stdio,id=c0"],
     "cannot use stdio with -daemonize"),
]


@pytest.mark.parametrize("args,needle", BAD_LINES,
                         ids=[" ".join(a) for a, _ in BAD_LINES])
def test_refused(args, needle):
    rc, out, err = run(*BASE, *args)
    assert rc == 1, (out, err)
    assert needle in err, err


def test_libvirt_probe_line(tmp_path):
    """libvirt's probe: -daemonize, -pidfile, -no-user-config."""
    sock = str(tmp_path / "qmp.monitor")
    pidfile = str(tmp_path / "qmp.pid")
    t0 = time.monotonic()
    p = subprocess.run([qemu_binary(), "-S", "-no-user-config",
                        "-nodefaults", "-nographic", "-machine", "none",
                        *qmp_arg(sock), "-pidfile", pidfile, "-daemonize"],
                       stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=20)
    assert p.returncode == 0, p.stderr
    # The parent exited only once the monitor listens: connect at once,
    # without retrying.
    c = QMPClient(sock)
    try:
        c.negotiate()
        pid = int(open(pidfile).read())
        assert pid != os.getpid()
        # the daemon is its own session leader, stdio on /dev/null
        assert os.getsid(pid) == pid
        for n in (0, 1, 2):
            assert os.readlink(f"/proc/{pid}/fd/{n}") == "/dev/null"
        # the pid file stays locked while the daemon runs
        with open(pidfile, "r+") as f:
            with pytest.raises(OSError):
                fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        c.cmd("quit")
    finally:
        c.close()
    assert wait_gone(pid)
    assert not os.path.exists(pidfile), "pid file left behind"
    assert not os.path.exists(sock)
    assert time.monotonic() - t0 < 20


def test_daemonize_error_reaches_parent_stderr(tmp_path):
    pidfile = str(tmp_path / "p.pid")
    rc, out, err = run(*BASE, "-daemonize", "-pidfile", pidfile,
                       "-machine", "nope")
    assert rc == 1
    assert "unsupported machine type" in err
    assert not os.path.exists(pidfile)


def test_pidfile_locked_by_other(tmp_path):
    pidfile = tmp_path / "p.pid"
    with open(pidfile, "w") as f:
        fcntl.lockf(f, fcntl.LOCK_EX)
        rc, _, err = run(*BASE, "-pidfile", str(pidfile))
    assert rc == 1
    assert "cannot create PID file: Cannot lock pid file" in err


def test_pidfile_without_daemonize(make_vm, tmp_path):
    pidfile = str(tmp_path / "p.pid")
    vm = make_vm("-pidfile", pidfile)
    c = vm.connect()
    assert int(open(pidfile).read()) == vm.proc.pid
    c.cmd("quit")
    rc, _, err = vm.wait()
    assert rc == 0, err
    assert not os.path.exists(pidfile)


def test_uuid(make_vm):
    u = "d8b4533b-1234-4cde-89ab-0123456789ab"
    c = make_vm("-uuid", u.upper()).connect()
    assert c.cmd("query-uuid") == {"UUID": u}


def test_uuid_default(qmp):
    assert qmp.cmd("query-uuid") == {
        "UUID": "00000000-0000-0000-0000-000000000000"}


def test_accepted_noops(make_vm):
    """The rest of libvirt's domain line that describes absent hardware."""
    c = make_vm("-no-user-config", "-no-acpi", "-rtc", "base=utc",
                "-boot", "strict=on", "-no-shutdown",
                "-audiodev", '{"id":"audio1","driver":"none"}',
                "-audiodev", "none,id=audio2",
                "-overcommit", "mem-lock=off",
                "-name", "guest=vm1,debug-threads=on").connect()
    assert c.cmd("query-status")["status"] == "running"
    assert c.cmd("query-name") == {"name": "vm1"}


def test_msg_timestamp():
    rc, _, err = run(*BASE, "-msg", "timestamp=on", "-machine", "nope")
    assert rc == 1
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z "
                    r"qemu-system-x86_64: unsupported machine type", err), err
    rc, _, err = run(*BASE, "-msg", "timestamp=off", "-machine", "nope")
    assert err.startswith("qemu-system-x86_64: "), err


def vm_status(pid, field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def test_mem_lock_on(make_vm):
    vm = make_vm("-m", "16M", "-machine", "none", "-overcommit",
                 "mem-lock=on")
    c = vm.connect()
    locked = vm_status(vm.proc.pid, "VmLck")
    asan = "libasan" in open(f"/proc/{vm.proc.pid}/maps").read()
    c.cmd("quit")
    if asan:
        pytest.skip("AddressSanitizer turns mlockall into a silent no-op")
    # all of guest RAM (16 MiB) is locked, not only our own pages
    assert locked >= 16 * 1024


def test_mem_lock_off(make_vm):
    vm = make_vm("-m", "16M", "-overcommit", "mem-lock=off")
    vm.connect()
    assert vm_status(vm.proc.pid, "VmLck") == 0


def smaps_flags_of(pid, size_kb):
    """VmFlags of every mapping of exactly @size_kb."""
    flags, cur = [], None
    for line in open(f"/proc/{pid}/smaps"):
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            lo, hi = line.split()[0].split("-")
            cur = (int(hi, 16) - int(lo, 16)) // 1024
        elif line.startswith("VmFlags:") and cur == size_kb:
            flags.append(line.split()[1:])
    return flags


@pytest.mark.parametrize("machine", ["none", "q35"])
@pytest.mark.parametrize("dump", ["on", "off"])
def test_dump_guest_core(make_vm, machine, dump):
    # 40 MiB: a size nothing else in the process maps
    vm = make_vm("-m", "40M", "-machine",
                 f"{machine},usb=off,dump-guest-core={dump}")
    vm.connect()
    flags = smaps_flags_of(vm.proc.pid, 40 * 1024)
    assert flags, "guest RAM mapping not found"
    for f in flags:
        assert ("dd" in f) == (dump == "off"), f


def test_dump_guest_core_backend_default(make_vm):
    vm = make_vm("-machine", "none,dump-guest-core=off",
                 "-object", "memory-backend-ram,id=m0,size=40M",
                 "-object", "memory-backend-ram,id=m1,size=24M,dump=on")
    c = vm.connect()
    dumps = {m["id"]: m["dump"] for m in c.cmd("query-memdev")}
    assert dumps == {"m0": False, "m1": True}
    assert all("dd" in f for f in smaps_flags_of(vm.proc.pid, 40 * 1024))
    assert not any("dd" in f for f in smaps_flags_of(vm.proc.pid, 24 * 1024))


def test_machine_versioned_name(make_vm):
    c = make_vm("-machine", "pc-q35-7.2,usb=off,dump-guest-core=off",
                "-accel", "qtest").connect()
    assert c.cmd("query-status")["running"]


def listening_socket(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(1)
    return s


def start_with_fd(extra, fd_sock, *args):
    fd = fd_sock.fileno()
    return subprocess.Popen(
        [qemu_binary(), *BASE, *args,
         "-chardev", f"socket,id=charmonitor,fd={fd},server=on,wait=off",
         "-mon", "chardev=charmonitor,id=monitor,mode=control", *extra],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, pass_fds=[fd])


def test_monitor_on_inherited_fd(tmp_path):
    path = str(tmp_path / "monitor.sock")
    s = listening_socket(path)
    p = start_with_fd([], s)
    s.close()
    try:
        c = QMPClient.connect(path)
        c.negotiate()
        assert c.cmd("query-status")["status"] == "running"
        c.close()
        # a second client after the first left (libvirtd restart)
        c = QMPClient.connect(path)
        c.negotiate()
        c.cmd("quit")
        c.close()
        assert p.wait(timeout=10) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    # the socket file is libvirt's: not ours to remove
    assert os.path.exists(path)


def test_fd_not_listening(tmp_path):
    a, b = socket.socketpair()
    p = start_with_fd([], a)
    _, err = p.communicate(timeout=10)
    assert p.returncode == 1
    assert b"is not a listening socket" in err


def test_fd_not_a_socket(tmp_path):
    with open(tmp_path / "f", "w") as f:
        p = start_with_fd([], f)
        _, err = p.communicate(timeout=10)
    assert p.returncode == 1
    assert b"is not a UNIX stream socket" in err


def test_fd_closed():
    rc, _, err = run(*BASE, "-chardev", "socket,id=c,fd=77,server=on",
                     "-mon", "chardev=c,mode=control")
    assert rc == 1
    assert "Cannot use file descriptor 77" in err


def test_libvirt_domain_line(tmp_path):
    """libvirt 9.0's domain command line (libvirt-facts.md 3.3), minus the
    devices we do not have, daemonized with the monitor on an inherited fd.
    """
    path = str(tmp_path / "monitor.sock")
    pidfile = str(tmp_path / "vm.pid")
    key = tmp_path / "master-key.aes"
    key.write_bytes(os.urandom(32))
    s = listening_socket(path)
    fd = s.fileno()
    argv = [qemu_binary(), "-name", "guest=vm1,debug-threads=on", "-S",
            "-machine", "pc-q35-7.2,usb=off,dump-guest-core=off",
            # libvirt passes -accel kvm (type='kvm', the only type it can
            # start with this binary); qtest keeps the test off /dev/kvm
            "-accel", "qtest",
            "-m", "size=131072k,slots=16,maxmem=1048576k",
            "-overcommit", "mem-lock=off",
            "-uuid", "d8b4533b-0000-4000-8000-000000000001",
            "-display", "none", "-no-user-config", "-nodefaults",
            "-chardev", f"socket,id=charmonitor,fd={fd},server=on,wait=off",
            "-mon", "chardev=charmonitor,id=monitor,mode=control",
            "-rtc", "base=utc", "-no-shutdown", "-no-acpi",
            "-boot", "strict=on",
            "-audiodev", '{"id":"audio1","driver":"none"}',
            "-msg", "timestamp=on",
            "-pidfile", pidfile, "-daemonize"]
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                       pass_fds=[fd], timeout=20)
    s.close()
    assert p.returncode == 0, p.stderr
    c = QMPClient(path)
    pid = int(open(pidfile).read())
    try:
        c.negotiate()
        assert c.cmd("query-status")["status"] == "prelaunch"
        assert c.cmd("query-uuid")["UUID"].endswith("000000000001")
        c.cmd("cont")
    finally:
        c.close()
        os.kill(pid, signal.SIGTERM)
    assert wait_gone(pid)
    assert not os.path.exists(pidfile)


def test_secret_object(make_vm, tmp_path):
    """libvirt's master key: JSON -object secret with file=, format=raw."""
    key = tmp_path / "master-key.aes"
    key.write_bytes(b"supersecretvalue")
    c = make_vm(
        "-object", '{"qom-type":"secret","id":"masterKey0","format":"raw",'
        f'"file":"{key}"}}',
        "-object", "secret,id=s1,data=aGlkZGVuLXB3LTQy,format=base64").connect()
    for sid in ("masterKey0", "s1"):
        path = f"/objects/{sid}"
        assert c.cmd("qom-get", {"path": path, "property": "loaded"}) is True
        r = c.execute("qom-get", {"path": path, "property": "data"})
        assert "error" in r, r
        # the value appears in no readable property
        for p in c.cmd("qom-list", {"path": path}):
            r = c.execute("qom-get", {"path": path, "property": p["name"]})
            text = repr(r.get("return"))
            for value in ("supersecretvalue", "hidden-pw-42", "aGlkZGVuLXB3LTQy"):
                assert value not in text, (p, r)
    assert c.cmd("qom-get", {"path": "/objects/s1",
                             "property": "format"}) == "base64"


@pytest.mark.parametrize("obj,needle", [
    ("secret,id=s0", "Either 'data' or 'file' must be provided"),
    ("secret,id=s0,data=x,format=hex", "format"),
    ("secret,id=s0,data=@@@@,format=base64", "Invalid base64"),
    ("secret,id=s0,file=/nonexistent/k", "/nonexistent/k"),
    ("secret,id=s0,data=x,keyid=k0", "not supported"),
])
def test_secret_refused(obj, needle):
    rc, _, err = run(*BASE, "-object", obj)
    assert rc == 1
    assert needle in err, err


VMEM = ["-machine", "q35", "-m", "128M,maxmem=1G",
        "-object", "memory-backend-ram,id=vm,size=512M"]


def qom(c, path, prop):
    return c.cmd("qom-get", {"path": path, "property": prop})


def test_json_device(make_vm):
    """libvirt's JSON -device, with integers and booleans."""
    c = make_vm(*VMEM, "-device",
                '{"driver":"virtio-mem-pci","node":0,"block-size":4194304,'
                '"requested-size":0,"memdev":"vm","id":"virtiomem0",'
                '"bus":"pcie.0","addr":"0x3","prealloc":true}').connect()
    p = "/machine/peripheral/virtiomem0"
    assert qom(c, p, "block-size") == 4194304
    assert qom(c, p, "prealloc") is True


@pytest.mark.parametrize("dev,needle", [
    ('{"driver":"virtio-mem-pci","x":[1]}', "only scalar values"),
    ('{"driver":', "-device {\"driver\":"),
    ('{"driver":"nope"}', "'nope' is not a valid device model name"),
])
def test_json_device_refused(dev, needle):
    rc, _, err = run(*BASE, "-device", dev)
    assert rc == 1
    assert needle in err, err


def test_global(make_vm):
    c = make_vm(*VMEM, "-object", "memory-backend-ram,id=vm1,size=512M",
                "-m", "128M,maxmem=2G",
                "-global", "virtio-mem-pci.prealloc=on",
                "-global", "driver=virtio-mem-pci,property=block-size,"
                "value=8M",
                "-device", "virtio-mem-pci,id=a,memdev=vm",
                "-device", "virtio-mem-pci,id=b,memdev=vm1,prealloc=off"
                ).connect()
    assert qom(c, "/machine/peripheral/a", "prealloc") is True
    assert qom(c, "/machine/peripheral/a", "block-size") == 8 << 20
    # what -device sets wins over -global
    assert qom(c, "/machine/peripheral/b", "prealloc") is False
    assert qom(c, "/machine/peripheral/b", "block-size") == 8 << 20


@pytest.mark.parametrize("glob,needle", [
    ("foo.bar=1", "global foo.bar has invalid class name"),
    ("virtio-mem-pci.nope=1", "property 'nope' not found"),
    ("nodot", "expected DRIVER.PROPERTY=VALUE"),
    ("driver=virtio-mem-pci,property=prealloc", "'value' is missing"),
])
def test_global_refused(glob, needle):
    rc, _, err = run(*BASE, "-global", glob)
    assert rc == 1
    assert needle in err, err


def test_global_bad_value_fails_the_device():
    rc, _, err = run(*BASE[:0], "-nodefaults", "-display", "none", *VMEM,
                     "-global", "virtio-mem-pci.prealloc=maybe",
                     "-device", "virtio-mem-pci,memdev=vm")
    assert rc == 1
    assert "-global virtio-mem-pci.prealloc=maybe: Parameter 'prealloc' " \
        "expects 'on' or 'off'" in err, err


def test_name_process(make_vm):
    vm = make_vm("-name", "guest=vm1,process=qvm-proc,debug-threads=on")
    c = vm.connect()
    assert open(f"/proc/{vm.proc.pid}/comm").read().strip() == "qvm-proc"
    assert c.cmd("query-name") == {"name": "vm1"}


def test_name_debug_threads_bad():
    rc, _, err = run(*BASE, "-name", "vm1,debug-threads=maybe")
    assert rc == 1
    assert "Parameter 'debug-threads' expects 'on' or 'off'" in err, err


def test_readconfig(make_vm, tmp_path):
    cfg = tmp_path / "vm.cfg"
    cfg.write_text('# a comment\n'
                   '[machine]\n  type = "q35"\n'
                   '[memory]\n  size = "256M"\n  maxmem = "1G"\n'
                   '[object "m0"]\n  qom-type = "memory-backend-ram"\n'
                   '  size = "512M"\n'
                   '[device "v0"]\n  driver = "virtio-mem-pci"\n'
                   '  memdev = "m0"\n'
                   '[global]\n  driver = "virtio-mem-pci"\n'
                   '  property = "block-size"\n  value = "4M"\n')
    c = make_vm("-readconfig", str(cfg)).connect()
    assert sorted(m["id"] for m in c.cmd("query-memdev")) == ["m0",
                                                              "pc.ram"]
    assert c.cmd("query-memory-size-summary")["base-memory"] == 256 << 20
    assert qom(c, "/machine/peripheral/v0", "block-size") == 4 << 20


@pytest.mark.parametrize("text,needle", [
    ('[bogus]\n  x = "1"\n', "cfg:1: There is no option group 'bogus'"),
    ('[machine]\n  type = q35\n', "cfg:2: parse error"),
    ('[device]\n  driver = "edu"\n', "needs an id"),
    ('  size = "1G"\n', "no group defined"),
    ('[machine]\n  type = "nope"\n', "unsupported machine type"),
])
def test_readconfig_refused(tmp_path, text, needle):
    cfg = tmp_path / "vm.cfg"
    cfg.write_text(text)
    rc, _, err = run(*BASE, "-readconfig", str(cfg))
    assert rc == 1
    assert needle in err, err


def test_readconfig_missing_file():
    rc, _, err = run(*BASE, "-readconfig", "/nonexistent/vm.cfg")
    assert rc == 1
    assert "Cannot read config file /nonexistent/vm.cfg" in err, err


REFERENCE = "/usr/bin/qemu-system-x86_64"
SAME_AS_72 = [
    (["-overcommit", "mem-lock=maybe"],
     "Parameter 'mem-lock' expects 'on' or 'off'"),
    (["-uuid", "xyz"], "-uuid xyz: failed to parse UUID string: wrong format"),
    (["-boot", "strict=maybe"], "Parameter 'boot.strict' expects"),
    (["-audiodev", '{"id":"a","driver":"bogus"}'],
     "Parameter 'driver' does not accept value 'bogus'"),
    (["-msg", "timestamp=on", "-machine", "nope"],
     "Z qemu-system-x86_64: unsupported machine type"),
]


@pytest.mark.skipif(not os.access(REFERENCE, os.X_OK),
                    reason="Debian's QEMU 7.2 is not installed")
@pytest.mark.parametrize("args,needle", SAME_AS_72,
                         ids=[" ".join(a) for a, _ in SAME_AS_72])
def test_refused_like_qemu72(args, needle):
    # QEMU 7.2 has no -accel qtest outside qtest; ours has no TCG
    for binary, accel in ((REFERENCE, "tcg"), (qemu_binary(), "qtest")):
        p = subprocess.run([binary, *BASE, "-accel", accel, "-S", *args],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=20, text=True)
        assert p.returncode == 1, (binary, p.stderr)
        assert needle in p.stderr, (binary, p.stderr)


@pytest.mark.skipif(not os.access(REFERENCE, os.X_OK),
                    reason="Debian's QEMU 7.2 is not installed")
def test_pidfile_locked_like_qemu72(tmp_path):
    pidfile = tmp_path / "p.pid"
    with open(pidfile, "w") as f:
        fcntl.lockf(f, fcntl.LOCK_EX)
        for binary in (REFERENCE, qemu_binary()):
            p = subprocess.run([binary, *BASE, "-pidfile", str(pidfile)],
                               stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=20, text=True)
            assert p.returncode == 1
            assert "cannot create PID file: Cannot lock pid file: " \
                "Resource temporarily unavailable" in p.stderr, p.stderr
