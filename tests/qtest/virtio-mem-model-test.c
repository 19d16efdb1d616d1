/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-mem model-based qtest: random PLUG, UNPLUG, UNPLUG_ALL, STATE,
 * resize (qom-set requested-size), device and system reset sequences,
 * each answer and the config checked against a plain model: a bool per block,
 * requested_size and usable_region_size, with the interface's order of
 * checks (range -> ERROR, over-request -> NACK, block state -> ERROR).
 *
 * Memory is checked too: every block gets a tag written when it is
 * plugged; tags of plugged blocks must survive every later operation, and
 * a freshly plugged block must read zero (unplug discards).
 *
 * Seed: VMEM_MODEL_SEED (default fixed, always printed); length:
 * VMEM_MODEL_STEPS.  Tuned for a few hundred steps on a 512-block region
 * so that both binaries run it in a few seconds.
 *
 * TODO(own binary): the RamDiscardListener check (populate/discard
 * notifications equal to the model) needs a listener inside the binary;
 * Debian's QEMU exposes none over qtest.  Add it once our binary offers a
 * test hook for it.
 */
#include "qemu/osdep.h"
#include "virtio-mem-common.h"

#define BS            (2 * MiB)
#define NB_BLOCKS     512                  /* 1 GiB backend */
#define EXTENT        (256 * MiB / BS)     /* usable beyond requested */
#define DEFAULT_SEED  0x5eed2026u
#define DEFAULT_STEPS 400
#define FULL_CHECK    40

typedef struct Model {
    bool plugged[NB_BLOCKS];
    uint64_t tag[NB_BLOCKS];    /* value written at a plugged block */
    uint64_t requested;         /* in blocks */
    uint64_t usable;            /* in blocks */
} Model;

typedef struct Run {
    VMemCtx *c;
    GRand *rand;
    Model m;
    uint64_t step;
    unsigned count[4][4];       /* [request type][response] */
    unsigned system_resets;
} Run;

static uint64_t usable_for(uint64_t requested)
{
    return requested ? MIN(NB_BLOCKS, requested + EXTENT) : 0;
}

static uint64_t model_plugged(const Model *m)
{
    uint64_t n = 0;

    for (int i = 0; i < NB_BLOCKS; i++) {
        n += m->plugged[i];
    }
    return n;
}

/* Expected answer of PLUG/UNPLUG/STATE on the model; *state for STATE. */
static int model_answer(const Model *m, uint16_t type, uint64_t rel_addr,
                        bool in_region, uint16_t nb, uint16_t *state)
{
    uint64_t first = rel_addr / BS, n_plugged = 0;

    if (!in_region || rel_addr % BS || nb == 0 ||
        first + nb > m->usable) {
        return VIRTIO_MEM_RESP_ERROR;
    }
    for (uint64_t i = first; i < first + nb; i++) {
        n_plugged += m->plugged[i];
    }
    switch (type) {
    case VIRTIO_MEM_REQ_PLUG:
        if (model_plugged(m) + nb > m->requested) {
            return VIRTIO_MEM_RESP_NACK;
        }
        return n_plugged ? VIRTIO_MEM_RESP_ERROR : VIRTIO_MEM_RESP_ACK;
    case VIRTIO_MEM_REQ_UNPLUG:
        return n_plugged == nb ? VIRTIO_MEM_RESP_ACK : VIRTIO_MEM_RESP_ERROR;
    default:
        *state = n_plugged == nb ? VIRTIO_MEM_STATE_PLUGGED :
                 n_plugged == 0 ? VIRTIO_MEM_STATE_UNPLUGGED :
                 VIRTIO_MEM_STATE_MIXED;
        return VIRTIO_MEM_RESP_ACK;
    }
}

static void check_config(Run *r)
{
    QVirtioMemConfig cfg;

    qvirtio_mem_read_config(r->c->vmem, &cfg);
    g_assert_cmphex(cfg.plugged_size, ==, model_plugged(&r->m) * BS);
    g_assert_cmphex(cfg.requested_size, ==, r->m.requested * BS);
    g_assert_cmphex(cfg.usable_region_size, ==, r->m.usable * BS);
}

/* STATE over every run of equal blocks, and every plugged block's tag. */
static void check_full(Run *r)
{
    QVirtioMem *vm = r->c->vmem;
    uint64_t i = 0;

    while (i < r->m.usable) {
        uint64_t j = i;
        uint16_t st = 0xffff;

        while (j < r->m.usable && j - i < 0xffff &&
               r->m.plugged[j] == r->m.plugged[i]) {
            j++;
        }
        g_assert_cmpint(qvirtio_mem_state(vm, qvirtio_mem_block_addr(vm, i),
                                          j - i, &st), ==,
                        VIRTIO_MEM_RESP_ACK);
        g_assert_cmpuint(st, ==, r->m.plugged[i] ? VIRTIO_MEM_STATE_PLUGGED
                                                 : VIRTIO_MEM_STATE_UNPLUGGED);
        i = j;
    }
    for (i = 0; i < NB_BLOCKS; i++) {
        if (r->m.plugged[i]) {
            g_assert_cmphex(qtest_readq(r->c->qts,
                                        qvirtio_mem_block_addr(vm, i)),
                            ==, r->m.tag[i]);
        }
    }
}

static void apply_plug(Run *r, uint64_t first, uint16_t nb)
{
    QVirtioMem *vm = r->c->vmem;

    for (uint64_t i = first; i < first + nb; i++) {
        uint64_t addr = qvirtio_mem_block_addr(vm, i);

        /* Unplugged memory was discarded: a new block reads zero. */
        g_assert_cmphex(qtest_readq(r->c->qts, addr), ==, 0);
        r->m.plugged[i] = true;
        r->m.tag[i] = (r->step << 16) | i | 1;
        qtest_writeq(r->c->qts, addr, r->m.tag[i]);
    }
}

/*
 * Half of the requests aim at a run of blocks in the state the request
 * needs (so that UNPLUG and PLUG succeed often enough); the other half
 * are random around the usable region.  Returns false if none exists.
 */
static bool pick_run(Run *r, bool plugged, int64_t *block, uint16_t *nb)
{
    uint64_t start = g_rand_int_range(r->rand, 0, NB_BLOCKS);

    for (uint64_t k = 0; k < r->m.usable; k++) {
        uint64_t i = (start + k) % r->m.usable, n = 1, max;

        if (r->m.plugged[i] != plugged) {
            continue;
        }
        while (i + n < r->m.usable && r->m.plugged[i + n] == plugged) {
            n++;
        }
        max = MIN(n, 70);
        *block = i;
        *nb = g_rand_int_range(r->rand, 1, max + 1);
        return true;
    }
    return false;
}

static void op_request(Run *r, uint16_t type)
{
    QVirtioMem *vm = r->c->vmem;
    int64_t block;
    uint64_t offset = 0, addr, rel;
    uint16_t nb, st = 0xffff, want_st = 0xffff;
    bool in_region;
    int want, got;

    /* Mostly inside the usable region, sometimes around its edges. */
    block = g_rand_int_range(r->rand, -2, (int32_t)MAX(r->m.usable, 8) + 4);
    if (g_rand_int_range(r->rand, 0, 20) == 0) {
        offset = g_rand_int_range(r->rand, 1, BS / 4096) * 4096;
    }
    switch (g_rand_int_range(r->rand, 0, 10)) {
    case 0:
        nb = 0;
        break;
    case 1:
        nb = g_rand_int_range(r->rand, 9, 80);
        break;
    default:
        nb = g_rand_int_range(r->rand, 1, 9);
    }
    if (type != VIRTIO_MEM_REQ_STATE && g_rand_boolean(r->rand)) {
        if (pick_run(r, type == VIRTIO_MEM_REQ_UNPLUG, &block, &nb)) {
            offset = 0;
        }
    }
    addr = vm->addr + block * (int64_t)BS + offset;
    in_region = block >= 0;
    rel = in_region ? addr - vm->addr : 0;

    want = model_answer(&r->m, type, rel, in_region, nb, &want_st);
    got = qvirtio_mem_request(vm, type, addr, nb, &st);
    g_assert_cmpint(got, ==, want);
    r->count[type][got]++;
    if (type == VIRTIO_MEM_REQ_STATE) {
        if (got == VIRTIO_MEM_RESP_ACK) {
            g_assert_cmpuint(st, ==, want_st);
        }
    } else if (got == VIRTIO_MEM_RESP_ACK && type == VIRTIO_MEM_REQ_PLUG) {
        apply_plug(r, rel / BS, nb);
    } else if (got == VIRTIO_MEM_RESP_ACK) {
        for (uint64_t i = rel / BS; i < rel / BS + nb; i++) {
            r->m.plugged[i] = false;
        }
    }
}

static void op_unplug_all(Run *r)
{
    g_assert_cmpint(qvirtio_mem_unplug_all(r->c->vmem), ==,
                    VIRTIO_MEM_RESP_ACK);
    r->count[VIRTIO_MEM_REQ_UNPLUG_ALL][VIRTIO_MEM_RESP_ACK]++;
    memset(r->m.plugged, 0, sizeof(r->m.plugged));
    r->m.usable = usable_for(r->m.requested);
}

static void op_resize(Run *r)
{
    /* Zero often enough that UNPLUG_ALL sometimes empties the region. */
    uint64_t blocks = g_rand_int_range(r->rand, 0, 8) == 0 ? 0 :
                      g_rand_int_range(r->rand, 0, NB_BLOCKS + 1);

    if (g_rand_int_range(r->rand, 0, 10) == 0) {
        /* Not a multiple of the block size: refused, nothing changes. */
        g_autofree char *err =
            vmem_qom_set_size(r->c, "requested-size", blocks * BS + MiB);

        g_assert_nonnull(err);
        return;
    }
    vmem_set_requested(r->c, blocks * BS);
    r->m.requested = blocks;
    r->m.usable = MAX(r->m.usable, usable_for(blocks));
}

static void op_device_reset(Run *r)
{
    /* A device reset keeps every block and its contents. */
    g_assert_true(qvirtio_mem_reinit(r->c->vmem));
}

static void op_system_reset(Run *r)
{
    VMemCtx *c = r->c;

    qtest_qmp_assert_success(c->qts, "{'execute': 'system_reset'}");
    /* The reset runs from the main loop and ends with a RESET event. */
    qtest_qmp_eventwait(c->qts, "RESET");
    r->system_resets++;
    memset(r->m.plugged, 0, sizeof(r->m.plugged));
    r->m.usable = usable_for(r->m.requested);
    /* PCI config was reset too: probe from scratch. */
    qvirtio_mem_free(c->vmem);
    c->vmem = qvirtio_mem_probe(c->bus, c->alloc, NULL);
    g_assert_nonnull(c->vmem);
}

static uint64_t env_u64(const char *name, uint64_t def)
{
    const char *v = g_getenv(name);

    return v && *v ? g_ascii_strtoull(v, NULL, 0) : def;
}

static void test_model_random(void)
{
    uint32_t seed = env_u64("VMEM_MODEL_SEED", DEFAULT_SEED);
    uint64_t steps = env_u64("VMEM_MODEL_STEPS", DEFAULT_STEPS);
    Run r = { 0 };

    g_test_message("VMEM_MODEL_SEED=0x%x VMEM_MODEL_STEPS=%" PRIu64,
                   seed, steps);
    r.rand = g_rand_new_with_seed(seed);
    r.c = vmem_ctx_ram("1G", "requested-size=128M");
    r.m.requested = 128 * MiB / BS;
    r.m.usable = usable_for(r.m.requested);
    g_assert_cmpuint(r.c->vmem->nb_blocks, ==, NB_BLOCKS);
    check_config(&r);

    for (r.step = 1; r.step <= steps; r.step++) {
        int dice = g_rand_int_range(r.rand, 0, 100);

        if (dice < 35) {
            op_request(&r, VIRTIO_MEM_REQ_PLUG);
        } else if (dice < 60) {
            op_request(&r, VIRTIO_MEM_REQ_UNPLUG);
        } else if (dice < 80) {
            op_request(&r, VIRTIO_MEM_REQ_STATE);
        } else if (dice < 83) {
            op_unplug_all(&r);
        } else if (dice < 97) {
            op_resize(&r);
        } else if (dice < 99) {
            op_device_reset(&r);
        } else {
            op_system_reset(&r);
        }
        check_config(&r);
        if (r.step % FULL_CHECK == 0) {
            check_full(&r);
        }
    }
    check_full(&r);
    g_test_message("plug ack/nack/error %u/%u/%u, unplug ack/error %u/%u, "
                   "state ack/error %u/%u, unplug-all %u, system resets %u",
                   r.count[0][0], r.count[0][1], r.count[0][3],
                   r.count[1][0], r.count[1][3], r.count[3][0],
                   r.count[3][3], r.count[2][0], r.system_resets);
    /* The mix must have exercised every answer. */
    g_assert_cmpuint(r.count[0][0], >, 0);
    g_assert_cmpuint(r.count[0][1], >, 0);
    g_assert_cmpuint(r.count[0][3], >, 0);
    g_assert_cmpuint(r.count[1][0], >, 0);
    g_assert_cmpuint(r.count[1][3], >, 0);
    vmem_ctx_free(r.c);
    g_rand_free(r.rand);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/virtio-mem/model/random-requests", test_model_random);
    return g_test_run();
}
