# SPDX-License-Identifier: GPL-2.0-or-later
"""The qtest server under load: pipelined input and big messages.

Meson runs it against Debian's QEMU (QTEST_QEMU_ACCEL="-accel tcg -S") and
against ours, so the pipelined replies are checked on both; the memory
check is ours only (QEMU 7.2 keeps the capacity, a named difference).
"""

import os
import sys
import threading

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostobs  # noqa: E402
import qtest  # noqa: E402

ADDR = 0x100000
ARGS = ["-machine", "q35", "-m", "128M"]
MiB = 1024 * 1024

pytestmark = pytest.mark.skipif(
    not os.access(qtest.default_binary(), os.X_OK),
    reason="no binary at %s (set QTEST_QEMU_BINARY)" % qtest.default_binary())


def _send_in_background(vm, text):
    """Send @text from a thread, so that replies are read meanwhile."""
    t = threading.Thread(target=vm.qtest.send, args=(text,))
    t.start()
    return t


def _pipelined_batch(count):
    """@count request lines and the replies they must get, in order."""
    lines, replies, mem = [], [], {}
    for i in range(count):
        addr = ADDR + 4 * (i % 1000)
        kind = i % 7
        if kind in (0, 3):
            mem[addr] = (i * 2654435761) & 0xffffffff
            lines.append("writel 0x%x 0x%x" % (addr, mem[addr]))
            replies.append("OK")
        elif kind in (1, 4):
            lines.append("readl 0x%x" % addr)
            replies.append("OK 0x%016x" % mem.get(addr, 0))
        elif kind == 2:
            lines.append("readb 0x%x" % (addr + 1))
            replies.append("OK 0x%016x" % (mem.get(addr, 0) >> 8 & 0xff))
        elif kind == 5:
            lines.append("no_such_%d" % i)
            replies.append("FAIL Unknown command 'no_such_%d'" % i)
        else:
            lines.append("endianness")
            replies.append("OK little")
    return "".join(line + "\n" for line in lines), replies


def test_pipelined_replies_in_order():
    """30000 requests in one stream, lines cut anywhere by the reads:
    every one answered, in order, as if sent one by one."""
    text, replies = _pipelined_batch(30000)
    with qtest.QTestMachine(ARGS) as vm:
        sender = _send_in_background(vm, text)
        got = [vm.qtest.readline() for _ in replies]
        sender.join()
        assert got == replies
        assert vm.cmd("endianness") == "OK little"


@pytest.mark.skipif(qtest.is_reference(),
                    reason="QEMU 7.2 keeps the input buffer's capacity")
def test_big_line_releases_input_buffer(monkeypatch):
    """After one 60 MiB request the resident set is back within 16 MiB of
    where it was: the input buffer does not keep the capacity it grew to.
    Under ASan freed memory would wait in the allocator's quarantine: the
    binary runs without one (ignored by an uninstrumented binary)."""
    asan = os.environ.get("ASAN_OPTIONS", "")
    monkeypatch.setenv("ASAN_OPTIONS",
                       (asan + ":" if asan else "") + "quarantine_size_mb=0")
    size = 30 * MiB
    with qtest.QTestMachine(ARGS) as vm:
        vm.memset(ADDR, 4096, 0x5a)
        assert vm.readb(ADDR) == 0x5a
        before = hostobs.rss_of(vm.pid)

        vm.qtest.send("write 0x%x 4 0x%s\n" % (ADDR, "a5" * size))
        assert vm.qtest.readline(timeout=120) == "OK"
        assert vm.readl(ADDR) == 0xa5a5a5a5
        after = hostobs.rss_of(vm.pid)

    assert after - before < 16 * MiB, (before, after)


def _read_long_line(vm, timeout=120):
    """One reply line too long for QTestSocket.readline (which copies its
    buffer per chunk), read straight from the socket."""
    sock = vm.qtest.sock
    buf = bytearray(vm.qtest.buf)
    vm.qtest.buf = b""
    sock.settimeout(timeout)
    while not buf.endswith(b"\n"):
        data = sock.recv(1 << 20)
        assert data, "qtest socket closed"
        buf += data
    sock.settimeout(None)
    return bytes(buf[:-1])


@pytest.mark.skipif(qtest.is_reference(),
                    reason="QEMU 7.2 keeps the output buffer's capacity")
def test_big_reply_releases_output_buffer(monkeypatch):
    """A 32 MiB reply (16 MiB "read") is queued by the chardev while the
    client reads it; afterwards the resident set is back within 16 MiB of
    where it was (the queue gave its capacity back).  Without ASan's
    quarantine, as above."""
    asan = os.environ.get("ASAN_OPTIONS", "")
    monkeypatch.setenv("ASAN_OPTIONS",
                       (asan + ":" if asan else "") + "quarantine_size_mb=0")
    size = 16 * MiB
    with qtest.QTestMachine(ARGS) as vm:
        vm.memset(ADDR, size, 0x3c)
        assert vm.readb(ADDR + size - 1) == 0x3c
        before = hostobs.rss_of(vm.pid)

        vm.qtest.send("read 0x%x 0x%x\n" % (ADDR, size))
        line = _read_long_line(vm)
        assert line == b"OK 0x" + b"3c" * size
        del line
        assert vm.readb(ADDR) == 0x3c
        after = hostobs.rss_of(vm.pid)

    assert after - before < 16 * MiB, (before, after)


if __name__ == "__main__":
    # Meson runs this file directly: exit 77 (meson's "skipped") with the
    # reason when there is no binary, otherwise hand over to pytest.
    if not os.access(qtest.default_binary(), os.X_OK):
        print("SKIP: no binary at %s" % qtest.default_binary())
        sys.exit(77)
    sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", __file__]))
