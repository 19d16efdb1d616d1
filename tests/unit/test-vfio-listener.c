/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests of the vfio listener and container common code through
 * hw/vfio/vfio-container.h, with the real memory API and RAM blocks and
 * a recording backend that plays the kernel: it keeps its own table of
 * mappings and checks that every unmap undoes exactly one earlier map.
 *
 * The model test compares, page by page, what that "kernel" has mapped
 * with what should be: the RAM a brute-force FlatView lookup finds,
 * minus the blocks a RamDiscardBitmap says are discarded.  Seed:
 * VFIO_TEST_SEED (default fixed), VFIO_TEST_STEPS (default 1500).
 */
#include "qemu/osdep.h"
#include "exec/ram-discard-manager.h"
#include "hw/vfio/vfio-container.h"

#define NPAGES      256             /* the test address space */
#define GRAN_PAGES  4               /* managed region block size */
#define MGD_PAGES   64

static uint64_t ps;                 /* host page size */

/* --- The recording backend --- */

typedef struct RecMap {
    hwaddr iova;
    uint64_t size;
    void *vaddr;
    bool readonly;
} RecMap;

typedef struct RecContainer {
    VFIOContainer c;
    GHashTable *kernel;             /* iova -> RecMap, the kernel's view */
    int fail_countdown;             /* refuse the Nth map; 0: never */
    unsigned maps, unmaps;
} RecContainer;

static RecContainer *to_rec(VFIOContainer *c)
{
    return container_of(c, RecContainer, c);
}

static int rec_map(VFIOContainer *c, hwaddr iova, uint64_t size,
                   void *vaddr, bool readonly, GError **errp)
{
    RecContainer *rc = to_rec(c);
    GHashTableIter it;
    RecMap *m;

    if (rc->fail_countdown && --rc->fail_countdown == 0) {
        error_setg(errp, "rec: refusing 0x%" PRIx64, iova);
        return -ENOMEM;
    }
    g_assert_cmpuint(size, >, 0);
    g_assert_cmpuint(iova % ps, ==, 0);
    g_assert_cmpuint(size % ps, ==, 0);
    g_hash_table_iter_init(&it, rc->kernel);
    while (g_hash_table_iter_next(&it, NULL, (gpointer *)&m)) {
        /* No overlap with an existing mapping (type1 refuses that). */
        g_assert_true(iova + size <= m->iova || m->iova + m->size <= iova);
    }
    m = g_new(RecMap, 1);
    *m = (RecMap) { iova, size, vaddr, readonly };
    g_hash_table_insert(rc->kernel, &m->iova, m);
    rc->maps++;
    return 0;
}

static int rec_unmap(VFIOContainer *c, hwaddr iova, uint64_t size,
                     GError **errp)
{
    RecContainer *rc = to_rec(c);
    gint64 key = iova;
    RecMap *m = g_hash_table_lookup(rc->kernel, &key);

    g_assert_nonnull(m);
    g_assert_cmpuint(m->size, ==, size);
    g_hash_table_remove(rc->kernel, &key);
    rc->unmaps++;
    return 0;
}

static const VFIOContainerOps rec_ops = {
    .dma_map = rec_map,
    .dma_unmap = rec_unmap,
};

static RecContainer *rec_new(uint64_t max_mappings)
{
    RecContainer *rc = g_new0(RecContainer, 1);
    GError *err = NULL;

    rc->kernel = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL,
                                       g_free);
    g_assert_true(vfio_container_init(&rc->c, &rec_ops, "rec", ps,
                                      max_mappings, &err));
    g_assert_no_error(err);
    return rc;
}

static void rec_free(RecContainer *rc)
{
    vfio_container_destroy(&rc->c);
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 0);
    g_hash_table_destroy(rc->kernel);
    g_free(rc);
}

static RecMap *rec_find(RecContainer *rc, hwaddr iova)
{
    gint64 key = iova;

    return g_hash_table_lookup(rc->kernel, &key);
}

/* --- A small machine: system memory with RAM, I/O and a managed region */

typedef struct Env {
    MemoryRegion root;
    AddressSpace as;
    MemoryRegion ram_resz;          /* resizable, max 32 pages */
    MemoryRegion ram_a;             /* 8 pages */
    MemoryRegion ram_b;             /* 24 pages */
    MemoryRegion mgd;               /* 64 pages, managed */
    RamDiscardBitmap rdb;
    MemoryRegion io;                /* 8 pages */
    MemoryRegion alias[2];
    bool alias_live[2];
} Env;

static uint64_t io_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void io_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
}

static const MemoryRegionOps io_ops = {
    .read = io_read,
    .write = io_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

static void env_init(Env *e, uint64_t gran_pages)
{
    GError *err = NULL;

    memset(e, 0, sizeof(*e));
    memory_region_init(&e->root, NULL, "sys", NPAGES * ps);
    address_space_init(&e->as, &e->root, "test-as");
    g_assert_true(memory_region_init_resizeable_ram(&e->ram_resz, NULL,
                  "ram-resz", 16 * ps, 32 * ps, NULL, &err));
    g_assert_true(memory_region_init_ram(&e->ram_a, NULL, "ram-a", 8 * ps,
                                         &err));
    g_assert_true(memory_region_init_ram(&e->ram_b, NULL, "ram-b", 24 * ps,
                                         &err));
    g_assert_true(memory_region_init_ram(&e->mgd, NULL, "mem0",
                                         MGD_PAGES * ps, &err));
    g_assert_no_error(err);
    ram_discard_bitmap_init(&e->rdb, &e->mgd, gran_pages * ps);
    g_assert_cmpint(memory_region_set_ram_discard_manager(&e->mgd,
                                                          &e->rdb.rdm), ==, 0);
    memory_region_init_io(&e->io, NULL, &io_ops, NULL, "io", 8 * ps);
}

static void env_destroy(Env *e)
{
    MemoryRegion *rs[] = { &e->ram_resz, &e->ram_a, &e->ram_b, &e->mgd,
                           &e->io };

    for (int i = 0; i < 2; i++) {
        if (e->alias_live[i]) {
            if (e->alias[i].container) {
                memory_region_del_subregion(&e->root, &e->alias[i]);
            }
            memory_region_finalize(&e->alias[i]);
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(rs); i++) {
        if (rs[i]->container) {
            memory_region_del_subregion(&e->root, rs[i]);
        }
    }
    address_space_destroy(&e->as);
    memory_region_set_ram_discard_manager(&e->mgd, NULL);
    ram_discard_bitmap_destroy(&e->rdb);
    for (size_t i = 0; i < ARRAY_SIZE(rs); i++) {
        memory_region_finalize(rs[i]);
    }
    memory_region_finalize(&e->root);
}

/* --- The model check --- */

typedef struct PageState {
    uint8_t *host;                  /* NULL: not mapped */
    bool readonly;
} PageState;

/* What should be mapped at each page, by brute force over the FlatView. */
static void expected_pages(Env *e, PageState *want)
{
    FlatView *fv = address_space_get_flatview(&e->as);

    for (unsigned p = 0; p < NPAGES; p++) {
        hwaddr addr = p * ps;
        const FlatRange *fr = flatview_lookup(fv, addr);
        uint64_t off;

        want[p] = (PageState) { NULL, false };
        if (!fr || !memory_region_is_ram(fr->mr)) {
            continue;
        }
        off = fr->offset_in_region + (addr - fr->addr);
        if (memory_region_has_ram_discard_manager(fr->mr)) {
            MemoryRegionSection s = {
                .mr = fr->mr, .offset_within_region = off, .size = ps,
            };

            if (!ram_discard_manager_is_populated(
                    memory_region_get_ram_discard_manager(fr->mr), &s)) {
                continue;
            }
        }
        want[p].host = (uint8_t *)memory_region_get_ram_ptr(fr->mr) + off;
        want[p].readonly = fr->readonly || fr->mr->readonly;
    }
    flatview_unref(fv);
}

static void count_record(const VFIODMAMapping *m, void *opaque)
{
    RecContainer *rc = opaque;
    RecMap *k = rec_find(rc, m->iova);

    g_assert_nonnull(k);
    g_assert_cmpuint(k->size, ==, m->size);
}

/* How much the random walk exercised, to show it is not vacuous. */
static struct {
    uint64_t checks_with_managed;   /* checks with a populated block mapped */
    uint64_t checks_with_plain;
} coverage;

static void check_model(Env *e, RecContainer *rc)
{
    uint8_t *mgd = memory_region_get_ram_ptr(&e->mgd);
    bool managed = false, plain = false;
    PageState want[NPAGES], have[NPAGES];
    GHashTableIter it;
    RecMap *m;

    expected_pages(e, want);
    memset(have, 0, sizeof(have));
    g_hash_table_iter_init(&it, rc->kernel);
    while (g_hash_table_iter_next(&it, NULL, (gpointer *)&m)) {
        for (uint64_t off = 0; off < m->size; off += ps) {
            unsigned p = (m->iova + off) / ps;

            g_assert_cmpuint(p, <, NPAGES);
            g_assert_null(have[p].host);
            have[p].host = (uint8_t *)m->vaddr + off;
            have[p].readonly = m->readonly;
        }
    }
    for (unsigned p = 0; p < NPAGES; p++) {
        if (want[p].host != have[p].host) {
            g_test_message("page %u: want %p have %p", p, want[p].host,
                           have[p].host);
        }
        g_assert_true(want[p].host == have[p].host);
        if (want[p].host >= mgd && want[p].host < mgd + MGD_PAGES * ps) {
            managed = true;
        } else if (want[p].host) {
            plain = true;
        }
        if (want[p].host) {
            g_assert_cmpint(want[p].readonly, ==, have[p].readonly);
        }
    }
    /* The container's record is the kernel's view. */
    g_assert_cmpuint(vfio_container_nr_mappings(&rc->c), ==,
                     g_hash_table_size(rc->kernel));
    vfio_container_foreach_mapping(&rc->c, count_record, rc);
    coverage.checks_with_managed += managed;
    coverage.checks_with_plain += plain;
}

/* --- Random operations --- */

static MemoryRegion *pick_region(Env *e, GRand *r)
{
    MemoryRegion *rs[] = { &e->ram_resz, &e->ram_a, &e->ram_b, &e->mgd,
                           &e->io };

    return rs[g_rand_int_range(r, 0, ARRAY_SIZE(rs))];
}

static void toggle_mapped(Env *e, GRand *r, MemoryRegion *mr)
{
    uint64_t pages = memory_region_size(mr) / ps;

    if (mr->container) {
        memory_region_del_subregion(&e->root, mr);
        return;
    }
    memory_region_add_subregion_overlap(&e->root,
        g_rand_int_range(r, 0, NPAGES - pages + 1) * ps, mr,
        g_rand_int_range(r, -1, 3));
}

static void toggle_alias(Env *e, GRand *r)
{
    int i = g_rand_int_range(r, 0, 2);
    MemoryRegion *alias = &e->alias[i];
    MemoryRegion *origs[] = { &e->ram_a, &e->ram_b, &e->mgd, &e->ram_resz };
    MemoryRegion *orig;
    uint64_t opages, off, len;

    if (e->alias_live[i]) {
        if (alias->container) {
            memory_region_del_subregion(&e->root, alias);
        }
        memory_region_finalize(alias);
        e->alias_live[i] = false;
        return;
    }
    orig = origs[g_rand_int_range(r, 0, ARRAY_SIZE(origs))];
    opages = memory_region_size(orig) / ps;
    off = g_rand_int_range(r, 0, opages);
    len = g_rand_int_range(r, 1, opages - off + 1);
    memory_region_init_alias(alias, NULL, i ? "alias1" : "alias0", orig,
                             off * ps, len * ps);
    e->alias_live[i] = true;
    memory_region_add_subregion_overlap(&e->root,
        g_rand_int_range(r, 0, NPAGES - len + 1) * ps, alias,
        g_rand_int_range(r, -1, 3));
}

static void populate_or_discard(Env *e, GRand *r)
{
    uint64_t gran = e->rdb.granularity;
    uint64_t nblocks = e->rdb.nr_blocks;
    uint64_t first = g_rand_int_range(r, 0, nblocks);
    uint64_t n = g_rand_int_range(r, 1, MIN(4, nblocks - first) + 1);

    if (ram_discard_bitmap_range_discarded(&e->rdb, first * gran,
                                           n * gran)) {
        g_assert_cmpint(ram_discard_bitmap_populate(&e->rdb, first * gran,
                                                    n * gran), ==, 0);
    } else if (ram_discard_bitmap_range_populated(&e->rdb, first * gran,
                                                  n * gran)) {
        g_assert_cmpint(ram_discard_bitmap_discard(&e->rdb, first * gran,
                                                   n * gran), ==, 0);
    } else if (ram_discard_bitmap_range_populated(&e->rdb, first * gran,
                                                  gran)) {
        ram_discard_bitmap_discard(&e->rdb, first * gran, gran);
    } else {
        ram_discard_bitmap_populate(&e->rdb, first * gran, gran);
    }
}

static void random_step(Env *e, GRand *r)
{
    GError *err = NULL;

    switch (g_rand_int_range(r, 0, 7)) {
    case 0:
    case 1:
        toggle_mapped(e, r, pick_region(e, r));
        break;
    case 2:
        toggle_alias(e, r);
        break;
    case 3:
        g_assert_cmpint(memory_region_ram_resize(&e->ram_resz,
                        g_rand_int_range(r, 1, 33) * ps, &err), ==, 0);
        g_assert_no_error(err);
        break;
    case 4: {
        MemoryRegion *mr = pick_region(e, r);

        memory_region_set_readonly(mr, !mr->readonly);
        break;
    }
    case 5: {
        MemoryRegion *mr = pick_region(e, r);

        memory_region_set_enabled(mr, !memory_region_is_enabled(mr));
        break;
    }
    default:
        populate_or_discard(e, r);
        break;
    }
}

static uint64_t env_u64(const char *name, uint64_t def)
{
    const char *v = g_getenv(name);

    return v ? g_ascii_strtoull(v, NULL, 0) : def;
}

static void test_model_random(void)
{
    uint64_t seed = env_u64("VFIO_TEST_SEED", 0x5eed7);
    uint64_t steps = env_u64("VFIO_TEST_STEPS", 1500);
    g_autoptr(GRand) r = g_rand_new_with_seed(seed);
    RecContainer *rc = rec_new(VFIO_DEFAULT_MAX_MAPPINGS);
    GError *err = NULL;
    Env e;

    g_test_message("seed 0x%" PRIx64 ", %" PRIu64 " steps", seed, steps);
    env_init(&e, GRAN_PAGES);
    /* Start with something mapped and populated before attach. */
    memory_region_add_subregion(&e.root, 0, &e.ram_a);
    memory_region_add_subregion(&e.root, 64 * ps, &e.mgd);
    g_assert_cmpint(ram_discard_bitmap_populate(&e.rdb, 0,
                                                2 * GRAN_PAGES * ps), ==, 0);
    g_assert_true(vfio_container_attach(&rc->c, &e.as, &err));
    g_assert_no_error(err);
    check_model(&e, rc);
    for (uint64_t i = 0; i < steps; i++) {
        random_step(&e, r);
        check_model(&e, rc);
    }
    g_test_message("%" PRIu64 " checks saw populated blocks mapped, %"
                   PRIu64 " plain RAM", coverage.checks_with_managed,
                   coverage.checks_with_plain);
    g_assert_cmpuint(coverage.checks_with_managed, >, steps / 10);
    g_assert_cmpuint(coverage.checks_with_plain, >, steps / 10);
    g_assert_null(vfio_container_get_error(&rc->c));
    vfio_container_detach(&rc->c);
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 0);
    g_assert_cmpuint(rc->maps, ==, rc->unmaps);
    rec_free(rc);
    env_destroy(&e);
}

/* --- Focused behaviours --- */

static void test_discard_unmaps_exact_block(void)
{
    RecContainer *rc = rec_new(VFIO_DEFAULT_MAX_MAPPINGS);
    uint64_t gran = GRAN_PAGES * ps;
    hwaddr base = 128 * ps;
    Env e;

    env_init(&e, GRAN_PAGES);
    memory_region_add_subregion(&e.root, base, &e.mgd);
    g_assert_true(vfio_container_attach(&rc->c, &e.as, NULL));
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 0);

    /* One run of four blocks becomes four block-sized mappings. */
    g_assert_cmpint(ram_discard_bitmap_populate(&e.rdb, 0, 4 * gran), ==, 0);
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 4);
    for (int b = 0; b < 4; b++) {
        RecMap *m = rec_find(rc, base + b * gran);

        g_assert_nonnull(m);
        g_assert_cmpuint(m->size, ==, gran);
        g_assert_true(m->vaddr == (uint8_t *)memory_region_get_ram_ptr(
                                      &e.mgd) + b * gran);
    }
    /* Discarding the second block unmaps exactly it. */
    g_assert_cmpint(ram_discard_bitmap_discard(&e.rdb, gran, gran), ==, 0);
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 3);
    g_assert_null(rec_find(rc, base + gran));
    g_assert_nonnull(rec_find(rc, base));
    g_assert_nonnull(rec_find(rc, base + 2 * gran));

    /* Unmapping the region unregisters: everything goes. */
    memory_region_del_subregion(&e.root, &e.mgd);
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 0);
    g_assert_null(e.rdb.listeners.first);
    rec_free(rc);
    env_destroy(&e);
}

static void test_limit_names_block_size(void)
{
    RecContainer *rc = rec_new(10);
    GError *err = NULL;
    Env e;

    /* 64 pages in blocks of 4 pages: up to 16 mappings, limit 10. */
    env_init(&e, GRAN_PAGES);
    memory_region_add_subregion(&e.root, 0, &e.ram_a);
    memory_region_add_subregion(&e.root, 64 * ps, &e.mgd);
    g_assert_false(vfio_container_attach(&rc->c, &e.as, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "block-size"));
    g_assert_nonnull(strstr(err->message, "mem0"));
    g_clear_error(&err);
    g_assert_false(vfio_container_is_attached(&rc->c));
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 0);
    g_assert_null(e.rdb.listeners.first);

    /* The same check for a device about to plug such a region. */
    g_assert_false(vfio_containers_check_ram_discard("mem1", 64 * ps,
                                                     GRAN_PAGES * ps, &err));
    g_assert_nonnull(strstr(err->message, "block-size"));
    g_clear_error(&err);
    g_assert_true(vfio_containers_check_ram_discard("mem1", 64 * ps,
                                                    8 * ps, &err));
    g_assert_no_error(err);

    /*
     * Appearing after attach (a hot-plugged device): the error is
     * recorded, and the section followed without a reservation, so that
     * nothing populated is ever left unmapped: populates map while
     * mappings are left and are refused beyond.
     */
    memory_region_del_subregion(&e.root, &e.mgd);
    g_assert_true(vfio_container_attach(&rc->c, &e.as, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 1);
    memory_region_add_subregion(&e.root, 64 * ps, &e.mgd);
    g_assert_nonnull(vfio_container_get_error(&rc->c));
    g_assert_nonnull(strstr(vfio_container_get_error(&rc->c)->message,
                            "block-size"));
    g_assert_nonnull(e.rdb.listeners.first);
    g_assert_cmpint(ram_discard_bitmap_populate(&e.rdb, 0, 4 * ps), ==, 0);
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 2);
    g_assert_cmpint(ram_discard_bitmap_populate(&e.rdb, 4 * ps, 60 * ps),
                    <, 0);
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 2);
    memory_region_del_subregion(&e.root, &e.mgd);
    ram_discard_bitmap_discard_all(&e.rdb);
    rec_free(rc);
    env_destroy(&e);
}

static void test_limit_fits_larger_block(void)
{
    RecContainer *rc = rec_new(10);
    GError *err = NULL;
    Env e;

    /* Blocks of 8 pages: 8 worst case + 1 plain = 9 <= 10. */
    env_init(&e, 8);
    memory_region_add_subregion(&e.root, 0, &e.ram_a);
    memory_region_add_subregion(&e.root, 64 * ps, &e.mgd);
    g_assert_true(vfio_container_attach(&rc->c, &e.as, &err));
    g_assert_no_error(err);
    g_assert_cmpint(ram_discard_bitmap_populate(&e.rdb, 0, 64 * ps), ==, 0);
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 9);
    g_assert_cmpuint(rc->maps, ==, 9);
    ram_discard_bitmap_discard_all(&e.rdb);
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 1);

    /* A plain section fits beside the 8 reserved blocks ... */
    memory_region_add_subregion(&e.root, 200 * ps, &e.ram_b);
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 2);
    g_assert_null(vfio_container_get_error(&rc->c));
    /* ... one more does not, although only 2 mappings exist now. */
    memory_region_add_subregion(&e.root, 240 * ps, &e.ram_resz);
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 2);
    g_assert_nonnull(strstr(vfio_container_get_error(&rc->c)->message,
                            "all 10 mappings are in use or reserved"));
    /* So plugging every block still works. */
    g_assert_cmpint(ram_discard_bitmap_populate(&e.rdb, 0, 64 * ps), ==, 0);
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 10);
    rec_free(rc);
    env_destroy(&e);
}

/*
 * The real numbers: type1's default limit of 65535 takes a 64 GiB
 * virtio-mem region in 2 MiB blocks (32768), not in 1 MiB (65536).
 */
/*
 * A managed window that grows after attach beyond the budget (virtio-mem's
 * usable region follows requested-size) cannot be vetoed: the blocks
 * populated before stay mapped, the error names block-size, and populates
 * beyond the limit are refused and rolled back.
 */
static void test_limit_growth_after_attach(void)
{
    RecContainer *rc = rec_new(10);
    uint64_t gran = GRAN_PAGES * ps;
    GError *err = NULL;
    Env e;

    env_init(&e, GRAN_PAGES);
    memory_region_add_subregion(&e.root, 0, &e.ram_a);
    memory_region_init_alias(&e.alias[0], NULL, "window", &e.mgd, 0,
                             2 * gran);
    e.alias_live[0] = true;
    memory_region_add_subregion(&e.root, 64 * ps, &e.alias[0]);
    g_assert_true(vfio_container_attach(&rc->c, &e.as, &err));
    g_assert_no_error(err);
    g_assert_cmpint(ram_discard_bitmap_populate(&e.rdb, 0, gran), ==, 0);
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 2);

    /* 16 blocks + 1 plain > 10: refused as a reservation ... */
    memory_region_set_size(&e.alias[0], MGD_PAGES * ps);
    g_assert_nonnull(vfio_container_get_error(&rc->c));
    g_assert_nonnull(strstr(vfio_container_get_error(&rc->c)->message,
                            "block-size"));
    /* ... but what is populated stays mapped. */
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 2);
    g_assert_nonnull(rec_find(rc, 64 * ps));

    /* 12 more blocks would need 14 mappings: refused, nothing left. */
    g_assert_cmpint(ram_discard_bitmap_populate(&e.rdb, 4 * gran,
                                                12 * gran), <, 0);
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 2);
    g_assert_true(ram_discard_bitmap_range_discarded(&e.rdb, 4 * gran,
                                                     12 * gran));
    /* Up to the limit works. */
    g_assert_cmpint(ram_discard_bitmap_populate(&e.rdb, gran, 8 * gran),
                    ==, 0);
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 10);
    /* Unreserved blocks count too: a plain section finds no room. */
    memory_region_add_subregion(&e.root, 200 * ps, &e.ram_b);
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 10);
    memory_region_del_subregion(&e.root, &e.ram_b);
    ram_discard_bitmap_discard_all(&e.rdb);
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 1);
    rec_free(rc);
    env_destroy(&e);
}

static void test_limit_type1_default_64g(void)
{
    MemoryRegion root, big;
    AddressSpace as;
    RamDiscardBitmap rdb;
    GError *err = NULL;
    uint64_t bs[] = { 1 * MiB, 2 * MiB };

    memory_region_init(&root, NULL, "sys", 128 * GiB);
    address_space_init(&as, &root, "test-as");
    g_assert_true(memory_region_init_ram_flags_nomigrate(&big, NULL, "vmem0",
                  64 * GiB, RAM_NORESERVE, &err));
    g_assert_no_error(err);
    for (size_t i = 0; i < ARRAY_SIZE(bs); i++) {
        RecContainer *rc = rec_new(VFIO_DEFAULT_MAX_MAPPINGS);
        bool ok;

        ram_discard_bitmap_init(&rdb, &big, bs[i]);
        memory_region_set_ram_discard_manager(&big, &rdb.rdm);
        memory_region_add_subregion(&root, 64 * GiB, &big);
        ok = vfio_container_attach(&rc->c, &as, &err);
        g_assert_cmpint(ok, ==, bs[i] == 2 * MiB);
        if (ok) {
            /* Plug 1 GiB, unplug half of it: mappings follow exactly. */
            g_assert_cmpint(ram_discard_bitmap_populate(&rdb, 0, 1 * GiB),
                            ==, 0);
            g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 512);
            g_assert_cmpint(ram_discard_bitmap_discard(&rdb, 0, 512 * MiB),
                            ==, 0);
            g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 256);
        } else {
            g_assert_nonnull(strstr(err->message, "65536 mappings with "
                                    "block-size 0x100000"));
            g_clear_error(&err);
        }
        rec_free(rc);
        memory_region_del_subregion(&root, &big);
        ram_discard_bitmap_discard_all(&rdb);
        memory_region_set_ram_discard_manager(&big, NULL);
        ram_discard_bitmap_destroy(&rdb);
    }
    address_space_destroy(&as);
    memory_region_finalize(&big);
    memory_region_finalize(&root);
}

static void test_readonly_sections(void)
{
    RecContainer *rc = rec_new(VFIO_DEFAULT_MAX_MAPPINGS);
    Env e;
    RecMap *m;

    env_init(&e, GRAN_PAGES);
    memory_region_set_readonly(&e.ram_a, true);
    memory_region_add_subregion(&e.root, 0, &e.ram_a);
    /* A read-only alias of writable RAM. */
    memory_region_init_alias(&e.alias[0], NULL, "ro-alias", &e.ram_b, 0,
                             4 * ps);
    e.alias_live[0] = true;
    memory_region_set_readonly(&e.alias[0], true);
    memory_region_add_subregion(&e.root, 32 * ps, &e.alias[0]);
    memory_region_add_subregion(&e.root, 64 * ps, &e.ram_b);
    g_assert_true(vfio_container_attach(&rc->c, &e.as, NULL));

    m = rec_find(rc, 0);
    g_assert_nonnull(m);
    g_assert_true(m->readonly);
    m = rec_find(rc, 32 * ps);
    g_assert_nonnull(m);
    g_assert_true(m->readonly);
    g_assert_true(m->vaddr == memory_region_get_ram_ptr(&e.ram_b));
    m = rec_find(rc, 64 * ps);
    g_assert_nonnull(m);
    g_assert_false(m->readonly);

    /* Turning it writable remaps it writable. */
    memory_region_set_readonly(&e.ram_a, false);
    m = rec_find(rc, 0);
    g_assert_nonnull(m);
    g_assert_false(m->readonly);
    rec_free(rc);
    env_destroy(&e);
}

static void test_io_skipped(void)
{
    RecContainer *rc = rec_new(VFIO_DEFAULT_MAX_MAPPINGS);
    Env e;

    env_init(&e, GRAN_PAGES);
    memory_region_add_subregion(&e.root, 0, &e.io);
    g_assert_true(vfio_container_attach(&rc->c, &e.as, NULL));
    g_assert_cmpuint(rc->maps, ==, 0);
    g_assert_null(vfio_container_get_error(&rc->c));
    rec_free(rc);
    env_destroy(&e);
}

/* Another consumer of the managed region that refuses populates. */
typedef struct Refuser {
    RamDiscardListener rdl;
    bool refuse;
} Refuser;

static int refuser_populate(RamDiscardListener *rdl, MemoryRegionSection *s)
{
    Refuser *rf = container_of(rdl, Refuser, rdl);

    return rf->refuse ? -EBUSY : 0;
}

static void refuser_discard(RamDiscardListener *rdl, MemoryRegionSection *s)
{
}

static void test_populate_refused_by_other(void)
{
    RecContainer *rc = rec_new(VFIO_DEFAULT_MAX_MAPPINGS);
    uint64_t gran = GRAN_PAGES * ps;
    MemoryRegionSection whole;
    Refuser rf = { .refuse = true };
    Env e;

    env_init(&e, GRAN_PAGES);
    memory_region_add_subregion(&e.root, 0, &e.mgd);
    g_assert_true(vfio_container_attach(&rc->c, &e.as, NULL));
    /* Registered after the container: it is told second and refuses. */
    whole = (MemoryRegionSection) {
        .mr = &e.mgd, .size = MGD_PAGES * ps,
    };
    ram_discard_listener_init(&rf.rdl, refuser_populate, refuser_discard,
                              true);
    ram_discard_manager_register_listener(&e.rdb.rdm, &rf.rdl, &whole);

    g_assert_cmpint(ram_discard_bitmap_populate(&e.rdb, gran, 3 * gran), ==,
                    -EBUSY);
    g_assert_cmpuint(rc->maps, ==, 3);        /* it did map, then ... */
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 0);   /* undone */
    g_assert_cmpuint(vfio_container_nr_mappings(&rc->c), ==, 0);
    g_assert_true(ram_discard_bitmap_range_discarded(&e.rdb, gran,
                                                     3 * gran));
    rf.refuse = false;
    g_assert_cmpint(ram_discard_bitmap_populate(&e.rdb, gran, 3 * gran), ==,
                    0);
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 3);
    ram_discard_manager_unregister_listener(&e.rdb.rdm, &rf.rdl);
    rec_free(rc);
    ram_discard_bitmap_discard_all(&e.rdb);
    env_destroy(&e);
}

static void test_populate_refused_by_backend(void)
{
    RecContainer *rc = rec_new(VFIO_DEFAULT_MAX_MAPPINGS);
    uint64_t gran = GRAN_PAGES * ps;
    Env e;

    env_init(&e, GRAN_PAGES);
    memory_region_add_subregion(&e.root, 0, &e.mgd);
    g_assert_true(vfio_container_attach(&rc->c, &e.as, NULL));
    /* The third block of four fails: the first two are unmapped again. */
    rc->fail_countdown = 3;
    g_assert_cmpint(ram_discard_bitmap_populate(&e.rdb, 0, 4 * gran), ==,
                    -ENOMEM);
    g_assert_cmpuint(rc->maps, ==, 2);
    g_assert_cmpuint(rc->unmaps, ==, 2);
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 0);
    g_assert_true(ram_discard_bitmap_range_discarded(&e.rdb, 0, 4 * gran));
    g_assert_nonnull(vfio_container_get_error(&rc->c));
    rec_free(rc);
    env_destroy(&e);
}

static void test_uncoordinated_discard_disabled(void)
{
    RecContainer *rc;
    RecContainer *bad = g_new0(RecContainer, 1);
    GError *err = NULL;

    g_assert_cmpint(ram_block_discard_require(true), ==, 0);
    /* A container cannot exist while plain discard is required ... */
    g_assert_false(vfio_container_init(&bad->c, &rec_ops, "bad", ps, 10,
                                       &err));
    g_assert_nonnull(strstr(err->message, "uncoordinated"));
    g_clear_error(&err);
    vfio_container_destroy(&bad->c);      /* harmless after failed init */
    g_free(bad);
    g_assert_cmpint(ram_block_discard_require(false), ==, 0);

    /* ... and while one exists, only coordinated discard is allowed. */
    rc = rec_new(10);
    g_assert_cmpint(ram_block_discard_require(true), ==, -EBUSY);
    g_assert_cmpint(ram_block_coordinated_discard_require(true), ==, 0);
    g_assert_cmpint(ram_block_coordinated_discard_require(false), ==, 0);
    rec_free(rc);
    g_assert_cmpint(ram_block_discard_require(true), ==, 0);
    g_assert_cmpint(ram_block_discard_require(false), ==, 0);
}

static void test_attach_all_hook(void)
{
    RecContainer *rc = rec_new(VFIO_DEFAULT_MAX_MAPPINGS);
    RecContainer *late;
    GError *err = NULL;
    Env e;

    env_init(&e, GRAN_PAGES);
    memory_region_add_subregion(&e.root, 0, &e.ram_a);
    /* No machine yet: the request waits. */
    g_assert_true(vfio_container_attach_system(&rc->c, &err));
    g_assert_false(vfio_container_is_attached(&rc->c));
    g_assert_true(vfio_containers_attach_all(&e.as, &err));
    g_assert_no_error(err);
    g_assert_true(vfio_container_is_attached(&rc->c));
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 1);
    /* After the machine: immediate. */
    late = rec_new(VFIO_DEFAULT_MAX_MAPPINGS);
    g_assert_true(vfio_container_attach_system(&late->c, &err));
    g_assert_true(vfio_container_is_attached(&late->c));
    g_assert_cmpuint(g_hash_table_size(late->kernel), ==, 1);
    vfio_containers_detach_all();
    g_assert_false(vfio_container_is_attached(&rc->c));
    g_assert_cmpuint(g_hash_table_size(rc->kernel), ==, 0);
    rec_free(late);
    rec_free(rc);
    env_destroy(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ps = qemu_real_host_page_size();
    g_test_add_func("/vfio/listener/model/random-changes-map-populated-ram",
                    test_model_random);
    g_test_add_func("/vfio/listener/discard/unmaps-exactly-that-block",
                    test_discard_unmaps_exact_block);
    g_test_add_func("/vfio/listener/limit/refusal-names-block-size",
                    test_limit_names_block_size);
    g_test_add_func("/vfio/listener/limit/larger-block-size-fits",
                    test_limit_fits_larger_block);
    g_test_add_func("/vfio/listener/limit/growth-after-attach-keeps-blocks",
                    test_limit_growth_after_attach);
    g_test_add_func("/vfio/listener/limit/type1-default-and-64g-region",
                    test_limit_type1_default_64g);
    g_test_add_func("/vfio/listener/readonly/mapped-readonly",
                    test_readonly_sections);
    g_test_add_func("/vfio/listener/io/skipped", test_io_skipped);
    g_test_add_func("/vfio/listener/populate/refused-by-other-rolls-back",
                    test_populate_refused_by_other);
    g_test_add_func("/vfio/listener/populate/refused-by-backend-rolls-back",
                    test_populate_refused_by_backend);
    g_test_add_func("/vfio/container/disables-uncoordinated-discard",
                    test_uncoordinated_discard_disabled);
    g_test_add_func("/vfio/container/attach-all-hook",
                    test_attach_all_hook);
    return g_test_run();
}
