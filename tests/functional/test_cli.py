# SPDX-License-Identifier: GPL-2.0-or-later
"""Command-line handling: bad lines exit 1 naming the culprit; info options.

Each bad line is run with "-machine none -nodefaults -display none" in
front, and must exit with status 1 before serving anything, with a message
that names the offending option or value.
"""

import os
import socket
import subprocess
import time

import pytest

from conftest import check_no_sanitizer_report, qemu_binary
from qmp import QMPClient

BASE = ["-machine", "none", "-nodefaults", "-display", "none"]


def run(*args, timeout=10):
    p = subprocess.run([qemu_binary(), *args], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=timeout, text=True)
    return p.returncode, p.stdout, p.stderr


BAD_LINES = [
    # (arguments, text the message must contain)
    (["-foo"], "-foo: invalid option"),
    (["-S,foo"], "-S,foo: invalid option"),
    (["-m"], "-m: requires an argument"),
    (["-m", "lots"], "Parameter 'size' expects a non-negative number"),
    (["-m", "-1"], "-m -1: Parameter 'size'"),
    (["-m", "1G,bar=1"], "Invalid parameter 'bar'"),
    (["-m", "1G,maxmem=512M"], "invalid value of maxmem"),
    (["-m", "1G,slots=2"], "slots specified but no max-size"),
    (["-m", "1G,slots=x,maxmem=2G"], "Parameter 'slots' expects a number"),
    (["-m", "1G,maxmem=many"], "Parameter 'maxmem' expects a non-negative"),
    (["-m", "1G,slots=2,maxmem=1G"], "memory slots were specified"),
    (["-machine", "nope"], "unsupported machine type"),
    (["-machine", "q35,foo=1"], "Invalid parameter 'foo'"),
    (["-machine", "none,accel=hax"], "invalid accelerator hax"),
    (["-accel", "hax"], "-accel hax: invalid accelerator hax"),
    (["-display", "gtk"], "Parameter 'type' does not accept value 'gtk'"),
    (["-name", "foo,bar=1"], "Invalid parameter 'bar'"),
    (["-qmp", "tcp:localhost:4444"], "-qmp tcp:localhost:4444: parse error"),
    (["-qmp", "unix:/nonexistent/dir/q.sock,server=on,wait=off"],
     "/nonexistent/dir/q.sock"),
    (["-qmp", "unix:/tmp/q.sock,server=maybe"],
     "Parameter 'server' expects 'on' or 'off'"),
    (["-chardev", "nope,id=c0"], "'nope' is not a valid char driver name"),
    (["-chardev", "socket,path=/tmp/x.sock"], "no id specified"),
    (["-chardev", "socket,id=c0,path=/tmp/x.sock,color=red"],
     "Invalid parameter 'color'"),
    (["-chardev", "socket,id=c0,path=/nonexistent/x.sock"],
     "Failed to connect to '/nonexistent/x.sock'"),
    (["-mon", "chardev=missing,mode=control"], 'chardev "missing" not found'),
    (["-qmp", "stdio,path=/tmp/x"], "Invalid parameter 'path'"),
    (["-chardev", "stdio,id=c0", "-mon", "chardev=c0,mode=readline"],
     "mode=readline"),
    (["-chardev", "stdio,id=c0", "-chardev", "stdio,id=c0"],
     "duplicate chardev id 'c0'"),
    (["-qtest-log"], "-qtest-log: requires an argument"),
    (["disk.img"], "disk.img"),
    (["-smp", "2,cores=2"], "cores=2 is not supported"),
    (["-smp", "2,sockets=1"], "sockets=1 is not supported with 2 CPUs"),
    (["-smp", "1,maxcpus=4"], "maxcpus=4 is not supported"),
    (["-smp", "1,threads=2"], "threads=2 is not supported"),
    (["-smp", "0"], "Invalid SMP CPUs 0"),
    (["-smp", "1,sockets=x"], "Parameter 'sockets' expects"),
]


@pytest.mark.parametrize("args,needle", BAD_LINES,
                         ids=[" ".join(a) for a, _ in BAD_LINES])
def test_bad_command_line(args, needle):
    rc, out, err = run(*BASE, *args)
    assert rc == 1, (out, err)
    assert err.startswith("qemu-system-x86_64: "), err
    assert needle in err, err


def test_failed_start_removes_socket(tmp_path):
    sock = str(tmp_path / "q.sock")
    rc, _, err = run(*BASE, "-qmp", f"unix:{sock},server=on,wait=off",
                     "-mon", "chardev=missing,mode=control")
    assert rc == 1 and "missing" in err
    assert not os.path.exists(sock)


def test_version():
    rc, out, _ = run("-version")
    assert rc == 0
    assert out.startswith("QEMU emulator version ")


def test_help_lists_options():
    rc, out, _ = run("-h")
    assert rc == 0
    for opt in ("-machine", "-m ", "-object", "-qmp", "-qtest", "-S"):
        assert opt in out


def test_machine_help():
    rc, out, _ = run("-machine", "help")
    assert rc == 0
    names = [ln.split()[0] for ln in out.splitlines()[1:] if ln.strip()]
    assert {"q35", "pc", "none"} <= set(names)


@pytest.mark.parametrize("args", [
    ["-m", "1G,slots=4,maxmem=9G"],
    ["-m", "size=2048"],
    ["-m", "1G", "-machine", "q35,accel=qtest"],
    ["-accel", "qtest", "-nographic", "-name", "a,,b"],
    # libvirt's flat topology, for one and for two vCPUs.
    ["-smp", "1,sockets=1,cores=1,threads=1"],
    ["-smp", "2,sockets=2,dies=1,clusters=1,cores=1,threads=1,maxcpus=2"],
    ["-smp", "sockets=2"],
    ["-machine", "q35", "-m", "1G,maxmem=9G",
     "-object", "memory-backend-ram,id=mem0,size=8G,reserve=off",
     "-device", "virtio-mem-pci,id=vm0,memdev=mem0,requested-size=1G"],
])
def test_good_command_lines_start(tmp_path, args):
    from conftest import VM
    vm = VM(tmp_path, args).launch()
    try:
        c = vm.connect()
        assert c.cmd("query-status")["status"] == "running"
    finally:
        vm.kill()


@pytest.mark.parametrize("machine,base", [("none", 0), ("q35", 128 << 20)])
def test_m_zero_means_the_default(tmp_path, machine, base):
    """As QEMU 7.2: "-m 0" is the machine's default RAM size."""
    from conftest import VM
    vm = VM(tmp_path, ["-machine", machine, "-accel", "qtest", "-m", "0"])
    vm.launch()
    try:
        assert vm.connect().cmd("query-memory-size-summary") == \
            {"base-memory": base, "plugged-memory": 0}
    finally:
        vm.kill()


def test_name_with_escaped_comma(tmp_path):
    from conftest import VM
    vm = VM(tmp_path, ["-name", "a,,b"]).launch()
    try:
        assert vm.connect().cmd("query-name") == {"name": "a,b"}
    finally:
        vm.kill()


REFERENCE = "/usr/bin/qemu-system-x86_64"

# Lines whose whole error output must be the same as Debian's QEMU 7.2.
SAME_AS_QEMU = [
    ["-foo"],
    ["-m"],
    ["-m", "lots"],
    ["-m", "1G,bar=1"],
    ["-m", "1G,maxmem=512M"],
    ["-m", "1G", "-m", "2G,maxmem=1G"],
    ["-m", "1G,slots=2"],
    ["-m", "1G,slots=x,maxmem=2G"],
    ["-m", "1G,maxmem=many"],
    ["-m", "1G,slots=2,maxmem=1G"],
    ["-m", "16E"],
    ["-m", "99999999999999999999"],
    ["-m", "1G,maxmem=16E"],
    ["-machine", "nope"],
    ["-machine", "none,accel=nope"],
    ["-accel", "hax"],
    ["-name", "foo,bar=1"],
    ["-chardev", "nope,id=c0"],
    ["-chardev", "socket,path=/tmp/x.sock"],
    ["-chardev", "socket,id=c0,path=/tmp/x.sock,color=red"],
    ["-chardev", "socket,id=c0,path=/nonexistent/x.sock"],
    ["-mon", "chardev=missing,mode=control"],
    ["-qmp", "unix:/nonexistent/dir/q.sock,server=on,wait=off"],
    ["-chardev", "socket,id=c,path=/tmp/x.sock,server=on,wait=off,"
     "reconnect=1"],
    ["-mon", "mode=control"],
    ["-mon", ""],
    ["-mon", "chardev="],
]


@pytest.mark.skipif(not os.access(REFERENCE, os.X_OK),
                    reason=f"reference QEMU {REFERENCE} is not installed")
@pytest.mark.parametrize("args", SAME_AS_QEMU,
                         ids=[" ".join(a) for a in SAME_AS_QEMU])
def test_error_same_as_qemu(args):
    ours = run(*BASE, *args)
    p = subprocess.run([REFERENCE, *BASE, *args], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=10, text=True)
    assert (ours[0], ours[2]) == (p.returncode, p.stderr)


# --- termination signals from start-up to exit ---

def _wait_for(pred, timeout=10):
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_sigterm_while_waiting_for_first_client(tmp_path):
    """SIGTERM while start-up blocks in "-qmp ...,wait=on" (no client yet)
    ends the process cleanly: status 0, the socket file removed.  (QEMU
    7.2 dies by the signal there and leaves the socket behind.)"""
    sock = str(tmp_path / "q.sock")
    p = subprocess.Popen([qemu_binary(), *BASE, "-qmp",
                          f"unix:{sock},server=on,wait=on"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: os.path.exists(sock) or p.poll() is not None)
        time.sleep(0.2)     # well inside the wait for a client
        assert p.poll() is None
        p.terminate()
        _, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    assert p.returncode == 0, err
    assert "terminating on signal 15" in err, err
    assert not os.path.exists(sock)
    check_no_sanitizer_report(err)


def test_sigterm_during_shutdown_after_quit(tmp_path):
    """SIGTERM while the shutdown after "quit" runs (held there by a QMP
    client that stopped reading: the monitor gives its queued output a
    bounded time to leave) does not kill the process: it finishes its
    cleanup and exits 0, and the socket files are gone."""
    busy, watch = str(tmp_path / "busy.sock"), str(tmp_path / "watch.sock")
    p = subprocess.Popen([qemu_binary(), *BASE,
                          "-qmp", f"unix:{busy},server=on,wait=off",
                          "-qmp", f"unix:{watch},server=on,wait=off"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        watcher = QMPClient.connect(watch)
        watcher.negotiate()
        raw = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        raw.connect(busy)
        # Replies pile up in the binary's output buffer: never read.
        raw.sendall(b'{"execute":"qmp_capabilities"}\n' +
                    b'{"execute":"query-status"}\n' * 20000 +
                    b'{"execute":"quit"}\n')
        raw.settimeout(30)
        watcher.event("SHUTDOWN")
        time.sleep(0.3)     # inside the bounded flush of the busy monitor
        assert p.poll() is None, "the flush did not hold the shutdown"
        p.terminate()
        _, err = p.communicate(timeout=60)
        raw.close()
        watcher.close()
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    assert p.returncode == 0, err
    assert not os.path.exists(busy) and not os.path.exists(watch)
    check_no_sanitizer_report(err)
