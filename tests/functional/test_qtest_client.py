# SPDX-License-Identifier: GPL-2.0-or-later
"""Self-test of tests/functional/qtest.py against a real binary.

Meson runs it against Debian's QEMU (QTEST_QEMU_ACCEL="-accel tcg -S") and,
once the qtest accelerator lands, against ours.  Without a binary every
test is skipped with the reason.
"""

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qtest  # noqa: E402
from conftest import check_no_sanitizer_report  # noqa: E402

ADDR = 0x100000
ARGS = ["-machine", "q35", "-m", "128M"]

pytestmark = pytest.mark.skipif(
    not os.access(qtest.default_binary(), os.X_OK),
    reason="no binary at %s (set QTEST_QEMU_BINARY)" % qtest.default_binary())


@pytest.fixture
def vm():
    with qtest.QTestMachine(ARGS) as machine:
        yield machine


def test_memory_round_trips(vm):
    vm.writeb(ADDR, 0x12)
    assert vm.readb(ADDR) == 0x12
    vm.writew(ADDR, 0x3456)
    assert vm.readw(ADDR) == 0x3456
    vm.writel(ADDR, 0xdeadbeef)
    assert vm.readl(ADDR) == 0xdeadbeef
    vm.writeq(ADDR, 0x1122334455667788)
    assert vm.readq(ADDR) == 0x1122334455667788
    assert vm.readb(ADDR) == 0x88            # little endian


def test_hex_b64_memset(vm):
    data = bytes(range(256)) * 3
    vm.memwrite(ADDR, data)
    assert vm.b64read(ADDR, len(data)) == data
    vm.b64write(ADDR + 1, b"\x01\x02\x03")
    assert vm.memread(ADDR, 5) == b"\x00\x01\x02\x03\x04"
    vm.memset(ADDR, 16, 0xa5)
    assert vm.memread(ADDR, 17) == b"\xa5" * 16 + bytes([16])


def test_io_and_pci_config(vm):
    assert vm.inb(0x1234) == 0xff
    vm.outl(0xcf8, 0x80000000)
    assert vm.inl(0xcfc) == 0x29c08086      # q35 host bridge


def test_errors_keep_session(vm):
    assert vm.cmd("no_such_command").startswith("FAIL")
    with pytest.raises(qtest.QMPError) as err:
        vm.command("no-such-command")
    assert err.value.error["class"] == "CommandNotFound"
    vm.writeb(ADDR, 7)
    assert vm.readb(ADDR) == 7


def test_qmp_and_events(vm):
    assert "QMP" in vm.greeting
    # The reference starts paused (-S), ours running (-accel qtest, as
    # QEMU's qtest accelerator does).  A first cont makes both run (an
    # event only where it changed something); then stop/cont/stop each
    # change the state and are announced, buffered behind the responses.
    vm.command("cont")
    vm.command("stop")
    assert vm.event_wait("STOP", timeout=10)["event"] == "STOP"
    vm.command("cont")
    assert vm.event_wait("RESUME", timeout=10)["event"] == "RESUME"
    vm.command("stop")
    assert vm.event_wait("STOP", timeout=10)["event"] == "STOP"
    assert vm.command("query-status")["running"] is False


def test_clock(vm):
    if qtest.is_reference():
        # Named difference: clock_step exists only under -accel qtest.
        assert vm.cmd("clock_step 10").startswith("FAIL")
        return
    t0 = vm.clock_step(0)
    assert vm.clock_step(1000) == t0 + 1000


def test_shutdown_leaves_no_child():
    vm = qtest.QTestMachine(ARGS)
    vm.launch()
    pid = vm.pid
    vm.shutdown()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_killed_test_leaves_no_child():
    """A test process that is SIGKILLed takes its binary with it."""
    code = ("import sys; sys.path.insert(0, %r); import qtest, os, time; "
            "vm = qtest.QTestMachine(%r); vm.launch(); "
            "print(vm.pid, flush=True); time.sleep(600)"
            % (os.path.dirname(os.path.abspath(qtest.__file__)), ARGS))
    child = subprocess.Popen([sys.executable, "-c", code],
                             stdout=subprocess.PIPE)
    pid = int(child.stdout.readline())
    child.send_signal(signal.SIGKILL)
    child.wait()
    for _ in range(500):
        try:
            with open("/proc/%d/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break
        except FileNotFoundError:
            break
        time.sleep(0.01)
    else:
        pytest.fail("binary %d outlived its test process" % pid)


def _accel():
    return shlex.split(os.environ.get("QTEST_QEMU_ACCEL", "-accel qtest"))


def _run_binary(args, timeout=30):
    return subprocess.run([qtest.default_binary()] + _accel() +
                          ["-display", "none", "-nodefaults"] + args,
                          stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize("args,message", [
    (["-device", "edu,addr=1", "-device", "edu,addr=1"],
     "-device edu,addr=1: PCI: slot 1 function 0 not available for edu, "
     "in use by edu,id=(null)"),
    (["-device", "edu,addr=0"],
     "-device edu,addr=0: PCI: slot 0 function 0 not available for edu, "
     "in use by mch,id=(null)"),
    (["-device", "edu,id=e1,addr=2", "-device", "edu,id=e2,addr=2.0"],
     "-device edu,id=e2,addr=2.0: PCI: slot 2 function 0 not available "
     "for edu, in use by edu,id=e1"),
])
def test_taken_slot_refused(args, message):
    """A taken slot is refused with QEMU 7.2's wording (both binaries)."""
    res = _run_binary(["-machine", "q35"] + args)
    assert res.returncode == 1
    assert res.stderr.strip().endswith(message), res.stderr


def test_addr_honoured():
    """-device edu,addr=7: the device answers at 00:07.0, not 00:01.0."""
    with qtest.QTestMachine(ARGS + ["-device", "edu,addr=7"]) as vm:
        vm.outl(0xcf8, 0x80000000 | 7 << 11)
        assert vm.inl(0xcfc) == 0x11e81234
        vm.outl(0xcf8, 0x80000000 | 1 << 11)
        assert vm.inl(0xcfc) == 0xffffffff


def connect_when_listening(path, proc, timeout=30.0):
    """Connect to the UNIX socket @path of @proc.  The path appears at
    bind(), before listen(): until then a connect is refused, so retry
    ECONNREFUSED (and a missing path) for up to @timeout s."""
    deadline = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        try:
            s.connect(path)
            return s
        except (ConnectionRefusedError, FileNotFoundError):
            s.close()
            if proc.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


@pytest.mark.parametrize("form", ["chardev", "spec"])
def test_socket_chardev_and_log(tmp_path, form):
    """The binary as the listening side, -qtest-log FILE.

    "chardev": -chardev socket,id=qtest,... -qtest chardev:qtest (QEMU 7.2
    insists on the id "qtest"; ours takes any id).  "spec": -qtest
    unix:PATH,server=on,wait=off.
    """
    sock = str(tmp_path / "q.sock")
    log = tmp_path / "qtest.log"
    if form == "chardev":
        qarg = ["-chardev",
                "socket,id=qtest,path=%s,server=on,wait=off" % sock,
                "-qtest", "chardev:qtest"]
    else:
        qarg = ["-qtest", "unix:%s,server=on,wait=off" % sock]
    proc = subprocess.Popen(
        [qtest.default_binary()] + _accel() + ARGS +
        ["-display", "none", "-nodefaults"] + qarg +
        ["-qtest-log", str(log)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)
    try:
        for _ in range(1000):
            if os.path.exists(sock) or proc.poll() is not None:
                break
            time.sleep(0.01)
        assert proc.poll() is None, proc.stderr.read()
        s = connect_when_listening(sock, proc)
        f = s.makefile("rw")
        f.write("writeb 0x100000 0x5a\nreadb 0x100000\nbogus\n")
        f.flush()
        assert f.readline() == "OK\n"
        assert f.readline() == "OK 0x000000000000005a\n"
        assert f.readline() == "FAIL Unknown command 'bogus'\n"
        s.close()
    finally:
        # SIGTERM: QEMU 7.2 flushes its buffered log only on a clean exit.
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise
    err = err.decode(errors="replace")
    assert proc.returncode == 0, err
    check_no_sanitizer_report(err)
    text = log.read_text()
    assert re.search(r"^\[R \+[0-9.]+\] readb 0x100000$", text, re.M), text
    assert re.search(r"^\[S \+[0-9.]+\] OK 0x000000000000005a$", text,
                     re.M), text


if __name__ == "__main__":
    # Meson runs this file directly: exit 77 (meson's "skipped") with the
    # reason when there is no binary, otherwise hand over to pytest.
    if not os.access(qtest.default_binary(), os.X_OK):
        print("SKIP: no binary at %s" % qtest.default_binary())
        sys.exit(77)
    sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", __file__]))
