# SPDX-License-Identifier: GPL-2.0-or-later
"""A qtest + QMP client for functional tests, standard library only.

It starts the binary the way libqtest does: the test listens on two UNIX
sockets in a private directory, the binary connects to both

    BINARY ACCEL -qtest unix:Q -qtest-log /dev/null
           -chardev socket,path=M,id=qmp0 -mon chardev=qmp0,mode=control
           -display none -nodefaults EXTRA...

and the socket files are removed as soon as it has.  BINARY comes from
QTEST_QEMU_BINARY (default: the build tree's qemu-system-x86_64), ACCEL from
QTEST_QEMU_ACCEL (default "-accel qtest"; "-accel tcg -S" for Debian's
QEMU, which has no qtest accelerator).

Every read has a timeout (QTEST_TIMEOUT seconds, default 60), so a hung
binary raises QTestError instead of hanging the test.  The child gets
PR_SET_PDEATHSIG(SIGKILL), and shutdown() or the interpreter's exit kill it.

The protocol itself is specified next to the server's parser
(softmmu/qtest.c); docs/devel/qtest.md points there.

    with QTestMachine(["-machine", "q35", "-m", "128M"]) as vm:
        vm.writel(0x100000, 0xdeadbeef)
        assert vm.readl(0x100000) == 0xdeadbeef
        vm.command("qom-get", path="/machine", property="type")
"""

import atexit
import base64
import ctypes
import json
import os
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

__all__ = ["QTestMachine", "QTestError", "QMPError", "default_binary",
           "is_reference"]

_PR_SET_PDEATHSIG = 1
_live = set()


class QTestError(Exception):
    """Transport or protocol failure: timeout, EOF, unexpected reply."""


class QMPError(Exception):
    """A QMP command answered with "error"; .error holds it."""

    def __init__(self, cmd, error):
        super().__init__("%s: %s: %s" % (cmd, error.get("class"),
                                         error.get("desc")))
        self.error = error


def default_binary():
    """QTEST_QEMU_BINARY, else the build tree's binary."""
    env = os.environ.get("QTEST_QEMU_BINARY")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "..", "..", "build", "qemu-system-x86_64")


def is_reference():
    """True when running against Debian's QEMU (QTEST_REFERENCE=1)."""
    return os.environ.get("QTEST_REFERENCE") == "1"


def _die_with_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


@atexit.register
def _kill_leftovers():
    for vm in list(_live):
        vm.kill()


class _LineChannel:
    """A socket read line by line with a timeout per line."""

    def __init__(self, sock, name, timeout, log):
        self.sock = sock
        self.name = name
        self.timeout = timeout
        self.log = log
        self.buf = b""

    def send(self, text):
        if self.log:
            print("[%s >] %s" % (self.name, text.rstrip("\n")),
                  file=sys.stderr)
        self.sock.sendall(text.encode())

    def _fill(self, timeout):
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if not ready:
            return False
        data = self.sock.recv(65536)
        if not data:
            raise QTestError("%s socket closed by the binary" % self.name)
        self.buf += data
        return True

    def take_line(self):
        nl = self.buf.find(b"\n")
        if nl < 0:
            return None
        line, self.buf = self.buf[:nl], self.buf[nl + 1:]
        return line.decode().rstrip("\r")

    def readline(self, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            line = self.take_line()
            if line is not None:
                if self.log:
                    print("[%s <] %s" % (self.name, line), file=sys.stderr)
                return line
            left = deadline - time.monotonic()
            if left <= 0 or not self._fill(left):
                raise QTestError("%s socket: no reply within %s s"
                                 % (self.name, timeout or self.timeout))

    def poll(self):
        """Takes bytes already available without waiting."""
        while self._fill(0):
            pass


class QTestMachine:
    """One binary under test, driven over qtest and QMP."""

    MAX_IRQ = 256

    def __init__(self, args=(), binary=None, accel=None, timeout=None):
        self.binary = binary or default_binary()
        if accel is None:
            accel = os.environ.get("QTEST_QEMU_ACCEL", "-accel qtest")
        self.accel = shlex.split(accel)
        self.args = list(args)
        self.timeout = timeout or int(os.environ.get("QTEST_TIMEOUT", "60"))
        self.log = "QTEST_LOG" in os.environ
        self.proc = None
        self.qtest = None
        self.qmp_chan = None
        self.greeting = None
        self.events = []
        self.irq_level = [False] * self.MAX_IRQ
        self.big_endian = False

    # ---- lifetime ---------------------------------------------------------

    def __enter__(self):
        self.launch()
        return self

    def __exit__(self, *exc):
        self.shutdown()

    def launch(self):
        tmpdir = tempfile.mkdtemp(prefix="qtest-py-")
        qpath = os.path.join(tmpdir, "qtest.sock")
        mpath = os.path.join(tmpdir, "qmp.sock")
        listeners = []
        try:
            for path in (qpath, mpath):
                lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                lsock.bind(path)
                lsock.listen(1)
                listeners.append(lsock)
            argv = ([self.binary] + self.accel +
                    ["-qtest", "unix:" + qpath, "-qtest-log", "/dev/null",
                     "-chardev", "socket,path=%s,id=qmp0" % mpath,
                     "-mon", "chardev=qmp0,mode=control",
                     "-display", "none", "-nodefaults"] + self.args)
            if self.log:
                print("[qtest.py] %s" % shlex.join(argv), file=sys.stderr)
            # The binary's stdout goes to stderr: stdout may carry TAP.
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                         stdout=sys.stderr.fileno(),
                                         preexec_fn=_die_with_parent)
            _live.add(self)
            qsock, msock = self._accept(listeners)
        finally:
            for lsock in listeners:
                lsock.close()
            shutil.rmtree(tmpdir, ignore_errors=True)
        self.qtest = _LineChannel(qsock, "qtest", self.timeout, self.log)
        self.qmp_chan = _LineChannel(msock, "qmp", self.timeout, self.log)
        self._handshake()
        reply = self.cmd("endianness")
        if reply not in ("OK little", "OK big"):
            raise QTestError("unexpected endianness reply: %r" % reply)
        self.big_endian = reply == "OK big"

    def _accept(self, listeners):
        conns = [None, None]
        deadline = time.monotonic() + self.timeout
        while None in conns:
            waiting = [ls for ls, c in zip(listeners, conns) if c is None]
            ready, _, _ = select.select(waiting, [], [], 0.1)
            for lsock in ready:
                conns[listeners.index(lsock)] = lsock.accept()[0]
            if None in conns and self.proc.poll() is not None:
                self.kill()
                raise QTestError("the binary exited with %d before "
                                 "connecting" % self.proc.returncode)
            if time.monotonic() > deadline:
                self.kill()
                raise QTestError("the binary did not connect within %d s"
                                 % self.timeout)
        return conns

    def _handshake(self):
        self.greeting = json.loads(self.qmp_chan.readline())
        if "QMP" not in self.greeting:
            raise QTestError("bad QMP greeting: %r" % self.greeting)
        self.command("qmp_capabilities")

    def kill(self):
        """SIGKILL the binary and reap it; no judgement of its status."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        _live.discard(self)

    def shutdown(self):
        """SIGTERM the binary and wait.  Raises QTestError if it had died
        on its own with a failure status before being asked to, or if it
        did not exit with status 0 after SIGTERM (a clean shutdown does;
        a sanitizer report at exit, e.g. LeakSanitizer's, or a crash while
        shutting down does not)."""
        if not self.proc:
            return
        early = self.proc.poll()
        status = None
        if early is None:
            self.proc.terminate()
            try:
                status = self.proc.wait(self.timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise QTestError("the binary ignored SIGTERM")
        _live.discard(self)
        for chan in (self.qtest, self.qmp_chan):
            if chan:
                chan.sock.close()
        self.qtest = self.qmp_chan = None
        if early not in (None, 0, -signal.SIGTERM):
            raise QTestError("the binary died before shutdown (status %d)"
                             % early)
        if status not in (None, 0):
            raise QTestError("the binary exited with status %d after "
                             "SIGTERM" % status)

    @property
    def pid(self):
        return self.proc.pid

    # ---- qtest protocol ---------------------------------------------------

    def _irq_line(self, line):
        words = line.split()
        if len(words) != 3 or words[0] != "IRQ":
            return False
        if words[1] not in ("raise", "lower"):
            raise QTestError("malformed IRQ line: %r" % line)
        self.irq_level[int(words[2], 0)] = words[1] == "raise"
        return True

    def cmd(self, line):
        """Sends one protocol line; returns the reply line unjudged."""
        self.qtest.send(line + "\n")
        while True:
            reply = self.qtest.readline()
            if not self._irq_line(reply):
                return reply

    def cmd_ok(self, line):
        """Sends a line; returns the text after "OK" or raises QTestError."""
        reply = self.cmd(line)
        if reply == "OK":
            return ""
        if not reply.startswith("OK "):
            raise QTestError("%r failed: %r" % (line, reply))
        return reply[3:]

    def _value(self, op, addr):
        return int(self.cmd_ok("%s 0x%x" % (op, addr)), 16)

    def inb(self, port):
        return self._value("inb", port)

    def inw(self, port):
        return self._value("inw", port)

    def inl(self, port):
        return self._value("inl", port)

    def outb(self, port, value):
        self.cmd_ok("outb 0x%x 0x%x" % (port, value))

    def outw(self, port, value):
        self.cmd_ok("outw 0x%x 0x%x" % (port, value))

    def outl(self, port, value):
        self.cmd_ok("outl 0x%x 0x%x" % (port, value))

    def readb(self, addr):
        return self._value("readb", addr)

    def readw(self, addr):
        return self._value("readw", addr)

    def readl(self, addr):
        return self._value("readl", addr)

    def readq(self, addr):
        return self._value("readq", addr)

    def writeb(self, addr, value):
        self.cmd_ok("writeb 0x%x 0x%x" % (addr, value))

    def writew(self, addr, value):
        self.cmd_ok("writew 0x%x 0x%x" % (addr, value))

    def writel(self, addr, value):
        self.cmd_ok("writel 0x%x 0x%x" % (addr, value))

    def writeq(self, addr, value):
        self.cmd_ok("writeq 0x%x 0x%x" % (addr, value))

    def memread(self, addr, size):
        """Bytes at addr over the hex "read" command."""
        if not size:
            return b""
        hexdata = self.cmd_ok("read 0x%x 0x%x" % (addr, size))
        return bytes.fromhex(hexdata[2:])

    def memwrite(self, addr, data):
        if data:
            self.cmd_ok("write 0x%x 0x%x 0x%s" % (addr, len(data),
                                                  bytes(data).hex()))

    def b64read(self, addr, size):
        if not size:
            return b""
        return base64.b64decode(self.cmd_ok("b64read 0x%x 0x%x"
                                            % (addr, size)))

    def b64write(self, addr, data):
        if data:
            self.cmd_ok("b64write 0x%x 0x%x %s"
                        % (addr, len(data),
                           base64.b64encode(bytes(data)).decode()))

    def memset(self, addr, size, pattern):
        if size:
            self.cmd_ok("memset 0x%x 0x%x 0x%x" % (addr, size, pattern))

    def clock_step(self, ns=None):
        """Advances the virtual clock (-accel qtest); returns the new ns."""
        line = "clock_step" if ns is None else "clock_step %d" % ns
        return int(self.cmd_ok(line), 0)

    def clock_set(self, ns):
        return int(self.cmd_ok("clock_set %d" % ns), 0)

    def irq_intercept_in(self, qom_path):
        self.cmd_ok("irq_intercept_in %s" % qom_path)

    def irq_intercept_out(self, qom_path):
        self.cmd_ok("irq_intercept_out %s" % qom_path)

    def get_irq(self, num):
        """Last level reported for line num ("IRQ raise/lower num")."""
        self.qtest.poll()
        while True:
            line = self.qtest.take_line()
            if line is None:
                return self.irq_level[num]
            if not self._irq_line(line):
                raise QTestError("unsolicited qtest line: %r" % line)

    # ---- QMP --------------------------------------------------------------

    def _qmp_message(self, timeout=None):
        while True:
            line = self.qmp_chan.readline(timeout)
            if line.strip():
                return json.loads(line)

    def qmp(self, cmd, **args):
        """Sends one command; returns the whole response dict.  Events met
        on the way are kept for event_wait()/get_events()."""
        msg = {"execute": cmd}
        if args:
            msg["arguments"] = args
        self.qmp_chan.send(json.dumps(msg) + "\n")
        while True:
            rsp = self._qmp_message()
            if "event" in rsp:
                self.events.append(rsp)
            else:
                return rsp

    def command(self, cmd, **args):
        """Like qmp() but returns "return" or raises QMPError."""
        rsp = self.qmp(cmd, **args)
        if "error" in rsp:
            raise QMPError(cmd, rsp["error"])
        return rsp["return"]

    def qmp_raw(self, text):
        """Sends text verbatim (for malformed-input tests)."""
        self.qmp_chan.send(text)

    def qmp_receive(self, timeout=None):
        """The next QMP message, event or not."""
        return self._qmp_message(timeout)

    def event_wait(self, name, timeout=None):
        """Returns the first event called name, buffered or awaited."""
        for i, ev in enumerate(self.events):
            if ev["event"] == name:
                return self.events.pop(i)
        while True:
            msg = self._qmp_message(timeout)
            if msg.get("event") == name:
                return msg
            if "event" in msg:
                self.events.append(msg)
            else:
                raise QTestError("response while waiting for %s: %r"
                                 % (name, msg))

    def get_events(self):
        """Returns and forgets the buffered events (after a poll)."""
        self.qmp_chan.poll()
        while True:
            line = self.qmp_chan.take_line()
            if line is None:
                break
            if line.strip():
                msg = json.loads(line)
                if "event" not in msg:
                    raise QTestError("unsolicited QMP response: %r" % msg)
                self.events.append(msg)
        events, self.events = self.events, []
        return events
