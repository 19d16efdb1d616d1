/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for PCI configuration space (hw/pci/pci.c: the write
 * masks, write-1-to-clear bits, BAR sizing and mapping, INTx disable, the
 * device reset) with virtio-mem-pci's config hooks (its PCI-cfg access
 * window, hw/virtio/virtio-pci.c) on top.  Set-up as in pci-harness.h.
 *
 * Input: a program of
 *   0..5  CFG_W  acc8 addr8 val32   write 1, 2 or 4 bytes (aligned)
 *   6     CFG_R  acc8 addr8         read
 *   7     RESET                     device reset (as on system reset)
 *
 * Model: a shadow of config space updated by the rule every write must
 * follow, new = (old & ~wmask) | (val & wmask), then & ~(val & w1cmask),
 * with the masks taken once after realize (the status register's
 * interrupt bit follows INTx and is not modelled).  After every operation the
 * device's config space equals the shadow except the PCI-cfg window's
 * data register (which an access through the window fills); BAR 4's
 * masks answer the sizing protocol for a 16 KiB 64-bit prefetchable BAR
 * (low dword 0xffffc00c after all-ones), BARs 0-3 stay 0, the identity
 * bytes never change, and the mapping follows the BAR and command
 * register (ph_check_mapping).  After a reset, command and BARs are 0
 * and the shadow restarts from the device.
 */
#include "pci-harness.h"

#define MAX_OPS 128

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ph_init();
    return 0;
}

typedef struct Model {
    uint8_t shadow[PCI_CONFIG_SPACE_SIZE];
    uint8_t wmask[PCI_CONFIG_SPACE_SIZE];
    uint8_t w1c[PCI_CONFIG_SPACE_SIZE];
    uint8_t ident[PCI_CONFIG_SPACE_SIZE];
    uint8_t data_at;            /* PCI-cfg window data register */
} Model;

static void model_write(Model *m, uint32_t addr, uint32_t val, int len)
{
    for (int i = 0; i < len; i++) {
        uint8_t b = val >> (8 * i);
        uint8_t *s = &m->shadow[addr + i];

        *s = (*s & ~m->wmask[addr + i]) | (b & m->wmask[addr + i]);
        *s &= ~(b & m->w1c[addr + i]);
    }
}

static void check(PhDev *d, Model *m)
{
    uint8_t *c = d->pci->config;

    for (unsigned i = 0; i < PCI_CONFIG_SPACE_SIZE; i++) {
        if (i >= m->data_at && i < m->data_at + 4u) {
            continue;
        }
        if (i == PCI_STATUS) {
            /* The interrupt status bit follows the INTx line. */
            m->shadow[i] = (m->shadow[i] & ~PCI_STATUS_INTERRUPT) |
                           (c[i] & PCI_STATUS_INTERRUPT);
        }
        if (c[i] != m->shadow[i]) {
            fprintf(stderr, "config byte 0x%02x is 0x%02x, model 0x%02x\n",
                    i, c[i], m->shadow[i]);
            abort();
        }
    }
    ph_check_identity(d, m->ident);
    for (int i = 0; i < 4; i++) {
        g_assert_cmphex(pci_get_long(c + PCI_BASE_ADDRESS_0 + 4 * i), ==, 0);
    }
    ph_check_mapping(d);
}

static void model_sync(PhDev *d, Model *m)
{
    memcpy(m->shadow, d->pci->config, PCI_CONFIG_SPACE_SIZE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    PhProg p = { data, size, 0 };
    Model m;
    PhDev d;

    if (size > 4096) {
        return 0;
    }
    ph_dev_new(&d, false);
    memcpy(m.wmask, d.pci->wmask, PCI_CONFIG_SPACE_SIZE);
    memcpy(m.w1c, d.pci->w1cmask, PCI_CONFIG_SPACE_SIZE);
    memcpy(m.ident, d.pci->config, PCI_CONFIG_SPACE_SIZE);
    m.data_at = ph_find_vcap(&d, VIRTIO_PCI_CAP_PCI_CFG) + 16;
    g_assert_cmpuint(m.data_at, >, 16);
    /* BAR sizing answers of a 16 KiB 64-bit BAR: the masks say it. */
    g_assert_cmphex(pci_get_long(m.wmask + PCI_BASE_ADDRESS_0 + 16), ==,
                    ~(uint32_t)(VIRTIO_PCI_BAR_SIZE - 1));
    g_assert_cmphex(pci_get_long(m.wmask + PCI_BASE_ADDRESS_0 + 20), ==,
                    0xffffffff);
    for (int i = 0; i < 4; i++) {
        g_assert_cmphex(pci_get_long(m.wmask + PCI_BASE_ADDRESS_0 + 4 * i),
                        ==, 0);
    }
    model_sync(&d, &m);
    check(&d, &m);
    for (int n = 0; n < MAX_OPS && ph_more(&p); n++) {
        uint8_t op = ph_take(&p, 1) % 8;
        uint32_t addr, val;
        int len;

        if (op == 7) {
            device_cold_reset(DEVICE(d.pci));
            g_assert_cmphex(pci_get_word(d.pci->config + PCI_COMMAND), ==, 0);
            g_assert_cmphex(pci_get_long(d.pci->config + PCI_BASE_ADDRESS_0 +
                                         16), ==, 0xc);
            g_assert_cmphex(pci_get_long(d.pci->config + PCI_BASE_ADDRESS_0 +
                                         20), ==, 0);
            model_sync(&d, &m);
        } else if (op == 6) {
            ph_cfg_access(&p, &addr, &len);
            pci_config_read(d.pci, addr, len);
        } else {
            ph_cfg_access(&p, &addr, &len);
            val = ph_take(&p, 4);
            pci_config_write(d.pci, addr, val, len);
            model_write(&m, addr, val, len);
            /* BAR sizing: all-ones reads back the size mask and type. */
            if (addr == PCI_BASE_ADDRESS_0 + 16 && len == 4 &&
                val == 0xffffffff) {
                g_assert_cmphex(pci_config_read(d.pci, addr, 4), ==,
                                0xffffc00c);
            }
        }
        check(&d, &m);
    }
    ph_dev_free(&d);
    return 0;
}
