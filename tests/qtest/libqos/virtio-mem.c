/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libqos virtio-mem: the test-side guest driver of virtio-mem.
 *
 * Owns probe (features, queue, UNPLUG_ALL), the request round trip and the
 * converge loop that follows requested_size.  Tuned for tests: one request
 * in flight, a byte per block for the driver's own view (regions of up to
 * some 10^5 blocks), virtual-time backoff so that a refused request costs
 * no wall-clock time.
 */
#include "qemu/osdep.h"
#include "libqos/virtio-mem.h"

#define DEFAULT_TIMEOUT_NS     (1000 * 1000 * 1000LL)
#define DEFAULT_ROUNDS         16
#define DEFAULT_BACKOFF_MIN_NS (10 * 1000 * 1000LL)
#define DEFAULT_BACKOFF_MAX_NS (300 * 1000 * 1000 * 1000LL)
#define PROBE_UNPLUG_ALL_TRIES 64

static uint64_t vmem_wanted_features(const QVirtioMemOpts *o)
{
    uint64_t f = 1ull << VIRTIO_F_VERSION_1;

    f |= 1ull << VIRTIO_MEM_F_ACPI_PXM;
    f |= 1ull << VIRTIO_RING_F_INDIRECT_DESC;
    if (!o->refuse_unplugged_inaccessible) {
        f |= 1ull << VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE;
    }
    return f;
}

static bool vmem_start(QVirtioMem *vmem, uint64_t wanted, bool driver_ok)
{
    QVirtioPCIDevice *pci = vmem->pci;

    vmem->features_ok = qvirtio_pci_start(pci, wanted);
    if (!vmem->features_ok) {
        return false;
    }
    if (!vmem->vq) {
        vmem->vq = qvirtio_pci_setup_queue(pci, vmem->alloc, 0);
        g_assert_nonnull(vmem->vq);
    } else {
        qvirtio_pci_enable_queue(pci, vmem->vq);
    }
    /* The driver polls the used ring; no used-buffer interrupts. */
    qvirtqueue_set_no_interrupt(vmem->vq, true);
    if (driver_ok) {
        qvirtio_pci_driver_ok(pci);
    }
    return true;
}

static void vmem_read_fixed(QVirtioMem *vmem)
{
    QVirtioMemConfig cfg;

    qvirtio_mem_read_config(vmem, &cfg);
    vmem->block_size = cfg.block_size;
    vmem->addr = cfg.addr;
    vmem->region_size = cfg.region_size;
    g_assert_cmpuint(cfg.block_size, >, 0);
    vmem->nb_blocks = cfg.region_size / cfg.block_size;
    vmem->plugged = g_malloc0(vmem->nb_blocks ? vmem->nb_blocks : 1);
}

static void vmem_probe_unplug_all(QVirtioMem *vmem)
{
    int64_t backoff = DEFAULT_BACKOFF_MIN_NS;

    if (qvirtio_mem_plugged_size(vmem) == 0) {
        return;
    }
    for (int i = 0; i < PROBE_UNPLUG_ALL_TRIES; i++) {
        if (qvirtio_mem_unplug_all(vmem) == VIRTIO_MEM_RESP_ACK) {
            return;
        }
        qvirtio_pci_wait(vmem->pci, backoff);
        backoff = MIN(backoff * 2, DEFAULT_BACKOFF_MAX_NS);
    }
    g_test_message("virtio-mem: UNPLUG_ALL still refused after %d tries",
                   PROBE_UNPLUG_ALL_TRIES);
    g_assert_not_reached();
}

QVirtioMem *qvirtio_mem_probe(QPCIBus *bus, QGuestAllocator *alloc,
                              const QVirtioMemOpts *opts)
{
    QVirtioMemOpts o = opts ? *opts : (QVirtioMemOpts){ 0 };
    QVirtioPCIDevice *pci = qvirtio_pci_new(bus, o.devfn ? o.devfn : 0x08);
    QVirtioMem *vmem;

    if (!pci) {
        return NULL;
    }
    if (pci->device_id != VIRTIO_PCI_DEVICE_ID_MODERN(VIRTIO_ID_MEM)) {
        qvirtio_pci_free(pci);
        return NULL;
    }
    vmem = g_new0(QVirtioMem, 1);
    vmem->qts = pci->qts;
    vmem->alloc = alloc;
    vmem->pci = pci;
    vmem->timeout_ns = o.timeout_ns ? o.timeout_ns : DEFAULT_TIMEOUT_NS;
    vmem->req_buf = guest_alloc(alloc, 64);
    vmem->resp_buf = vmem->req_buf + 32;
    vmem_read_fixed(vmem);

    qvirtio_pci_reset(pci);
    vmem->offered = qvirtio_pci_get_features(pci);
    if (!vmem_start(vmem, vmem_wanted_features(&o), !o.skip_driver_ok)) {
        return vmem;
    }
    if (!o.skip_unplug_all) {
        vmem_probe_unplug_all(vmem);
    }
    return vmem;
}

void qvirtio_mem_free(QVirtioMem *vmem)
{
    if (!vmem) {
        return;
    }
    qvirtqueue_free(vmem->vq);
    guest_free(vmem->alloc, vmem->req_buf);
    qvirtio_pci_free(vmem->pci);
    g_free(vmem->plugged);
    g_free(vmem);
}

bool qvirtio_mem_reinit(QVirtioMem *vmem)
{
    return vmem_start(vmem, vmem->pci->features, true);
}

/* Config. */

void qvirtio_mem_read_config(QVirtioMem *vmem, QVirtioMemConfig *cfg)
{
    uint8_t raw[VIRTIO_MEM_CONFIG_SIZE];

    cfg->generation = qvirtio_pci_config_read(vmem->pci, 0, raw,
                                              sizeof(raw));
    cfg->block_size = qvirtio_ld64(raw + VIRTIO_MEM_CFG_BLOCK_SIZE);
    cfg->node_id = qvirtio_ld16(raw + VIRTIO_MEM_CFG_NODE_ID);
    cfg->addr = qvirtio_ld64(raw + VIRTIO_MEM_CFG_ADDR);
    cfg->region_size = qvirtio_ld64(raw + VIRTIO_MEM_CFG_REGION_SIZE);
    cfg->usable_region_size =
        qvirtio_ld64(raw + VIRTIO_MEM_CFG_USABLE_REGION_SIZE);
    cfg->plugged_size = qvirtio_ld64(raw + VIRTIO_MEM_CFG_PLUGGED_SIZE);
    cfg->requested_size = qvirtio_ld64(raw + VIRTIO_MEM_CFG_REQUESTED_SIZE);
}

static uint64_t vmem_config_u64(QVirtioMem *vmem, uint32_t off)
{
    uint8_t raw[8];

    qvirtio_pci_config_read(vmem->pci, off, raw, sizeof(raw));
    return qvirtio_ld64(raw);
}

uint64_t qvirtio_mem_requested_size(QVirtioMem *vmem)
{
    return vmem_config_u64(vmem, VIRTIO_MEM_CFG_REQUESTED_SIZE);
}

uint64_t qvirtio_mem_plugged_size(QVirtioMem *vmem)
{
    return vmem_config_u64(vmem, VIRTIO_MEM_CFG_PLUGGED_SIZE);
}

uint64_t qvirtio_mem_usable_region_size(QVirtioMem *vmem)
{
    return vmem_config_u64(vmem, VIRTIO_MEM_CFG_USABLE_REGION_SIZE);
}

uint64_t qvirtio_mem_block_addr(QVirtioMem *vmem, uint64_t i)
{
    return vmem->addr + i * vmem->block_size;
}

/* Requests. */

static void vmem_mark(QVirtioMem *vmem, uint64_t addr, uint16_t nb_blocks,
                      bool plugged)
{
    uint64_t first;

    if (addr < vmem->addr) {
        return;
    }
    first = (addr - vmem->addr) / vmem->block_size;
    for (uint64_t i = first; i < first + nb_blocks && i < vmem->nb_blocks;
         i++) {
        vmem->plugged[i] = plugged;
    }
}

int qvirtio_mem_request(QVirtioMem *vmem, uint16_t type, uint64_t addr,
                        uint16_t nb_blocks, uint16_t *state)
{
    uint8_t req[VIRTIO_MEM_REQ_SIZE] = { 0 };
    uint8_t resp[VIRTIO_MEM_RESP_SIZE];
    QVirtQueueBuf bufs[2] = {
        { vmem->req_buf, VIRTIO_MEM_REQ_SIZE, false },
        { vmem->resp_buf, VIRTIO_MEM_RESP_SIZE, true },
    };
    uint16_t rtype;

    g_assert_nonnull(vmem->vq);
    qvirtio_st16(req, type);
    qvirtio_st64(req + 8, addr);
    qvirtio_st16(req + 16, nb_blocks);
    qtest_memwrite(vmem->qts, vmem->req_buf, req, sizeof(req));
    /* A pattern no answer has, so a missing write is visible. */
    qtest_memset(vmem->qts, vmem->resp_buf, 0xa5, VIRTIO_MEM_RESP_SIZE);
    g_assert_cmpint(qvirtqueue_add_chain(vmem->vq, bufs, 2), >=, 0);
    qvirtio_pci_kick(vmem->pci, vmem->vq);
    vmem->requests++;
    if (!qvirtio_pci_wait_used(vmem->pci, vmem->vq, vmem->timeout_ns,
                               NULL, NULL)) {
        return QVIRTIO_MEM_RESP_NONE;
    }
    qtest_memread(vmem->qts, vmem->resp_buf, resp, sizeof(resp));
    rtype = qvirtio_ld16(resp);
    if (state) {
        *state = qvirtio_ld16(resp + 8);
    }
    if (rtype == VIRTIO_MEM_RESP_NACK || rtype == VIRTIO_MEM_RESP_BUSY) {
        vmem->refusals++;
    }
    if (rtype == VIRTIO_MEM_RESP_ACK) {
        if (type == VIRTIO_MEM_REQ_PLUG || type == VIRTIO_MEM_REQ_UNPLUG) {
            vmem_mark(vmem, addr, nb_blocks, type == VIRTIO_MEM_REQ_PLUG);
        } else if (type == VIRTIO_MEM_REQ_UNPLUG_ALL) {
            memset(vmem->plugged, 0, vmem->nb_blocks);
        }
    }
    return rtype;
}

int qvirtio_mem_plug(QVirtioMem *vmem, uint64_t addr, uint16_t nb_blocks)
{
    return qvirtio_mem_request(vmem, VIRTIO_MEM_REQ_PLUG, addr, nb_blocks,
                               NULL);
}

int qvirtio_mem_unplug(QVirtioMem *vmem, uint64_t addr, uint16_t nb_blocks)
{
    return qvirtio_mem_request(vmem, VIRTIO_MEM_REQ_UNPLUG, addr, nb_blocks,
                               NULL);
}

int qvirtio_mem_unplug_all(QVirtioMem *vmem)
{
    return qvirtio_mem_request(vmem, VIRTIO_MEM_REQ_UNPLUG_ALL, 0, 0, NULL);
}

int qvirtio_mem_state(QVirtioMem *vmem, uint64_t addr, uint16_t nb_blocks,
                      uint16_t *state)
{
    return qvirtio_mem_request(vmem, VIRTIO_MEM_REQ_STATE, addr, nb_blocks,
                               state);
}

/* Converge. */

typedef enum {
    ROUND_DONE,       /* nothing left to do this round */
    ROUND_REFUSED,    /* NACK or BUSY: back off */
    ROUND_FAILED,     /* ERROR or no answer: resync, back off */
} RoundEnd;

/* Re-learn the state of [first, first + n) block by block. */
static void vmem_resync(QVirtioMem *vmem, uint64_t first, uint64_t n)
{
    for (uint64_t i = first; i < first + n; i++) {
        uint16_t st;

        if (qvirtio_mem_state(vmem, qvirtio_mem_block_addr(vmem, i), 1,
                              &st) == VIRTIO_MEM_RESP_ACK) {
            vmem->plugged[i] = st == VIRTIO_MEM_STATE_PLUGGED;
        }
    }
}

static RoundEnd vmem_check_answer(QVirtioMem *vmem, int resp, uint64_t first,
                                  uint64_t n, QVirtioMemConvergeResult *r)
{
    switch (resp) {
    case VIRTIO_MEM_RESP_ACK:
        return ROUND_DONE;
    case VIRTIO_MEM_RESP_NACK:
    case VIRTIO_MEM_RESP_BUSY:
        r->refusals++;
        return ROUND_REFUSED;
    default:
        r->errors++;
        if (resp == VIRTIO_MEM_RESP_ERROR) {
            vmem_resync(vmem, first, n);
        }
        return ROUND_FAILED;
    }
}

static RoundEnd vmem_plug_round(QVirtioMem *vmem, const QVirtioMemConfig *cfg,
                                const QVirtioMemConverge *c,
                                QVirtioMemConvergeResult *r, bool *progress)
{
    uint64_t need = (cfg->requested_size - cfg->plugged_size) /
                    vmem->block_size;
    uint64_t usable = MIN(cfg->usable_region_size / vmem->block_size,
                          vmem->nb_blocks);
    uint64_t i = 0;

    while (need) {
        uint64_t n = 1, limit;
        RoundEnd end;
        int resp;

        while (i < usable && vmem->plugged[i]) {
            i++;
        }
        if (i == usable) {
            return ROUND_REFUSED;   /* no room: wait for the host */
        }
        limit = MIN(need, QVIRTIO_MEM_CHUNK_BLOCKS -
                          i % QVIRTIO_MEM_CHUNK_BLOCKS);
        limit = MIN(limit, usable - i);
        while (n < limit && !vmem->plugged[i + n]) {
            n++;
        }
        resp = qvirtio_mem_plug(vmem, qvirtio_mem_block_addr(vmem, i), n);
        r->plug_requests++;
        end = vmem_check_answer(vmem, resp, i, n, r);
        if (end != ROUND_DONE) {
            return end;
        }
        *progress = true;
        if (c->plug_hook) {
            c->plug_hook(vmem, qvirtio_mem_block_addr(vmem, i),
                         n * vmem->block_size, c->opaque);
        }
        need -= n;
        i += n;
    }
    return ROUND_DONE;
}

/* Highest 64-block group the driver fully plugged, or -1. */
static int64_t vmem_full_group(QVirtioMem *vmem)
{
    for (int64_t g = vmem->nb_blocks / QVIRTIO_MEM_CHUNK_BLOCKS - 1; g >= 0;
         g--) {
        uint64_t k = 0;

        while (k < QVIRTIO_MEM_CHUNK_BLOCKS &&
               vmem->plugged[g * QVIRTIO_MEM_CHUNK_BLOCKS + k]) {
            k++;
        }
        if (k == QVIRTIO_MEM_CHUNK_BLOCKS) {
            return g;
        }
    }
    return -1;
}

static int64_t vmem_last_plugged(QVirtioMem *vmem)
{
    for (int64_t i = vmem->nb_blocks - 1; i >= 0; i--) {
        if (vmem->plugged[i]) {
            return i;
        }
    }
    return -1;
}

static RoundEnd vmem_unplug_round(QVirtioMem *vmem,
                                  const QVirtioMemConfig *cfg,
                                  QVirtioMemConvergeResult *r,
                                  bool *progress)
{
    uint64_t excess = (cfg->plugged_size - cfg->requested_size) /
                      vmem->block_size;

    while (excess) {
        int64_t first = -1;
        uint64_t n = 1;
        RoundEnd end;
        int resp;

        if (excess >= QVIRTIO_MEM_CHUNK_BLOCKS) {
            int64_t g = vmem_full_group(vmem);

            if (g >= 0) {
                first = g * QVIRTIO_MEM_CHUNK_BLOCKS;
                n = QVIRTIO_MEM_CHUNK_BLOCKS;
            }
        }
        if (first < 0) {
            first = vmem_last_plugged(vmem);
            if (first < 0) {
                return ROUND_FAILED;  /* plugged by someone else */
            }
        }
        resp = qvirtio_mem_unplug(vmem, qvirtio_mem_block_addr(vmem, first),
                                  n);
        r->unplug_requests++;
        end = vmem_check_answer(vmem, resp, first, n, r);
        if (end != ROUND_DONE) {
            return end;
        }
        *progress = true;
        excess -= n;
    }
    return ROUND_DONE;
}

bool qvirtio_mem_converge(QVirtioMem *vmem, const QVirtioMemConverge *copt,
                          QVirtioMemConvergeResult *res)
{
    QVirtioMemConverge c = copt ? *copt : (QVirtioMemConverge){ 0 };
    QVirtioMemConvergeResult r = { 0 };
    int64_t backoff;

    c.max_rounds = c.max_rounds ? c.max_rounds : DEFAULT_ROUNDS;
    c.backoff_min_ns = c.backoff_min_ns ? c.backoff_min_ns
                                        : DEFAULT_BACKOFF_MIN_NS;
    c.backoff_max_ns = c.backoff_max_ns ? c.backoff_max_ns
                                        : DEFAULT_BACKOFF_MAX_NS;
    backoff = c.backoff_min_ns;

    for (r.rounds = 0; r.rounds < c.max_rounds; r.rounds++) {
        QVirtioMemConfig cfg;
        RoundEnd end;
        bool progress = false;

        qvirtio_mem_read_config(vmem, &cfg);
        if (cfg.plugged_size == cfg.requested_size) {
            r.converged = true;
            break;
        }
        if (cfg.plugged_size < cfg.requested_size) {
            end = vmem_plug_round(vmem, &cfg, &c, &r, &progress);
        } else {
            end = vmem_unplug_round(vmem, &cfg, &r, &progress);
        }
        if (end == ROUND_DONE) {
            backoff = c.backoff_min_ns;
            continue;
        }
        if (progress) {
            backoff = c.backoff_min_ns;
        }
        qvirtio_pci_wait(vmem->pci, backoff);
        r.backoff_ns += backoff;
        backoff = MIN(backoff * 2, c.backoff_max_ns);
    }
    if (!r.converged) {
        r.converged = qvirtio_mem_plugged_size(vmem) ==
                      qvirtio_mem_requested_size(vmem);
    }
    if (res) {
        *res = r;
    }
    return r.converged;
}
