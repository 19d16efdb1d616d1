# SPDX-License-Identifier: GPL-2.0-or-later
"""A minimal virtio-mem guest driver over qtest.py, for functional tests.

It does what a guest must do before memory can be plugged, and nothing
more: find the virtio-mem PCI function (configuration mechanism #1 on
q35), size and place its memory BARs, walk the virtio vendor
capabilities, negotiate VERSION_1 (plus UNPLUGGED_INACCESSIBLE when
offered), set up queue 0 as a split ring at a fixed guest address and
send one request at a time, polling the used ring (with clock_step when
the accelerator has a manual clock).

    drv = VirtioMemDriver(vm)            # vm: a qtest.QTestMachine
    drv.probe()
    assert drv.plug(drv.block_addr(0), 4) == ACK

The tests/qtest/libqos driver is the full one (converge loop, backoff,
indirect chains); this one exists so Python tests can plug memory and
then poke at the binary over QMP.
"""

import struct

PCI_CONFIG_ADDR = 0xcf8
PCI_CONFIG_DATA = 0xcfc
VENDOR_VIRTIO = 0x1af4
DEVICE_VIRTIO_MEM = 0x1040 + 24

CAP_COMMON, CAP_NOTIFY, CAP_ISR, CAP_DEVICE = 1, 2, 3, 4

# Common configuration offsets.
C_DFSELECT, C_DF, C_GFSELECT, C_GF = 0, 4, 8, 12
C_STATUS, C_Q_SELECT, C_Q_SIZE, C_Q_ENABLE, C_Q_NOFF = 20, 22, 24, 28, 30
C_Q_DESC, C_Q_AVAIL, C_Q_USED = 32, 40, 48

S_ACK, S_DRIVER, S_DRIVER_OK, S_FEATURES_OK = 1, 2, 4, 8
F_UNPLUGGED_INACCESSIBLE = 1
F_VERSION_1 = 32

# Device configuration offsets.
CFG_BLOCK_SIZE, CFG_ADDR, CFG_REGION_SIZE = 0, 16, 24
CFG_USABLE, CFG_PLUGGED, CFG_REQUESTED = 32, 40, 48

REQ_PLUG, REQ_UNPLUG, REQ_UNPLUG_ALL, REQ_STATE = 0, 1, 2, 3
ACK, NACK, BUSY, ERROR = 0, 1, 2, 3
NO_ANSWER = -1

DESC_F_NEXT, DESC_F_WRITE = 1, 2


class DriverError(Exception):
    """The device did not behave as a virtio-mem device must."""


class VirtioMemDriver:
    """Drives one virtio-mem-pci function of a QTestMachine."""

    def __init__(self, vm, devfn=0x08, mmio_base=0xc0000000,
                 ring_base=0x100000, queue_size=16):
        self.vm = vm
        self.devfn = devfn
        self.mmio_next = mmio_base
        self.ring_base = ring_base
        self.qsize = queue_size
        self.bars = {}
        self.caps = {}
        self.avail_idx = 0
        self.used_idx = 0
        self.manual_clock = True

    # ---- PCI configuration space --------------------------------------

    def _select(self, off):
        self.vm.outl(PCI_CONFIG_ADDR,
                     0x80000000 | self.devfn << 8 | (off & 0xfc))

    def cfg_readb(self, off):
        self._select(off)
        return self.vm.inb(PCI_CONFIG_DATA + (off & 3))

    def cfg_readw(self, off):
        self._select(off)
        return self.vm.inw(PCI_CONFIG_DATA + (off & 2))

    def cfg_readl(self, off):
        self._select(off)
        return self.vm.inl(PCI_CONFIG_DATA)

    def cfg_writew(self, off, value):
        self._select(off)
        self.vm.outw(PCI_CONFIG_DATA + (off & 2), value)

    def cfg_writel(self, off, value):
        self._select(off)
        self.vm.outl(PCI_CONFIG_DATA, value)

    def _map_bar(self, n):
        """Sizes memory BAR n and places it in the PCI window."""
        if n in self.bars:
            return self.bars[n]
        off = 0x10 + 4 * n
        orig = self.cfg_readl(off)
        if orig & 1:
            raise DriverError("BAR %d is an I/O BAR" % n)
        is64 = (orig >> 1) & 3 == 2
        self.cfg_writel(off, 0xffffffff)
        mask = self.cfg_readl(off) & ~0xf
        if is64:
            self.cfg_writel(off + 4, 0xffffffff)
            mask |= self.cfg_readl(off + 4) << 32
        else:
            mask |= 0xffffffff00000000
        size = (~mask + 1) & 0xffffffffffffffff
        addr = (self.mmio_next + size - 1) & ~(size - 1)
        self.mmio_next = addr + size
        self.cfg_writel(off, addr & 0xffffffff)
        if is64:
            self.cfg_writel(off + 4, addr >> 32)
        self.bars[n] = addr
        return addr

    # ---- probe ----------------------------------------------------------

    def _parse_caps(self):
        pos = self.cfg_readb(0x34) & ~3
        for _ in range(48):
            if not pos:
                break
            if self.cfg_readb(pos) == 0x09:         # vendor specific
                kind = self.cfg_readb(pos + 3)
                if kind not in self.caps:
                    bar = self.cfg_readb(pos + 4)
                    offset = self.cfg_readl(pos + 8)
                    mult = self.cfg_readl(pos + 16) if kind == CAP_NOTIFY \
                        else 0
                    self.caps[kind] = (bar, offset, mult)
            pos = self.cfg_readb(pos + 1) & ~3

    def _addr(self, kind, off):
        bar, offset, _ = self.caps[kind]
        return self.bars[bar] + offset + off

    def probe(self):
        """Finds the function, negotiates features, sets up queue 0 and
        sets DRIVER_OK.  Returns the features accepted."""
        if (self.cfg_readw(0) != VENDOR_VIRTIO or
                self.cfg_readw(2) != DEVICE_VIRTIO_MEM):
            raise DriverError("no virtio-mem function at devfn 0x%x"
                              % self.devfn)
        self._parse_caps()
        for kind in (CAP_COMMON, CAP_NOTIFY, CAP_ISR, CAP_DEVICE):
            if kind not in self.caps:
                raise DriverError("virtio capability %d missing" % kind)
            self._map_bar(self.caps[kind][0])
        # Memory decoding and bus mastering.
        self.cfg_writew(0x04, self.cfg_readw(0x04) | 0x6)
        self.manual_clock = self.vm.cmd("clock_step 0").startswith("OK")
        return self._start()

    def _common(self, off, width, value=None):
        addr = self._addr(CAP_COMMON, off)
        if value is None:
            return {1: self.vm.readb, 2: self.vm.readw,
                    4: self.vm.readl}[width](addr)
        {1: self.vm.writeb, 2: self.vm.writew,
         4: self.vm.writel}[width](addr, value)
        return None

    def _start(self):
        self._common(C_STATUS, 1, 0)
        self._common(C_STATUS, 1, S_ACK | S_DRIVER)
        offered = 0
        for sel in (0, 1):
            self._common(C_DFSELECT, 4, sel)
            offered |= self._common(C_DF, 4) << (32 * sel)
        if not offered & (1 << F_VERSION_1):
            raise DriverError("VERSION_1 not offered")
        wanted = offered & ((1 << F_VERSION_1) |
                            (1 << F_UNPLUGGED_INACCESSIBLE))
        for sel in (0, 1):
            self._common(C_GFSELECT, 4, sel)
            self._common(C_GF, 4, (wanted >> (32 * sel)) & 0xffffffff)
        self._common(C_STATUS, 1, S_ACK | S_DRIVER | S_FEATURES_OK)
        if not self._common(C_STATUS, 1) & S_FEATURES_OK:
            raise DriverError("FEATURES_OK did not stick")
        self._setup_queue()
        self._common(C_STATUS, 1,
                     S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK)
        return wanted

    def _setup_queue(self):
        self._common(C_Q_SELECT, 2, 0)
        qmax = self._common(C_Q_SIZE, 2)
        if qmax < self.qsize:
            self.qsize = qmax
        self.desc = self.ring_base
        self.avail = self.desc + 16 * self.qsize
        self.used = (self.avail + 6 + 2 * self.qsize + 4095) & ~4095
        self.req = self.used + 4096
        self.resp = self.req + 64
        self.vm.memset(self.desc, self.req + 128 - self.desc, 0)
        # No used-buffer interrupts: the driver polls.
        self.vm.writew(self.avail, 1)
        self._common(C_Q_SIZE, 2, self.qsize)
        for off, addr in ((C_Q_DESC, self.desc), (C_Q_AVAIL, self.avail),
                          (C_Q_USED, self.used)):
            self._common(off, 4, addr & 0xffffffff)
            self._common(off + 4, 4, addr >> 32)
        self._common(C_Q_ENABLE, 2, 1)
        self.notify_off = self._common(C_Q_NOFF, 2)
        self.avail_idx = self.used_idx = 0

    # ---- device configuration ------------------------------------------

    def config_u64(self, off):
        addr = self._addr(CAP_DEVICE, off)
        return self.vm.readl(addr) | self.vm.readl(addr + 4) << 32

    @property
    def block_size(self):
        return self.config_u64(CFG_BLOCK_SIZE)

    @property
    def region_addr(self):
        return self.config_u64(CFG_ADDR)

    @property
    def plugged_size(self):
        return self.config_u64(CFG_PLUGGED)

    @property
    def usable_region_size(self):
        return self.config_u64(CFG_USABLE)

    def block_addr(self, i):
        return self.region_addr + i * self.block_size

    # ---- requests -------------------------------------------------------

    def request(self, rtype, addr=0, nb_blocks=0, timeout_steps=1000):
        """Sends one request; returns (response type, state), or
        (NO_ANSWER, None) when the used ring did not move."""
        self.vm.memwrite(self.req, struct.pack("<HHIQHHI", rtype, 0, 0,
                                               addr, nb_blocks, 0, 0))
        self.vm.memset(self.resp, 10, 0xa5)
        # One chain in flight: descriptors 0 (request) and 1 (response).
        self.vm.memwrite(self.desc,
                         struct.pack("<QIHHQIHH", self.req, 24, DESC_F_NEXT,
                                     1, self.resp, 10, DESC_F_WRITE, 0))
        self.vm.writew(self.avail + 4 + 2 * (self.avail_idx % self.qsize),
                       0)
        self.avail_idx = (self.avail_idx + 1) & 0xffff
        self.vm.writew(self.avail + 2, self.avail_idx)
        mult = self.caps[CAP_NOTIFY][2]
        self.vm.writew(self._addr(CAP_NOTIFY, self.notify_off * mult), 0)
        for _ in range(timeout_steps):
            if self.vm.readw(self.used + 2) != self.used_idx:
                break
            if self.manual_clock:
                self.vm.clock_step(100000)
        else:
            return NO_ANSWER, None
        self.used_idx = (self.used_idx + 1) & 0xffff
        resp = self.vm.memread(self.resp, 10)
        rtype_out, _, _, _, state = struct.unpack("<HHHHH", resp)
        return rtype_out, state

    def plug(self, addr, nb_blocks):
        return self.request(REQ_PLUG, addr, nb_blocks)[0]

    def unplug(self, addr, nb_blocks):
        return self.request(REQ_UNPLUG, addr, nb_blocks)[0]

    def unplug_all(self):
        return self.request(REQ_UNPLUG_ALL)[0]

    def state(self, addr, nb_blocks):
        return self.request(REQ_STATE, addr, nb_blocks)
