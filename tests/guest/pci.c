/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI for the test guest: configuration access through ports 0xcf8/0xcfc,
 * a scan of bus 0 and BAR assignment done here (no firmware is assumed;
 * on QEMU SeaBIOS has run first and its assignment is simply replaced).
 * Memory BARs go below 4 GiB from 0xc0000000, largest first so that each
 * is naturally aligned; I/O BARs from 0xc000.
 */
#include "guest.h"

#define PCI_MAX_DEVS 64
#define MMIO_WINDOW_START 0xc0000000ULL
#define MMIO_WINDOW_END 0xfec00000ULL
#define IO_WINDOW_START 0xc000
#define IO_WINDOW_END 0x10000

static struct pci_dev devs[PCI_MAX_DEVS];
static int ndevs;

static uint32_t cfg_addr(const struct pci_dev *d, uint8_t off)
{
    return 0x80000000u | ((uint32_t)d->bus << 16) | ((uint32_t)d->dev << 11) |
           ((uint32_t)d->fn << 8) | (off & 0xfc);
}

uint32_t pci_cfg_read32(const struct pci_dev *d, uint8_t off)
{
    outl(0xcf8, cfg_addr(d, off));
    return inl(0xcfc);
}

uint16_t pci_cfg_read16(const struct pci_dev *d, uint8_t off)
{
    outl(0xcf8, cfg_addr(d, off));
    return inw(0xcfc + (off & 2));
}

uint8_t pci_cfg_read8(const struct pci_dev *d, uint8_t off)
{
    outl(0xcf8, cfg_addr(d, off));
    return inb(0xcfc + (off & 3));
}

void pci_cfg_write32(const struct pci_dev *d, uint8_t off, uint32_t v)
{
    outl(0xcf8, cfg_addr(d, off));
    outl(0xcfc, v);
}

void pci_cfg_write16(const struct pci_dev *d, uint8_t off, uint16_t v)
{
    outl(0xcf8, cfg_addr(d, off));
    outw(0xcfc + (off & 2), v);
}

/* Size BAR @i of @d (decoding is off); returns the index of the next BAR. */
static int bar_probe(struct pci_dev *d, int i, bool *is_io, bool *is64)
{
    uint8_t off = 0x10 + 4 * i;
    uint32_t orig = pci_cfg_read32(d, off), lo, hi = 0xffffffff;
    uint64_t mask;

    pci_cfg_write32(d, off, 0xffffffff);
    lo = pci_cfg_read32(d, off);
    pci_cfg_write32(d, off, orig);
    *is_io = orig & 1;
    *is64 = !*is_io && ((orig >> 1) & 3) == 2;
    if (*is64) {
        uint32_t orig_hi = pci_cfg_read32(d, off + 4);

        pci_cfg_write32(d, off + 4, 0xffffffff);
        hi = pci_cfg_read32(d, off + 4);
        pci_cfg_write32(d, off + 4, orig_hi);
    }
    if (*is_io) {
        mask = (lo & ~3u) | 0xffff0000u;
        mask |= 0xffffffff00000000ULL;
    } else {
        mask = (lo & ~0xfu) | ((uint64_t)hi << 32);
        if (!*is64) {
            mask |= 0xffffffff00000000ULL;
        }
    }
    d->bar_size[i] = (lo == 0 || lo == 0xffffffff) && !*is64 ? 0 :
                     (~mask + 1);
    if (*is_io) {
        d->bar_size[i] &= 0xffff;
    }
    return i + (*is64 ? 2 : 1);
}

int pci_scan_and_assign(bool verbose)
{
    uint64_t mmio_next, io_next = IO_WINDOW_START;
    struct pci_dev probe = { 0 };
    int i, pass;

    ndevs = 0;
    for (probe.dev = 0; probe.dev < 32; probe.dev++) {
        for (probe.fn = 0; probe.fn < 8; probe.fn++) {
            uint32_t id = pci_cfg_read32(&probe, 0);
            struct pci_dev *d;
            uint8_t htype;

            if ((id & 0xffff) == 0xffff) {
                if (probe.fn == 0) {
                    break;
                }
                continue;
            }
            htype = pci_cfg_read8(&probe, 0x0e);
            if (ndevs < PCI_MAX_DEVS) {
                d = &devs[ndevs++];
                *d = probe;
                d->vendor = id & 0xffff;
                d->device = id >> 16;
                d->class_rev = pci_cfg_read32(&probe, 0x08);
                d->irq_pin = pci_cfg_read8(&probe, 0x3d);
                if (verbose) {
                    printk("pci: 00:%x%x.%u %x:%x class %x pin %u\n",
                           d->dev >> 4, d->dev & 15, d->fn, d->vendor,
                           d->device, d->class_rev >> 8, d->irq_pin);
                }
            }
            if (probe.fn == 0 && !(htype & 0x80)) {
                break;
            }
        }
    }

    /* Decoding off everywhere while BARs are sized and moved. */
    for (i = 0; i < ndevs; i++) {
        struct pci_dev *d = &devs[i];
        uint16_t cmd = pci_cfg_read16(d, 0x04);
        uint8_t htype = pci_cfg_read8(d, 0x0e) & 0x7f;
        int b, nbars = htype == 0 ? 6 : (htype == 1 ? 2 : 0);

        pci_cfg_write16(d, 0x04, cmd & ~3);
        for (b = 0; b < 6; b++) {
            d->bar[b] = 0;
            d->bar_size[b] = 0;
            d->bar_kind[b] = 0;
        }
        for (b = 0; b < nbars;) {
            bool io, is64;
            int next = bar_probe(d, b, &io, &is64);

            d->bar_kind[b] = io ? PCI_BAR_IO :
                             (is64 ? PCI_BAR_MEM64 : PCI_BAR_MEM32);
            b = next;
        }
    }

    /* I/O BARs in scan order, memory BARs largest first (natural
     * alignment without holes to speak of). */
    mmio_next = MMIO_WINDOW_START;
    for (pass = 0; pass < 2; pass++) {
        for (;;) {
            struct pci_dev *best = NULL;
            int best_bar = -1;
            uint64_t best_size = 0;

            for (i = 0; i < ndevs; i++) {
                struct pci_dev *d = &devs[i];
                int b;

                for (b = 0; b < 6; b++) {
                    bool io = d->bar_kind[b] == PCI_BAR_IO;

                    if (!d->bar_size[b] || d->bar[b]) {
                        continue;
                    }
                    if (io != (pass == 0)) {
                        continue;
                    }
                    if (d->bar_size[b] > best_size) {
                        best = d;
                        best_bar = b;
                        best_size = d->bar_size[b];
                    }
                }
            }
            if (!best) {
                break;
            }
            if (pass == 0) {
                uint64_t a = (io_next + best_size - 1) & ~(best_size - 1);

                if (a + best_size > IO_WINDOW_END) {
                    printk("pci: out of I/O space\n");
                    best->bar_size[best_bar] = 0;
                    continue;
                }
                io_next = a + best_size;
                best->bar[best_bar] = a;
                pci_cfg_write32(best, 0x10 + 4 * best_bar, (uint32_t)a);
            } else {
                uint64_t a = (mmio_next + best_size - 1) & ~(best_size - 1);

                if (a + best_size > MMIO_WINDOW_END) {
                    printk("pci: out of MMIO space\n");
                    best->bar_size[best_bar] = 0;
                    continue;
                }
                mmio_next = a + best_size;
                best->bar[best_bar] = a;
                pci_cfg_write32(best, 0x10 + 4 * best_bar, (uint32_t)a);
                if (best->bar_kind[best_bar] == PCI_BAR_MEM64) {
                    pci_cfg_write32(best, 0x14 + 4 * best_bar, 0);
                }
            }
            if (verbose) {
                printk("pci: 00:%x%x.%u BAR%d 0x%llx size 0x%llx\n",
                       best->dev >> 4, best->dev & 15, best->fn, best_bar,
                       (unsigned long long)best->bar[best_bar],
                       (unsigned long long)best_size);
            }
        }
    }

    for (i = 0; i < ndevs; i++) {
        /* I/O space, memory space, bus master. */
        pci_cfg_write16(&devs[i], 0x04,
                        pci_cfg_read16(&devs[i], 0x04) | 0x7);
    }
    return ndevs;
}

struct pci_dev *pci_find(uint16_t vendor, uint16_t device, int n)
{
    int i;

    for (i = 0; i < ndevs; i++) {
        if (devs[i].vendor == vendor && devs[i].device == device && !n--) {
            return &devs[i];
        }
    }
    return NULL;
}
