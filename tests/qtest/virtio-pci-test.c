/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-pci transport edges a guest can reach, on our binary and on
 * Debian's QEMU 7.2 (reference suite), with virtio-mem-pci as the device:
 *
 * - queue_size: what reads back is the size in force.  Our binary takes
 *   only a power of two no larger than the device's maximum (the split
 *   ring rule of the virtio spec) and otherwise keeps the old value;
 *   QEMU 7.2 takes any value up to 1024 and uses it (reference branch).
 * - the PCI-cfg access window: offset + length is checked without 32-bit
 *   wrap-around (offset 0xfffffffc, length 4 is outside the BAR).
 * - re-entrancy: a descriptor whose buffer is the device's own status or
 *   notify register.  The write is dropped and logged under guest_errors
 *   ("Blocked re-entrant IO on MemoryRegion: ..."; Debian's QEMU 7.2
 *   prints it as a warning on stderr regardless of -d, later QEMUs log
 *   it under guest_errors as we do), the device is not
 *   reset or re-entered, the process lives.  QEMU 7.2 completes the
 *   request without its response; our virtio-mem reports the unwritable
 *   response buffer (NEEDS_RESET), and a reset recovers it.
 */
#include "qemu/osdep.h"
#include "virtio-mem-common.h"

#define SHORT_NS (20 * 1000 * 1000)

/* Offsets inside the PCI-cfg access capability. */
#define PCFG_BAR     4
#define PCFG_OFFSET  8
#define PCFG_LENGTH  12
#define PCFG_DATA    16

typedef struct EdgeCtx {
    VMemCtx c;
    char *log;
} EdgeCtx;

static EdgeCtx *edge_new(void)
{
    EdgeCtx *e = g_new0(EdgeCtx, 1);
    int fd = g_file_open_tmp("virtio-pci-test-XXXXXX.log", &e->log, NULL);

    g_assert_cmpint(fd, >=, 0);
    close(fd);
    e->c.qts = qtest_initf(VMEM_MACHINE " -d guest_errors -D %s "
                           "-object memory-backend-ram,id=mem0,size=1G,"
                           "reserve=off "
                           "-device virtio-mem-pci,id=vm0,memdev=mem0",
                           e->log);
    e->c.alloc = pc_alloc_new();
    e->c.bus = qpci_new_pc(e->c.qts);
    e->c.vmem = qvirtio_mem_probe(e->c.bus, e->c.alloc, NULL);
    g_assert_nonnull(e->c.vmem);
    vmem_set_requested(&e->c, 64 * MiB);
    return e;
}

/* Quit the binary and return what it logged. */
static char *edge_free(EdgeCtx *e)
{
    char *text = NULL;

    qvirtio_mem_free(e->c.vmem);
    qpci_free_pc(e->c.bus);
    guest_allocator_free(e->c.alloc);
    qtest_quit(e->c.qts);
    g_assert_true(g_file_get_contents(e->log, &text, NULL, NULL));
    unlink(e->log);
    g_free(e->log);
    g_free(e);
    return text;
}

/* ---- queue_size --------------------------------------------------------- */

static uint16_t write_qsize(QVirtioPCIDevice *d, uint16_t v)
{
    qvirtio_pci_common_writew(d, VIRTIO_PCI_COMMON_Q_SIZE, v);
    return qvirtio_pci_common_readw(d, VIRTIO_PCI_COMMON_Q_SIZE);
}

static void test_queue_size(void)
{
    EdgeCtx *e = edge_new();
    QVirtioPCIDevice *d = e->c.vmem->pci;
    g_autofree char *log = NULL;

    qvirtio_pci_reset(d);
    qvirtio_pci_common_writew(d, VIRTIO_PCI_COMMON_Q_SELECT, 0);
    g_assert_cmpuint(qvirtio_pci_common_readw(d, VIRTIO_PCI_COMMON_Q_SIZE),
                     ==, 128);
    if (qtest_is_reference()) {
        g_test_message("reference: QEMU 7.2 takes any size up to 1024");
        g_assert_cmpuint(write_qsize(d, 256), ==, 256);
        g_assert_cmpuint(write_qsize(d, 100), ==, 100);
        g_assert_cmpuint(write_qsize(d, 2048), ==, 100);
    } else {
        /* Above the maximum, not a power of two, zero: size kept. */
        g_assert_cmpuint(write_qsize(d, 256), ==, 128);
        g_assert_cmpuint(write_qsize(d, 100), ==, 128);
        g_assert_cmpuint(write_qsize(d, 2048), ==, 128);
        g_assert_cmpuint(write_qsize(d, 0), ==, 128);
    }
    /* A smaller power of two is taken by both. */
    g_assert_cmpuint(write_qsize(d, 64), ==, 64);
    g_assert_cmpuint(write_qsize(d, 1), ==, 1);
    /* A reset brings the maximum back. */
    qvirtio_pci_reset(d);
    g_assert_cmpuint(qvirtio_pci_queue_max(d, 0), ==, 128);
    g_assert_true(qvirtio_mem_reinit(e->c.vmem));
    g_assert_cmpint(qvirtio_mem_state(e->c.vmem,
                                      qvirtio_mem_block_addr(e->c.vmem, 0),
                                      1, NULL), ==, VIRTIO_MEM_RESP_ACK);
    log = edge_free(e);
}

/* ---- PCI-cfg access window ---------------------------------------------- */

/*
 * Put @pattern into the data register without an access (length 0 is
 * refused), then program @bar/@off/@len and read the data register.
 */
static uint32_t pcicfg_probe(QVirtioPCIDevice *d, uint8_t bar, uint32_t off,
                             uint32_t len, uint32_t pattern)
{
    uint8_t cap = d->pci_cfg.cap;

    qpci_config_writel(d->pdev, cap + PCFG_LENGTH, 0);
    qpci_config_writel(d->pdev, cap + PCFG_DATA, pattern);
    qpci_config_writeb(d->pdev, cap + PCFG_BAR, bar);
    qpci_config_writel(d->pdev, cap + PCFG_OFFSET, off);
    qpci_config_writel(d->pdev, cap + PCFG_LENGTH, len);
    return qpci_config_readl(d->pdev, cap + PCFG_DATA);
}

static void test_pcicfg_bounds(void)
{
    EdgeCtx *e = edge_new();
    QVirtioPCIDevice *d = e->c.vmem->pci;
    uint32_t bs = (uint32_t)e->c.vmem->block_size;
    g_autofree char *log = NULL;

    g_assert_true(d->pci_cfg.present);
    /* In range: the device config window (block_size at 0x2000). */
    g_assert_cmphex(pcicfg_probe(d, 4, 0x2000, 4, 0xdeadbeef), ==, bs);
    /* The last dword of the BAR (notify, reads 0) is inside. */
    g_assert_cmphex(pcicfg_probe(d, 4, 0x3ffc, 4, 0xdeadbeef), ==, 0);
    /* Past the end: no access, the data register keeps its value. */
    g_assert_cmphex(pcicfg_probe(d, 4, 0x4000, 4, 0xdeadbeef), ==,
                    0xdeadbeef);
    /* offset + length wraps in 32 bits: still past the end. */
    g_assert_cmphex(pcicfg_probe(d, 4, 0xfffffffc, 4, 0xdeadbeef), ==,
                    0xdeadbeef);
    g_assert_cmphex(pcicfg_probe(d, 4, 0xfffffffe, 2, 0xdeadbeef), ==,
                    0xdeadbeef);
    g_assert_cmphex(pcicfg_probe(d, 4, 0xffffffff, 1, 0xdeadbeef), ==,
                    0xdeadbeef);
    /* The window still works afterwards. */
    g_assert_cmphex(pcicfg_probe(d, 4, 0x2000, 4, 0), ==, bs);
    g_assert_true(qtest_probe_child(e->c.qts));
    log = edge_free(e);
}

/* ---- re-entrant DMA onto the device's own registers --------------------- */

static void write_state_req(QTestState *qts, uint64_t at, uint64_t addr)
{
    uint8_t req[VIRTIO_MEM_REQ_SIZE] = { 0 };

    qvirtio_st16(req, VIRTIO_MEM_REQ_STATE);
    qvirtio_st64(req + 8, addr);
    qvirtio_st16(req + 16, 1);
    qtest_memwrite(qts, at, req, sizeof(req));
}

/*
 * @nr requests whose response buffer is BAR 4 + @reg_off (a register of
 * the device itself), one kick.
 */
static void test_reentrant(const void *data)
{
    uint32_t reg_off = GPOINTER_TO_UINT(data);
    unsigned nr = reg_off == 0x3000 ? 64 : 1;
    EdgeCtx *e = edge_new();
    QVirtioMem *vm = e->c.vmem;
    QVirtioPCIDevice *d = vm->pci;
    uint64_t reg = d->bars[4].addr + reg_off;
    uint64_t scratch = guest_alloc(e->c.alloc, 4096);
    g_autofree char *log = NULL;
    uint8_t status;

    g_assert_true(d->bar_mapped[4]);
    write_state_req(e->c.qts, scratch, qvirtio_mem_block_addr(vm, 0));
    for (unsigned i = 0; i < nr; i++) {
        QVirtQueueBuf bufs[2] = {
            { scratch, VIRTIO_MEM_REQ_SIZE, false },
            { reg, VIRTIO_MEM_RESP_SIZE, true },
        };

        g_assert_cmpint(qvirtqueue_add_chain(vm->vq, bufs, 2), >=, 0);
    }
    qvirtio_pci_kick(d, vm->vq);
    qvirtio_pci_wait(d, SHORT_NS);

    /* Not reset under the request: DRIVER_OK is still there. */
    status = qvirtio_pci_get_status(d);
    g_assert_cmphex(status & VIRTIO_CONFIG_S_DRIVER_OK, ==,
                    VIRTIO_CONFIG_S_DRIVER_OK);
    if (qtest_is_reference()) {
        g_test_message("reference: requests complete without response");
        g_assert_cmphex(status & VIRTIO_CONFIG_S_NEEDS_RESET, ==, 0);
    } else {
        g_assert_cmphex(status & VIRTIO_CONFIG_S_NEEDS_RESET, ==,
                        VIRTIO_CONFIG_S_NEEDS_RESET);
    }
    g_assert_true(qtest_probe_child(e->c.qts));

    /* A reset recovers the device. */
    g_assert_true(qvirtio_mem_reinit(vm));
    g_assert_cmpint(qvirtio_mem_plug(vm, qvirtio_mem_block_addr(vm, 0), 1),
                    ==, VIRTIO_MEM_RESP_ACK);
    g_assert_cmpint(qvirtio_mem_state(vm, qvirtio_mem_block_addr(vm, 0), 1,
                                      NULL), ==, VIRTIO_MEM_RESP_ACK);

    log = edge_free(e);
    if (qtest_is_reference()) {
        /* Debian's 7.2 warns on stderr whatever -d says. */
        g_test_message("reference: the warning went to stderr");
        return;
    }
    g_assert_nonnull(strstr(log, "Blocked re-entrant IO on MemoryRegion: "
                                 "virtio-pci-"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/virtio-pci/queue-size/read-back", test_queue_size);
    g_test_add_func("/virtio-pci/pci-cfg/bounds", test_pcicfg_bounds);
    g_test_add_data_func("/virtio-pci/reentrant/status",
                         GUINT_TO_POINTER(0x0014), test_reentrant);
    g_test_add_data_func("/virtio-pci/reentrant/notify",
                         GUINT_TO_POINTER(0x3000), test_reentrant);
    return g_test_run();
}
