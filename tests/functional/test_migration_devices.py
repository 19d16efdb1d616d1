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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostobs import status_bytes  # noqa: E402
from migutil import (migrate, payload_of, replace_section,  # noqa: E402
                     sections_by_name, start, start_pair, wait_status)
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


# ---- the stream (read and edited with migutil) --------------------------

def capture_stream(vm, path):
    vm.command("migrate", uri="exec:cat > %s" % path)
    wait_status(vm, ("completed",))
    with open(path, "rb") as f:
        return f.read()


def refused(vms, args, data, path):
    """Feed @data to a new destination; return its error-desc."""
    with open(path, "wb") as f:
        f.write(data)
    dst = start(vms, args + ["-incoming", "exec:cat %s" % path])
    info = wait_status(dst, ("failed", "completed"))
    assert info["status"] == "failed", info
    assert dst.command("query-status")["status"] != "running"
    return info["error-desc"]


# ---- 1. q35 host bridge -------------------------------------------------

def test_q35_chipset_registers_travel(vms, sock_path):
    """After migration the destination answers MMCONFIG where the source
    moved it (not at the old base); PAM and SMRAM/ESMRAMC, plain bytes in
    this model (no 0xa0000-0xfffff remapping), read back the same."""
    src, dst = start_pair(vms, base_args(), "unix:" + sock_path)
    cfg_writel(src, 0, 0x60, 0xb0000001)        # enable at the default
    assert src.readl(0xb0000000) == 0x29c08086
    cfg_writel(src, 0, 0x60, 0xe0000003)        # move: 128 MiB at 0xe0000000
    pam = [0x10, 0x33, 0x11, 0x22, 0x30, 0x03, 0x31]
    for i, v in enumerate(pam):
        cfg_writeb(src, 0, 0x90 + i, v)
    cfg_writeb(src, 0, 0x9d, 0x4a)              # SMRAM: G_SMRAME | C_BASE
    cfg_writeb(src, 0, 0x9e, 0x39)              # ESMRAMC
    migrate(src, dst, "unix:" + sock_path)
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
    src, dst = start_pair(vms, base_args(), "unix:" + sock_path)
    entries = ioapic_program(src)
    migrate(src, dst, "unix:" + sock_path)
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
    src = start(vms, base_args())
    ioapic_program(src)
    src.outb(COM1 + 1, 0x02)        # IER.THRI: the UART raises GSI 4
    data = capture_stream(src, tmp_path / "stream.bin")
    secs = sections_by_name(data)
    sec = secs[IOAPIC_PATH]
    assert (sec.type, sec.version, sec.length) == ("ioapic", 1, 10 + 24 * 8)
    sel, ident, irr, count = struct.unpack_from("<BBII", data, sec.offset)
    assert (sel, ident, count) == (0x13, 0x0b, 24)
    assert irr == 1 << 4
    payload = payload_of(data, sec)
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

    sec = secs[SERIAL_PATH]
    assert (sec.type, sec.version) == ("isa-serial", 1)
    spay = payload_of(data, sec)
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
    dst = start(vms, base_args() + ["-incoming", "exec:cat %s" % fed])
    wait_status(dst, ("completed",))
    assert ioapic_read(dst, 0) == 0x0b000000
    src.shutdown()


# ---- 3. UART and edu ----------------------------------------------------

def test_uart_state_travels(vms, sock_path):
    src, dst = start_pair(vms, base_args(), "unix:" + sock_path)
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
    migrate(src, dst, "unix:" + sock_path)

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
    src, dst = start_pair(vms, base_args(), "unix:" + sock_path)
    cfg_writel(src, EDU_DEVFN, 0x10, EDU_BAR)
    cfg_writel(src, EDU_DEVFN, 0x04, 0x2)       # memory space on
    src.writel(EDU_BAR + 0x04, 0x12345678)
    src.writel(EDU_BAR + 0x60, 0x5)
    migrate(src, dst, "unix:" + sock_path)
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
    return status_bytes(vm.pid, "VmLck")


def mappings(vm):
    return sorted((m["iova"], m["size"]) for m in
                  vm.command("qom-get", path="/objects/pin0",
                             property="mappings"))


def pinned(maps, lo, hi):
    """Bytes of @maps inside guest addresses [lo, hi)."""
    return sum(max(0, min(a + s, hi) - max(a, lo)) for a, s in maps)


def test_dma_pin_follows_migration(vms, sock_path):
    src, dst = start_pair(vms, pin_args(), "unix:" + sock_path)
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
    migrate(src, dst, "unix:" + sock_path)

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
