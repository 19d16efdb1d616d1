/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for the virtio-pci transport (hw/virtio/virtio-pci.c) as a
 * guest drives it: MMIO on BAR 4's common, ISR, device-config and notify
 * windows through the system address space (so the memory core's access
 * splitting and re-entrancy guard are in the path), the PCI-cfg access
 * window through config space, and guest RAM holding rings and requests
 * for virtio-mem behind it.  A descriptor may point anywhere, including
 * at the BAR itself: that is how a device's DMA reaches its own registers.
 *
 * Set-up per input (pci-harness.h): virtio-mem-pci on a bare root bus, a
 * 32 MiB backend with 2 MiB blocks; byte 0 bit 0 = unplugged-inaccessible,
 * bit 1 = leave the BAR unprogrammed (config ops must map it), bits 2-7 =
 * requested-size in blocks (mod 17).  Then a program:
 *   0 MMIO_W  off16 size8 val64   write at BAR + off % 0x4400 (1..8 bytes)
 *   1 MMIO_R  off16 size8         read there
 *   2 RAM_W   off16 len8 bytes    write guest RAM (rings, requests)
 *   3 CFG_W   acc8 addr8 val32    config space write (1, 2 or 4 bytes)
 *   4 CFG_R   acc8 addr8          config space read
 *   5 PCFG    bar8 off32 len8 val32 rw8   a PCI-cfg window access
 *   6 DRIVER  a well-behaved driver start with rings at RAM 0x1000..
 *   7 RESET   device reset (as on system reset)
 *   8 RESIZE  blocks8             host changes requested-size
 * Checked after every operation: read-only identity bytes never change;
 * BARs 0-3 read 0 and BAR 4 keeps its type bits (64-bit prefetchable);
 * the BAR is mapped exactly where config space says when memory decoding
 * is on, and a pure register (num_queues) reads 1 there; the proxy's
 * queue size is 0 or a power of two no larger than the maximum; virtio-mem's
 * plugged size matches its bitmap and no element is left in flight.
 */
#include "pci-harness.h"
#include "qemu/bitmap.h"

#define MAX_OPS   96
#define DESC      0x1000
#define AVAIL     0x2000
#define USED      0x3000

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ph_init();
    return 0;
}

static void check(PhDev *d, const uint8_t *ident)
{
    uint8_t *c = d->pci->config;
    const VirtIOMEMBlocks *b = &d->vmem->blocks;
    uint16_t num = d->proxy->vqs[0].num;
    uint16_t max = virtio_queue_get_max_num(d->vdev, 0);

    ph_check_identity(d, ident);
    for (int i = 0; i < 4; i++) {
        g_assert_cmphex(pci_get_long(c + PCI_BASE_ADDRESS_0 + 4 * i), ==, 0);
    }
    ph_check_mapping(d);
    g_assert_cmpuint(max, ==, VIRTIO_MEM_QUEUE_SIZE);
    g_assert_true(num == 0 || (num <= max && !(num & (num - 1))));
    g_assert_cmpuint(b->plugged_size, ==,
                     (uint64_t)bitmap_count_one(b->rdb.bitmap,
                                                b->rdb.nr_blocks) *
                     b->block_size);
    g_assert_cmpuint(b->usable_region_size, <=, b->region_size);
    g_assert_cmpuint(virtqueue_inuse(d->vmem->vq), ==, 0);
}

static void mmio(PhDev *d, uint64_t off, unsigned size, uint64_t val,
                 bool write)
{
    uint8_t buf[8];
    uint64_t at = ph_bar4_addr(d) + off % (VIRTIO_PCI_BAR_SIZE + 0x400);

    size = size % 8 + 1;
    if (write) {
        val = GUINT64_TO_LE(val);
        memcpy(buf, &val, sizeof(buf));
        address_space_write(&address_space_memory, at,
                            MEMTXATTRS_UNSPECIFIED, buf, size);
    } else {
        address_space_read(&address_space_memory, at,
                           MEMTXATTRS_UNSPECIFIED, buf, size);
    }
}

static void wr(PhDev *d, uint64_t off, uint64_t val, unsigned size)
{
    mmio(d, off, size - 1, val, true);
}

static void driver_start(PhDev *d)
{
    wr(d, 20, 0, 1);
    wr(d, 20, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
    wr(d, 8, 1, 4);
    wr(d, 12, 1, 4);                                    /* VERSION_1 */
    wr(d, 20, 0xb, 1);                                  /* FEATURES_OK */
    wr(d, 22, 0, 2);
    wr(d, 32, DESC, 4);
    wr(d, 36, 0, 4);
    wr(d, 40, AVAIL, 4);
    wr(d, 44, 0, 4);
    wr(d, 48, USED, 4);
    wr(d, 52, 0, 4);
    wr(d, 28, 1, 2);
    wr(d, 20, 0xf, 1);                                  /* DRIVER_OK */
}

static void pcfg(PhDev *d, PhProg *p)
{
    uint8_t cap = ph_find_vcap(d, VIRTIO_PCI_CAP_PCI_CFG);
    uint8_t bar = ph_take(p, 1);
    uint32_t off = ph_take(p, 4);
    uint32_t len = ph_take(p, 1);
    uint32_t val = ph_take(p, 4);
    bool write = ph_take(p, 1) & 1;

    g_assert_cmpuint(cap, !=, 0);
    pci_config_write(d->pci, cap + 12, 0, 4);   /* no access meanwhile */
    pci_config_write(d->pci, cap + 4, bar, 1);
    pci_config_write(d->pci, cap + 8, off, 4);
    pci_config_write(d->pci, cap + 12, len, 4);
    if (write) {
        pci_config_write(d->pci, cap + 16, val, 4);
    } else {
        pci_config_read(d->pci, cap + 16, 4);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    PhProg p = { data, size, 0 };
    uint8_t flags = ph_take(&p, 1);
    uint8_t ident[PCI_CONFIG_SPACE_SIZE];
    PhDev d;

    if (size > 4096) {
        return 0;
    }
    ph_dev_new(&d, flags & 1);
    memcpy(ident, d.pci->config, sizeof(ident));
    if (!(flags & 2)) {
        ph_map_bar(&d);
    }
    ph_set_requested(&d, (flags >> 2) % 17);
    check(&d, ident);
    for (int n = 0; n < MAX_OPS && ph_more(&p); n++) {
        uint32_t addr;
        int len;

        switch (ph_take(&p, 1) % 9) {
        case 0: {
            uint64_t off = ph_take(&p, 2);
            unsigned sz = ph_take(&p, 1);

            mmio(&d, off, sz, ph_take(&p, 8), true);
            break;
        }
        case 1: {
            uint64_t off = ph_take(&p, 2);

            mmio(&d, off, ph_take(&p, 1), 0, false);
            break;
        }
        case 2: {
            uint8_t buf[256];
            uint64_t off = ph_take(&p, 2) % PH_RAM_SIZE;
            unsigned l = ph_take(&p, 1);

            for (unsigned i = 0; i < l; i++) {
                buf[i] = ph_take(&p, 1);
            }
            address_space_write(&address_space_memory, off,
                                MEMTXATTRS_UNSPECIFIED, buf,
                                MIN(l, PH_RAM_SIZE - off));
            break;
        }
        case 3:
            ph_cfg_access(&p, &addr, &len);
            pci_config_write(d.pci, addr, ph_take(&p, 4), len);
            break;
        case 4:
            ph_cfg_access(&p, &addr, &len);
            pci_config_read(d.pci, addr, len);
            break;
        case 5:
            pcfg(&d, &p);
            break;
        case 6:
            driver_start(&d);
            break;
        case 7:
            device_cold_reset(DEVICE(d.pci));
            break;
        case 8:
            ph_set_requested(&d, ph_take(&p, 1) % 17);
            break;
        }
        check(&d, ident);
    }
    ph_dev_free(&d);
    return 0;
}
