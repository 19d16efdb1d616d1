# SPDX-License-Identifier: GPL-2.0-or-later
"""Device state that travels with a migration (-accel qtest, two of our
processes): the q35 host's chipset registers, the user-space I/O APIC's
register file, the 16550A UART, edu, and x-dma-pin's pinned mappings.

Each test programs a device on the source over qtest, migrates, and reads
the same registers back on the destination; refusals are checked by
capturing a stream with exec:, editing one section (checksum fixed up)
and feeding it to a destination with exec:cat, which must fail naming the
section and stay paused.  What the registers do on one machine (also
against QEMU 7.2) is tests/qtest/q35-chipset-test.c.
"""

import os
import struct
import sys
import tempfile
import time
import zlib

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qtest  # noqa: E402
from vmem_driver import ACK, VirtioMemDriver  # noqa: E402

MiB = 1 << 20
GiB = 1 << 30

IOAPIC = 0xfec00000
IOAPIC_PATH = "/machine/q35/ioapic"
SERIAL_PATH = "/machine/unattached/serial0"
COM1 = 0x3f8
EDU_DEVFN = 0x20            # 00:04.0
EDU_BAR = 0xc0000000


def base_args(extra=()):
    return ["-machine", "q35", "-m", "128M", "-serial", "null",
            "-device", "edu,id=e0,addr=04.0"] + list(extra)


def start(args):
    vm = qtest.QTestMachine(args, timeout=60)
    vm.launch()
    return vm


def wait_status(vm, want, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        info = vm.command("query-migrate")
        if info.get("status") in want:
            return info
        assert time.monotonic() < deadline, info
        time.sleep(0.05)


@pytest.fixture
def sock_path():
    d = tempfile.mkdtemp(prefix="migdev-")
    yield os.path.join(d, "mig.sock")


@pytest.fixture
def vms():
    started = []
    yield started
    for vm in started:
        vm.kill()


def migrate_pair(vms, sock_path, args, dst_args=None):
    """Start source and destination with @args; return both unstarted
    for programming (the caller migrates with migrate())."""
    src = start(args)
    vms.append(src)
    dst = start((dst_args or args) + ["-incoming", "unix:" + sock_path])
    vms.append(dst)
    return src, dst


def migrate(src, dst, sock_path):
    src.command("migrate", uri="unix:" + sock_path)
    wait_status(src, ("completed",))
    wait_status(dst, ("completed",))


# ---- PCI configuration mechanism #1 -------------------------------------

def cfg_addr(devfn, off):
    return 0x80000000 | devfn << 8 | (off & 0xfc)


def cfg_readl(vm, devfn, off):
    vm.outl(0xcf8, cfg_addr(devfn, off))
    return vm.inl(0xcfc)


def cfg_writel(vm, devfn, off, value):
    vm.outl(0xcf8, cfg_addr(devfn, off))
    vm.outl(0xcfc, value)


def cfg_readb(vm, devfn, off):
    vm.outl(0xcf8, cfg_addr(devfn, off))
    return vm.inb(0xcfc + (off & 3))


def cfg_writeb(vm, devfn, off, value):
    vm.outl(0xcf8, cfg_addr(devfn, off))
    vm.outb(0xcfc + (off & 3), value)


# ---- I/O APIC -----------------------------------------------------------

def ioapic_read(vm, reg):
    vm.writel(IOAPIC, reg)
    return vm.readl(IOAPIC + 0x10)


def ioapic_write(vm, reg, value):
    vm.writel(IOAPIC, reg)
    vm.writel(IOAPIC + 0x10, value)


# ---- the stream ---------------------------------------------------------

def read_sections(data):
    """{name: (start, type, version, payload offset, length)}."""
    assert data[:8] == b"QELMIGR\n"
    pos, out = 12, {}
    while pos < len(data):
        start = pos
        pos += 2
        n, = struct.unpack_from("<H", data, pos)
        name = data[pos + 2:pos + 2 + n].decode()
        pos += 2 + n
        n, = struct.unpack_from("<H", data, pos)
        typ = data[pos + 2:pos + 2 + n].decode()
        pos += 2 + n
        version, length = struct.unpack_from("<IQ", data, pos)
        pos += 12
        out[name] = (start, typ, version, pos, length)
        pos += length + 4
    return out


def replace_section(data, name, payload=None, version=None):
    """@data with section @name's payload and/or version replaced (length
    and checksum recomputed)."""
    start, _, old_version, off, length = read_sections(data)[name]
    if payload is None:
        payload = data[off:off + length]
    head = bytearray(data[start:off - 12])
    head += struct.pack("<IQ", old_version if version is None else version,
                        len(payload))
    body = bytes(head) + bytes(payload)
    crc = zlib.crc32(body) & 0xffffffff
    return (data[:start] + body + struct.pack("<I", crc) +
            data[off + length + 4:])


def capture_stream(vm, path):
    vm.command("migrate", uri="exec:cat > %s" % path)
    wait_status(vm, ("completed",))
    with open(path, "rb") as f:
        return f.read()


def refused(vms, args, data, path):
    """Feed @data to a new destination; return its error-desc."""
    with open(path, "wb") as f:
        f.write(data)
    dst = start(args + ["-incoming", "exec:cat %s" % path])
    vms.append(dst)
    info = wait_status(dst, ("failed", "completed"))
    assert info["status"] == "failed", info
    assert dst.command("query-status")["status"] != "running"
    return info["error-desc"]


# ---- 1. q35 host bridge -------------------------------------------------

def test_q35_chipset_registers_travel(vms, sock_path):
    """After migration the destination answers MMCONFIG where the source
    moved it (not at the old base); PAM and SMRAM/ESMRAMC, plain bytes in
    this model (no 0xa0000-0xfffff remapping), read back the same."""
    src, dst = migrate_pair(vms, sock_path, base_args())
    cfg_writel(src, 0, 0x60, 0xb0000001)        # enable at the default
    assert src.readl(0xb0000000) == 0x29c08086
    cfg_writel(src, 0, 0x60, 0xe0000003)        # move: 128 MiB at 0xe0000000
    pam = [0x10, 0x33, 0x11, 0x22, 0x30, 0x03, 0x31]
    for i, v in enumerate(pam):
        cfg_writeb(src, 0, 0x90 + i, v)
    cfg_writeb(src, 0, 0x9d, 0x4a)              # SMRAM: G_SMRAME | C_BASE
    cfg_writeb(src, 0, 0x9e, 0x39)              # ESMRAMC
    migrate(src, dst, sock_path)
    assert dst.readl(0xe0000000) == 0x29c08086
    assert dst.readl(0xe0000000 + (0xf8 << 12)) == 0x29188086
    assert dst.readl(0xe7ff8000) == 0xffffffff  # inside the 128 MiB
    assert dst.readl(0xe8000000) == 0           # beyond it
    assert dst.readl(0xb0000000) == 0           # not at the old base
    assert cfg_readl(dst, 0, 0x60) == 0xe0000003
    assert [cfg_readb(dst, 0, 0x90 + i) for i in range(7)] == pam
    assert [dst.readb(0xe0000090 + i) for i in range(7)] == pam
    assert cfg_readb(dst, 0, 0x9d) == 0x4a
    assert cfg_readb(dst, 0, 0x9e) == 0x39
    src.shutdown()
    dst.shutdown()


# ---- 2. I/O APIC --------------------------------------------------------

def ioapic_program(vm):
    """Program ID and every redirection entry; leave IOREGSEL at 0x13.
    Returns the entries as (low, high) pairs."""
    ioapic_write(vm, 0, 0x0b000000)
    entries = []
    for i in range(24):
        low = (0x30 + i) | (i % 8) << 8 | (i & 1) << 13 | (i & 2) << 14
        if i % 3:
            low |= 1 << 16                      # masked
        high = ((i * 7) & 0xff) << 24
        ioapic_write(vm, 0x10 + 2 * i, low)
        ioapic_write(vm, 0x11 + 2 * i, high)
        entries.append((low, high))
    vm.writel(IOAPIC, 0x13)
    return entries


def test_ioapic_state_travels(vms, sock_path):
    src, dst = migrate_pair(vms, sock_path, base_args())
    entries = ioapic_program(src)
    migrate(src, dst, sock_path)
    assert dst.readl(IOAPIC) == 0x13            # IOREGSEL
    assert dst.readl(IOAPIC + 0x10) == entries[1][1]
    assert ioapic_read(dst, 0) == 0x0b000000
    for i, (low, high) in enumerate(entries):
        assert ioapic_read(dst, 0x10 + 2 * i) == low, i
        assert ioapic_read(dst, 0x11 + 2 * i) == high, i
    src.shutdown()
    dst.shutdown()


def test_bad_device_sections_refused(vms, tmp_path):
    """Input levels travel in the ioapic section; payloads of the wrong
    length, entry count or version, and impossible UART states, are
    refused naming the section, before anything is applied."""
    src = start(base_args())
    vms.append(src)
    ioapic_program(src)
    src.outb(COM1 + 1, 0x02)        # IER.THRI: the UART raises GSI 4
    data = capture_stream(src, tmp_path / "stream.bin")
    secs = read_sections(data)
    _, typ, version, off, length = secs[IOAPIC_PATH]
    assert (typ, version, length) == ("ioapic", 1, 10 + 24 * 8)
    sel, ident, irr, count = struct.unpack_from("<BBII", data, off)
    assert (sel, ident, count) == (0x13, 0x0b, 24)
    assert irr == 1 << 4
    payload = data[off:off + length]
    fed = tmp_path / "fed.bin"

    bad = payload[:6] + struct.pack("<I", 23) + payload[10:-8]
    err = refused(vms, base_args(), replace_section(data, IOAPIC_PATH, bad),
                  fed)
    assert "'%s'" % IOAPIC_PATH in err and "23 redirection entries" in err
    err = refused(vms, base_args(),
                  replace_section(data, IOAPIC_PATH, payload[:-8]), fed)
    assert "'%s'" % IOAPIC_PATH in err and "bytes, expected 202" in err
    bad = bytearray(payload)
    bad[10 + 8 * 5 + 4] = 0x01      # entry 5, reserved bit 32
    err = refused(vms, base_args(),
                  replace_section(data, IOAPIC_PATH, bytes(bad)), fed)
    assert "'%s'" % IOAPIC_PATH in err and "entry 5" in err
    err = refused(vms, base_args(),
                  replace_section(data, IOAPIC_PATH, version=0), fed)
    assert "'%s'" % IOAPIC_PATH in err and "version 0" in err
    err = refused(vms, base_args(),
                  replace_section(data, IOAPIC_PATH, version=2), fed)
    assert "'%s'" % IOAPIC_PATH in err

    _, typ, version, off, length = secs[SERIAL_PATH]
    assert (typ, version) == ("isa-serial", 1)
    spay = data[off:off + length]
    bad = spay[:-1] + b"\x05"       # five characters that are not there
    err = refused(vms, base_args(),
                  replace_section(data, SERIAL_PATH, bad), fed)
    assert "'%s'" % SERIAL_PATH in err and "5 received" in err
    bad = struct.pack("<II", 0x2f8, 3) + spay[8:]
    err = refused(vms, base_args(),
                  replace_section(data, SERIAL_PATH, bad), fed)
    assert "'%s'" % SERIAL_PATH in err and "iobase 0x2f8" in err

    edu = "/machine/peripheral/e0#edu"
    err = refused(vms, base_args(),
                  replace_section(data, edu, b"\0" * 7), fed)
    assert "'%s'" % edu in err and "7 bytes" in err

    # The untouched stream is accepted.
    with open(fed, "wb") as f:
        f.write(data)
    dst = start(base_args() + ["-incoming", "exec:cat %s" % fed])
    vms.append(dst)
    wait_status(dst, ("completed",))
    assert ioapic_read(dst, 0) == 0x0b000000
    src.shutdown()


# ---- 3. UART and edu ----------------------------------------------------

def test_uart_state_travels(vms, sock_path):
    src, dst = migrate_pair(vms, sock_path, base_args())
    dst.irq_intercept_in("ioapic")
    src.outb(COM1 + 3, 0x83)        # DLAB
    src.outb(COM1 + 0, 0x01)        # DLL
    src.outb(COM1 + 1, 0x02)        # DLM
    src.outb(COM1 + 3, 0x1b)        # 8E1, DLAB off
    src.outb(COM1 + 7, 0xa5)        # SCR
    src.outb(COM1 + 2, 0x81)        # FIFO on, trigger 8
    src.outb(COM1 + 4, 0x1b)        # loopback, OUT2, RTS, DTR
    for c in b"abc":
        src.outb(COM1, c)           # looped back into the receive FIFO
    src.outb(COM1 + 1, 0x03)        # IER: RDI | THRI
    migrate(src, dst, sock_path)

    assert dst.get_irq(4)           # the line is up on the destination
    assert dst.inb(COM1 + 7) == 0xa5
    assert dst.inb(COM1 + 3) == 0x1b
    assert dst.inb(COM1 + 4) == 0x1b
    assert dst.inb(COM1 + 1) == 0x03
    assert dst.inb(COM1 + 5) & 0x61 == 0x61     # DR, THRE, TEMT
    # Three characters below the trigger: character timeout, FIFO on.
    assert dst.inb(COM1 + 2) == 0xcc
    assert bytes(dst.inb(COM1) for _ in range(3)) == b"abc"
    assert dst.inb(COM1 + 2) == 0xc2            # THR empty still latched
    assert dst.inb(COM1 + 2) == 0xc1            # ... and cleared by a read
    assert not dst.get_irq(4)
    dst.outb(COM1 + 3, 0x9b)
    assert dst.inb(COM1 + 0) == 0x01
    assert dst.inb(COM1 + 1) == 0x02
    src.shutdown()
    dst.shutdown()


def test_edu_state_travels(vms, sock_path):
    src, dst = migrate_pair(vms, sock_path, base_args())
    cfg_writel(src, EDU_DEVFN, 0x10, EDU_BAR)
    cfg_writel(src, EDU_DEVFN, 0x04, 0x2)       # memory space on
    src.writel(EDU_BAR + 0x04, 0x12345678)
    src.writel(EDU_BAR + 0x60, 0x5)
    migrate(src, dst, sock_path)
    assert dst.readl(EDU_BAR + 0x04) == 0xedcba987
    assert dst.readl(EDU_BAR + 0x24) == 0x5
    src.shutdown()
    dst.shutdown()


# ---- 4. x-dma-pin -------------------------------------------------------

def pin_args():
    return ["-machine", "q35", "-m", "128M,maxmem=2G",
            "-object", "memory-backend-ram,id=mem0,size=1G,reserve=off",
            "-object", "x-dma-pin,id=pin0",
            "-device", "virtio-mem-pci,id=vm0,memdev=mem0,block-size=2M,"
            "requested-size=256M"]


def vmlck(vm):
    with open("/proc/%d/status" % vm.pid) as f:
        for line in f:
            if line.startswith("VmLck:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmLck")


def mappings(vm):
    return sorted((m["iova"], m["size"]) for m in
                  vm.command("qom-get", path="/objects/pin0",
                             property="mappings"))


def pinned(maps, lo, hi):
    """Bytes of @maps inside guest addresses [lo, hi)."""
    return sum(max(0, min(a + s, hi) - max(a, lo)) for a, s in maps)


def test_dma_pin_follows_migration(vms, sock_path):
    src, dst = migrate_pair(vms, sock_path, pin_args())
    src_base, dst_base = vmlck(src), vmlck(dst)
    assert mappings(src) == mappings(dst)
    drv = VirtioMemDriver(src)
    drv.probe()
    region = (drv.region_addr, drv.region_addr + GiB)
    assert drv.plug(drv.block_addr(0), 40) == ACK
    assert drv.plug(drv.block_addr(50), 24) == ACK
    src_maps = mappings(src)
    assert pinned(src_maps, *region) == 64 * 2 * MiB
    assert vmlck(src) - src_base == 128 * MiB
    migrate(src, dst, sock_path)

    # The destination pins what the source pinned, no more.
    assert mappings(dst) == src_maps
    assert vmlck(dst) - dst_base == 128 * MiB
    # ... and follows the device from there.
    dst.command("qom-set", path="/machine/peripheral/vm0",
                property="requested-size", value=512 * MiB)
    drv.vm = dst
    assert drv.plug(drv.block_addr(100), 64) == ACK
    assert pinned(mappings(dst), *region) == 128 * 2 * MiB
    assert vmlck(dst) - dst_base == 256 * MiB
    dst.command("qom-set", path="/machine/peripheral/vm0",
                property="requested-size", value=128 * MiB)
    assert drv.unplug(drv.block_addr(0), 40) == ACK
    assert drv.unplug(drv.block_addr(100), 24) == ACK
    assert pinned(mappings(dst), *region) == 64 * 2 * MiB
    assert vmlck(dst) - dst_base == 128 * MiB
    src.shutdown()
    dst.shutdown()
