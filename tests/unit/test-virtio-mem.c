/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Model-based tests of virtio-mem's block state machine
 * (VirtIOMEMBlocks in hw/virtio/virtio-mem.h) over a real RAM region.
 *
 * Random PLUG / UNPLUG / UNPLUG_ALL / STATE / resize sequences run against
 * the device and against a plain bool[] model that encodes the rules of
 * docs/system/virtio-mem.md; after every step the responses, sizes, the
 * usable window, what a discard listener was told and the contents of
 * guest memory (plugged blocks keep their data, discarded blocks read
 * zero) must agree with the model.
 */
#include "qemu/osdep.h"
#include <sys/mman.h>
#include "exec/memory.h"
#include "exec/ram-discard-manager.h"
#include "hw/virtio/virtio-mem.h"

#define BS          (1ull << 20)
#define NBLOCKS     1024                    /* 1 GiB region */
#define REGION      (BS * NBLOCKS)
#define BASE        0x100000000ull          /* guest address of block 0 */

typedef struct Listener {
    RamDiscardListener rdl;
    bool populated[NBLOCKS];
    /* If set: discard notifications must come while data is still there. */
    const uint8_t *host;
    uint8_t expect;
    unsigned checked;
    int refuse_countdown;       /* refuse the Nth populate; 0: never */
    unsigned refused;
} Listener;

typedef struct Model {
    bool plugged[NBLOCKS];
    uint8_t tag[NBLOCKS];       /* byte written at the start of a block */
    uint64_t requested, usable, plugged_size;
} Model;

typedef struct Fixture {
    MemoryRegion root, ram, container, window;
    AddressSpace as;
    VirtIOMEMBlocks b;
    Listener l;
    Model m;
} Fixture;

static int l_populate(RamDiscardListener *rdl, MemoryRegionSection *s)
{
    Listener *l = container_of(rdl, Listener, rdl);

    if (l->refuse_countdown && --l->refuse_countdown == 0) {
        l->refused++;
        return -ENOSPC;
    }
    g_assert_cmpuint(s->offset_within_region % BS, ==, 0);
    g_assert_cmpuint(s->size % BS, ==, 0);
    for (uint64_t i = s->offset_within_region / BS;
         i < (s->offset_within_region + s->size) / BS; i++) {
        g_assert_false(l->populated[i]);
        l->populated[i] = true;
    }
    return 0;
}

static void l_discard(RamDiscardListener *rdl, MemoryRegionSection *s)
{
    Listener *l = container_of(rdl, Listener, rdl);

    for (uint64_t i = s->offset_within_region / BS;
         i < (s->offset_within_region + s->size) / BS; i++) {
        g_assert_true(l->populated[i]);
        l->populated[i] = false;
        if (l->host) {
            /* A pinning consumer lets go before the memory is discarded. */
            g_assert_cmphex(l->host[i * BS], ==, l->expect);
            l->checked++;
        }
    }
}

static bool fixture_init(Fixture *f)
{
    GError *err = NULL;
    MemoryRegionSection s;

    memset(f, 0, sizeof(*f));
    if (!memory_region_init_ram_flags_nomigrate(&f->ram, NULL, "vmem.ram",
                                                REGION, RAM_NORESERVE,
                                                &err)) {
        g_test_skip(err->message);
        g_error_free(err);
        return false;
    }
    /*
     * Small pages: the random test touches one byte per block, and a fresh
     * THP per touch would cost 2 MiB of zeroing each.
     */
    madvise(memory_region_get_ram_ptr(&f->ram), REGION, MADV_NOHUGEPAGE);
    memory_region_init(&f->root, NULL, "root", UINT64_MAX);
    memory_region_init(&f->container, NULL, "vmem", REGION);
    memory_region_init_alias(&f->window, NULL, "vmem.window", &f->ram, 0, 0);
    memory_region_set_enabled(&f->window, false);
    memory_region_add_subregion(&f->container, 0, &f->window);
    g_assert_true(virtio_mem_blocks_init(&f->b, &f->ram, &f->window, BASE,
                                         REGION, BS, &err));
    g_assert_null(err);
    memory_region_add_subregion(&f->root, BASE, &f->container);
    address_space_init(&f->as, &f->root, "test");

    ram_discard_listener_init(&f->l.rdl, l_populate, l_discard, false);
    s = (MemoryRegionSection) { .mr = &f->ram, .size = REGION };
    ram_discard_manager_register_listener(&f->b.rdb.rdm, &f->l.rdl, &s);
    return true;
}

static void fixture_destroy(Fixture *f)
{
    ram_discard_manager_unregister_listener(&f->b.rdb.rdm, &f->l.rdl);
    address_space_destroy(&f->as);
    memory_region_del_subregion(&f->root, &f->container);
    virtio_mem_blocks_destroy(&f->b);
    memory_region_del_subregion(&f->container, &f->window);
    memory_region_finalize(&f->window);
    memory_region_finalize(&f->container);
    memory_region_finalize(&f->ram);
    memory_region_finalize(&f->root);
}

/* ---- The model: the rules, written plainly ------------------------------ */

static uint64_t model_usable(uint64_t requested)
{
    uint64_t u;

    if (!requested) {
        return 0;
    }
    u = MIN(REGION, requested + VIRTIO_MEM_USABLE_EXTENT);
    return (u + BS - 1) / BS * BS;
}

/* First block index of a valid range, or -1 (ERROR). */
static int64_t model_range(Model *m, uint64_t gpa, unsigned nb)
{
    if (gpa % BS || nb == 0 || gpa < BASE) {
        return -1;
    }
    if ((gpa - BASE) / BS + nb > m->usable / BS) {
        return -1;
    }
    return (gpa - BASE) / BS;
}

static uint16_t model_plug(Model *m, uint64_t gpa, unsigned nb, bool busy)
{
    int64_t first = model_range(m, gpa, nb);

    if (first < 0) {
        return VIRTIO_MEM_RESP_ERROR;
    }
    if (m->plugged_size + nb * BS > m->requested) {
        return VIRTIO_MEM_RESP_NACK;
    }
    for (unsigned i = 0; i < nb; i++) {
        if (m->plugged[first + i]) {
            return VIRTIO_MEM_RESP_ERROR;
        }
    }
    if (busy) {
        return VIRTIO_MEM_RESP_BUSY;
    }
    for (unsigned i = 0; i < nb; i++) {
        m->plugged[first + i] = true;
        m->tag[first + i] = 0;
    }
    m->plugged_size += nb * BS;
    return VIRTIO_MEM_RESP_ACK;
}

static uint16_t model_unplug(Model *m, uint64_t gpa, unsigned nb)
{
    int64_t first = model_range(m, gpa, nb);

    if (first < 0) {
        return VIRTIO_MEM_RESP_ERROR;
    }
    for (unsigned i = 0; i < nb; i++) {
        if (!m->plugged[first + i]) {
            return VIRTIO_MEM_RESP_ERROR;
        }
    }
    for (unsigned i = 0; i < nb; i++) {
        m->plugged[first + i] = false;
        m->tag[first + i] = 0;
    }
    m->plugged_size -= nb * BS;
    return VIRTIO_MEM_RESP_ACK;
}

static uint16_t model_state(Model *m, uint64_t gpa, unsigned nb,
                            uint16_t *state)
{
    int64_t first = model_range(m, gpa, nb);
    unsigned n = 0;

    if (first < 0) {
        return VIRTIO_MEM_RESP_ERROR;
    }
    for (unsigned i = 0; i < nb; i++) {
        n += m->plugged[first + i];
    }
    *state = n == nb ? VIRTIO_MEM_STATE_PLUGGED :
             n == 0 ? VIRTIO_MEM_STATE_UNPLUGGED : VIRTIO_MEM_STATE_MIXED;
    return VIRTIO_MEM_RESP_ACK;
}

static void model_unplug_all(Model *m)
{
    memset(m->plugged, 0, sizeof(m->plugged));
    memset(m->tag, 0, sizeof(m->tag));
    m->plugged_size = 0;
    m->usable = model_usable(m->requested);
}

static void model_set_requested(Model *m, uint64_t requested)
{
    m->requested = requested;
    m->usable = MAX(m->usable, model_usable(requested));
}

/* ---- Comparing device and model ----------------------------------------- */

static uint8_t *host_block(Fixture *f, uint64_t i)
{
    return (uint8_t *)memory_region_get_ram_ptr(&f->ram) + i * BS;
}

static void check(Fixture *f)
{
    uint8_t byte;
    MemTxResult res;

    g_assert_cmphex(f->b.plugged_size, ==, f->m.plugged_size);
    g_assert_cmphex(f->b.usable_region_size, ==, f->m.usable);
    g_assert_cmphex(f->b.requested_size, ==, f->m.requested);
    g_assert_cmphex(memory_region_size(&f->window), ==, f->m.usable);
    for (uint64_t i = 0; i < NBLOCKS; i++) {
        g_assert_cmpuint(f->l.populated[i], ==, f->m.plugged[i]);
        g_assert_cmpuint(virtio_mem_blocks_is_plugged(&f->b, i * BS), ==,
                         f->m.plugged[i]);
    }
    /* Guest view: plugged blocks keep their tag; unplugged read zero. */
    for (uint64_t i = 0; i < f->m.usable / BS; i++) {
        res = address_space_read(&f->as, BASE + i * BS,
                                 MEMTXATTRS_UNSPECIFIED, &byte, 1);
        g_assert_cmpint(res, ==, MEMTX_OK);
        g_assert_cmphex(byte, ==, f->m.plugged[i] ? f->m.tag[i] : 0);
    }
    /* Beyond the usable region there is nothing. */
    if (f->m.usable < REGION) {
        res = address_space_read(&f->as, BASE + f->m.usable,
                                 MEMTXATTRS_UNSPECIFIED, &byte, 1);
        g_assert_cmpint(res, !=, MEMTX_OK);
    }
}

/* Write a fresh tag into every plugged block (the guest using memory). */
static void touch_plugged(Fixture *f, GRand *rand)
{
    for (uint64_t i = 0; i < NBLOCKS; i++) {
        if (f->m.plugged[i] && g_rand_boolean(rand)) {
            uint8_t tag = g_rand_int_range(rand, 1, 256);

            address_space_write(&f->as, BASE + i * BS,
                                MEMTXATTRS_UNSPECIFIED, &tag, 1);
            f->m.tag[i] = tag;
        }
    }
}

static void random_range(GRand *rand, Model *m, uint64_t *gpa, unsigned *nb)
{
    uint64_t span = MAX(m->usable / BS, 1) + 4;

    *nb = g_rand_int_range(rand, 0, 9) == 0 ? 0 :
          g_rand_int_range(rand, 1, 65);
    *gpa = BASE + (uint64_t)g_rand_int_range(rand, 0, span) * BS;
    switch (g_rand_int_range(rand, 0, 16)) {
    case 0:
        *gpa += 4096;                   /* misaligned */
        break;
    case 1:
        *gpa = BASE - BS;               /* before the region */
        break;
    default:
        break;
    }
}

static void test_random(void)
{
    Fixture f;
    GRand *rand = g_rand_new_with_seed(0x717e);
    unsigned acks = 0, errors = 0, nacks = 0, busies = 0;

    if (!fixture_init(&f)) {
        g_rand_free(rand);
        return;
    }
    check(&f);
    for (int step = 0; step < 3000; step++) {
        uint64_t gpa;
        unsigned nb;
        uint16_t got, want, st_got = 0xffff, st_want = 0xfffe;
        int op = g_rand_int_range(rand, 0, 100);

        random_range(rand, &f.m, &gpa, &nb);
        if (op < 40) {
            bool busy = g_rand_int_range(rand, 0, 10) == 0;

            f.l.refuse_countdown = busy ? 1 : 0;
            got = virtio_mem_blocks_plug(&f.b, gpa, nb);
            want = model_plug(&f.m, gpa, nb, busy);
            if (!busy || want != VIRTIO_MEM_RESP_BUSY) {
                f.l.refuse_countdown = 0;
            }
        } else if (op < 70) {
            got = virtio_mem_blocks_unplug(&f.b, gpa, nb);
            want = model_unplug(&f.m, gpa, nb);
        } else if (op < 85) {
            got = virtio_mem_blocks_state(&f.b, gpa, nb, &st_got);
            want = model_state(&f.m, gpa, nb, &st_want);
            if (want == VIRTIO_MEM_RESP_ACK) {
                g_assert_cmpuint(st_got, ==, st_want);
            }
        } else if (op < 88) {
            got = virtio_mem_blocks_unplug_all(&f.b);
            model_unplug_all(&f.m);
            want = VIRTIO_MEM_RESP_ACK;
        } else {
            uint64_t req = (uint64_t)g_rand_int_range(rand, 0,
                                                      NBLOCKS / 2) * BS;

            virtio_mem_blocks_set_requested(&f.b, req);
            model_set_requested(&f.m, req);
            got = want = VIRTIO_MEM_RESP_ACK;
        }
        g_assert_cmpuint(got, ==, want);
        acks += got == VIRTIO_MEM_RESP_ACK;
        errors += got == VIRTIO_MEM_RESP_ERROR;
        nacks += got == VIRTIO_MEM_RESP_NACK;
        busies += got == VIRTIO_MEM_RESP_BUSY;
        touch_plugged(&f, rand);
        if (step % 25 == 0) {
            check(&f);
        }
    }
    check(&f);
    g_test_message("ack %u error %u nack %u busy %u", acks, errors, nacks,
                   busies);
    g_assert_cmpuint(acks, >, 300);
    g_assert_cmpuint(errors, >, 100);
    g_assert_cmpuint(nacks, >, 20);
    g_assert_cmpuint(busies, >, 10);
    fixture_destroy(&f);
    g_rand_free(rand);
}

/* The order of checks: range, then NACK, then state. */
static void test_check_order(void)
{
    Fixture f;
    uint16_t st;
    unsigned char vec;

    if (!fixture_init(&f)) {
        return;
    }
    /* Usable size 0: every request is ERROR. */
    g_assert_cmpuint(virtio_mem_blocks_plug(&f.b, BASE, 1), ==,
                     VIRTIO_MEM_RESP_ERROR);
    g_assert_cmpuint(virtio_mem_blocks_unplug(&f.b, BASE, 1), ==,
                     VIRTIO_MEM_RESP_ERROR);
    g_assert_cmpuint(virtio_mem_blocks_state(&f.b, BASE, 1, &st), ==,
                     VIRTIO_MEM_RESP_ERROR);
    virtio_mem_blocks_set_requested(&f.b, 4 * BS);
    g_assert_cmphex(f.b.usable_region_size, ==, 4 * BS + 256 * BS);
    g_assert_cmpuint(virtio_mem_blocks_plug(&f.b, BASE, 4), ==,
                     VIRTIO_MEM_RESP_ACK);
    /* Full: plugging a plugged block is NACK, not ERROR. */
    g_assert_cmpuint(virtio_mem_blocks_plug(&f.b, BASE, 1), ==,
                     VIRTIO_MEM_RESP_NACK);
    /* Out of range beats over-request. */
    g_assert_cmpuint(virtio_mem_blocks_plug(&f.b, BASE + 260 * BS, 1), ==,
                     VIRTIO_MEM_RESP_ERROR);
    /* Shrinking the request keeps plugged memory and the usable size. */
    virtio_mem_blocks_set_requested(&f.b, 0);
    g_assert_cmphex(f.b.usable_region_size, ==, 260 * BS);
    g_assert_cmphex(f.b.plugged_size, ==, 4 * BS);
    g_assert_cmpuint(virtio_mem_blocks_state(&f.b, BASE, 8, &st), ==,
                     VIRTIO_MEM_RESP_ACK);
    g_assert_cmpuint(st, ==, VIRTIO_MEM_STATE_MIXED);
    /* UNPLUG_ALL shrinks the usable region to fit requested_size (0). */
    g_assert_cmpuint(virtio_mem_blocks_unplug_all(&f.b), ==,
                     VIRTIO_MEM_RESP_ACK);
    g_assert_cmphex(f.b.usable_region_size, ==, 0);
    g_assert_cmphex(f.b.plugged_size, ==, 0);
    g_assert_false(memory_region_is_enabled(&f.window));
    /* The usable region never exceeds the region. */
    virtio_mem_blocks_set_requested(&f.b, REGION);
    g_assert_cmphex(f.b.usable_region_size, ==, REGION);
    /*
     * Nothing plugged, but a stray guest write to an unplugged block is
     * given back when UNPLUG_ALL shrinks the usable region.
     */
    virtio_mem_blocks_set_requested(&f.b, 0);
    host_block(&f, 200)[0] = 0x77;
    g_assert_cmpuint(virtio_mem_blocks_unplug_all(&f.b), ==,
                     VIRTIO_MEM_RESP_ACK);
    g_assert_cmpint(mincore(host_block(&f, 200), 4096, &vec), ==, 0);
    g_assert_cmpuint(vec & 1, ==, 0);
    fixture_destroy(&f);
}

/* A refused populate leaves nothing plugged and the listener consistent. */
static void test_listener_refuses(void)
{
    Fixture f;
    Listener second;
    MemoryRegionSection s = { .size = REGION };

    if (!fixture_init(&f)) {
        return;
    }
    memset(&second, 0, sizeof(second));
    ram_discard_listener_init(&second.rdl, l_populate, l_discard, false);
    s.mr = &f.ram;
    ram_discard_manager_register_listener(&f.b.rdb.rdm, &second.rdl, &s);
    virtio_mem_blocks_set_requested(&f.b, 64 * BS);
    second.refuse_countdown = 1;
    g_assert_cmpuint(virtio_mem_blocks_plug(&f.b, BASE, 8), ==,
                     VIRTIO_MEM_RESP_BUSY);
    g_assert_cmpuint(second.refused, ==, 1);
    g_assert_cmphex(f.b.plugged_size, ==, 0);
    for (int i = 0; i < 8; i++) {
        g_assert_false(f.l.populated[i]);    /* rolled back */
        g_assert_false(second.populated[i]);
    }
    g_assert_cmpuint(virtio_mem_blocks_plug(&f.b, BASE, 8), ==,
                     VIRTIO_MEM_RESP_ACK);
    g_assert_true(f.l.populated[7]);
    g_assert_true(second.populated[7]);
    ram_discard_manager_unregister_listener(&f.b.rdb.rdm, &second.rdl);
    fixture_destroy(&f);
}

/* Unplugged memory goes back to the host: observe residency. */
static void test_unplug_discards(void)
{
    Fixture f;
    enum { nb = 32 };
    unsigned char vec[nb * BS / 4096];
    size_t resident = 0;
    uint8_t *host;

    if (!fixture_init(&f)) {
        return;
    }
    host = host_block(&f, 0);
    virtio_mem_blocks_set_requested(&f.b, nb * BS);
    g_assert_cmpuint(virtio_mem_blocks_plug(&f.b, BASE, nb), ==,
                     VIRTIO_MEM_RESP_ACK);
    memset(host, 0x5a, nb * BS);
    g_assert_cmpint(mincore(host, nb * BS, vec), ==, 0);
    for (size_t i = 0; i < sizeof(vec); i++) {
        resident += vec[i] & 1;
    }
    g_assert_cmpuint(resident, ==, sizeof(vec));
    f.l.host = host;
    f.l.expect = 0x5a;
    g_assert_cmpuint(virtio_mem_blocks_unplug(&f.b, BASE, nb), ==,
                     VIRTIO_MEM_RESP_ACK);
    g_assert_cmpuint(f.l.checked, ==, nb);
    f.l.host = NULL;
    g_assert_cmpint(mincore(host, nb * BS, vec), ==, 0);
    resident = 0;
    for (size_t i = 0; i < sizeof(vec); i++) {
        resident += vec[i] & 1;
    }
    g_assert_cmpuint(resident, ==, 0);
    fixture_destroy(&f);
}

/* Prealloc: a plugged block is resident before the guest touches it. */
static void test_prealloc(void)
{
    Fixture f;
    unsigned char vec[BS / 4096];
    size_t resident = 0;

    if (!fixture_init(&f)) {
        return;
    }
    f.b.prealloc = true;
    virtio_mem_blocks_set_requested(&f.b, 4 * BS);
    g_assert_cmpuint(virtio_mem_blocks_plug(&f.b, BASE + BS, 1), ==,
                     VIRTIO_MEM_RESP_ACK);
    g_assert_cmpint(mincore(host_block(&f, 1), BS, vec), ==, 0);
    for (size_t i = 0; i < sizeof(vec); i++) {
        resident += vec[i] & 1;
    }
    g_assert_cmpuint(resident, ==, sizeof(vec));
    fixture_destroy(&f);
}

/*
 * Preallocation that fails (a shared file mapping whose file was cut
 * short: populating beyond EOF faults) answers BUSY with nothing plugged
 * and no listener told; a plug inside the file still works.
 */
static void test_prealloc_failure(void)
{
    char path[] = "/tmp/test-virtio-mem-XXXXXX";
    int fd = mkstemp(path);
    MemoryRegion fram;
    VirtIOMEMBlocks b;
    Listener l;
    MemoryRegionSection s = { .size = 64 * BS };
    GError *err = NULL;

    g_assert_cmpint(fd, >=, 0);
    unlink(path);
    g_assert_true(memory_region_init_ram_from_fd(&fram, NULL, "vmem.file",
                                                 64 * BS, RAM_SHARED, fd, 0,
                                                 &err));
    g_assert_no_error(err);
    g_assert_cmpint(ftruncate(fd, 8 * BS), ==, 0);
    g_assert_true(virtio_mem_blocks_init(&b, &fram, NULL, BASE, 64 * BS, BS,
                                         &err));
    memset(&l, 0, sizeof(l));
    ram_discard_listener_init(&l.rdl, l_populate, l_discard, false);
    s.mr = &fram;
    ram_discard_manager_register_listener(&b.rdb.rdm, &l.rdl, &s);
    b.prealloc = true;
    virtio_mem_blocks_set_requested(&b, 32 * BS);

    g_assert_cmpuint(virtio_mem_blocks_plug(&b, BASE + 16 * BS, 4), ==,
                     VIRTIO_MEM_RESP_BUSY);
    g_assert_cmphex(b.plugged_size, ==, 0);
    for (int i = 0; i < 64; i++) {
        g_assert_false(l.populated[i]);
        g_assert_false(virtio_mem_blocks_is_plugged(&b, i * BS));
    }
    g_assert_cmpuint(virtio_mem_blocks_plug(&b, BASE, 4), ==,
                     VIRTIO_MEM_RESP_ACK);
    g_assert_true(l.populated[3]);

    ram_discard_manager_unregister_listener(&b.rdb.rdm, &l.rdl);
    virtio_mem_blocks_destroy(&b);
    memory_region_finalize(&fram);
    close(fd);
}

/* The backend's usable-size hook, done directly on the region here. */
static bool resize_rram(void *opaque, uint64_t size, GError **errp)
{
    return memory_region_ram_resize(opaque, size, errp) == 0;
}

/*
 * A resizable backend block follows the usable region, so even the
 * reservation beyond it is given back (and is inaccessible to the host).
 */
static void test_resizable_backend(void)
{
    MemoryRegion rram;
    VirtIOMEMBlocks b;
    GError *err = NULL;
    RAMBlock *rb;

    if (!memory_region_init_resizeable_ram(&rram, NULL, "vmem.rram", REGION,
                                           REGION, NULL, &err)) {
        g_test_skip(err->message);
        g_error_free(err);
        return;
    }
    rb = memory_region_get_ram_block(&rram);
    g_assert_true(virtio_mem_blocks_init(&b, &rram, NULL, BASE, REGION, BS,
                                         &err));
    virtio_mem_blocks_set_backend_usable_fn(&b, resize_rram, &rram);
    virtio_mem_blocks_set_requested(&b, 64 * BS);
    g_assert_cmphex(b.usable_region_size, ==, 320 * BS);
    g_assert_cmphex(qemu_ram_get_used_length(rb), ==, 320 * BS);
    g_assert_cmphex(memory_region_size(&rram), ==, 320 * BS);
    g_assert_cmpuint(virtio_mem_blocks_plug(&b, BASE + 100 * BS, 64), ==,
                     VIRTIO_MEM_RESP_ACK);
    memset((uint8_t *)qemu_ram_get_host_addr(rb) + 100 * BS, 0x11, 64 * BS);
    virtio_mem_blocks_set_requested(&b, 512 * BS);
    g_assert_cmphex(qemu_ram_get_used_length(rb), ==, 768 * BS);
    /* Growing keeps plugged data. */
    g_assert_cmphex(((uint8_t *)qemu_ram_get_host_addr(rb))[164 * BS - 1],
                    ==, 0x11);
    virtio_mem_blocks_set_requested(&b, 0);
    g_assert_cmpuint(virtio_mem_blocks_unplug_all(&b), ==,
                     VIRTIO_MEM_RESP_ACK);
    /* Usable 0: the block keeps one block (RAM blocks are never empty). */
    g_assert_cmphex(b.usable_region_size, ==, 0);
    g_assert_cmphex(qemu_ram_get_used_length(rb), ==, BS);
    virtio_mem_blocks_destroy(&b);
    memory_region_finalize(&rram);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/virtio-mem/blocks/random-vs-model", test_random);
    g_test_add_func("/virtio-mem/blocks/order-of-checks", test_check_order);
    g_test_add_func("/virtio-mem/blocks/listener-refusal-rolls-back",
                    test_listener_refuses);
    g_test_add_func("/virtio-mem/blocks/unplug-tells-listeners-then-discards",
                    test_unplug_discards);
    g_test_add_func("/virtio-mem/blocks/prealloc-populates-on-plug",
                    test_prealloc);
    g_test_add_func("/virtio-mem/blocks/prealloc-failure-is-busy",
                    test_prealloc_failure);
    g_test_add_func("/virtio-mem/blocks/resizable-backend-follows-usable",
                    test_resizable_backend);
    return g_test_run();
}
