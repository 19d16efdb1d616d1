/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests of the RamDiscardManager room through exec/ram-discard-manager.h,
 * using RamDiscardBitmap as the manager of a fake-RAM region.  Listeners
 * keep their own per-block model of what they were told, so every check
 * compares what a consumer believes with what the manager holds.
 */
#include "qemu/osdep.h"
#include "exec/ram-discard-manager.h"

#define GRAN     UINT64_C(0x1000)
#define NBLOCKS  256
#define RSIZE    (GRAN * NBLOCKS)

typedef struct TestListener {
    RamDiscardListener rdl;
    bool populated[NBLOCKS];    /* what this listener was told */
    int fail_countdown;         /* refuse the Nth populate; 0: never */
    unsigned populates, discards;
} TestListener;

typedef struct Fixture {
    MemoryRegion ram;
    RamDiscardBitmap rdb;
} Fixture;

static int tl_populate(RamDiscardListener *rdl, MemoryRegionSection *s)
{
    TestListener *tl = container_of(rdl, TestListener, rdl);
    uint64_t b;

    if (tl->fail_countdown && --tl->fail_countdown == 0) {
        return -ENOMEM;
    }
    g_assert_cmpuint(s->offset_within_region % GRAN, ==, 0);
    g_assert_cmpuint(s->size % GRAN, ==, 0);
    for (b = s->offset_within_region / GRAN;
         b < (s->offset_within_region + s->size) / GRAN; b++) {
        g_assert_false(tl->populated[b]);
        tl->populated[b] = true;
    }
    tl->populates++;
    return 0;
}

static void tl_discard(RamDiscardListener *rdl, MemoryRegionSection *s)
{
    TestListener *tl = container_of(rdl, TestListener, rdl);
    uint64_t b;

    for (b = s->offset_within_region / GRAN;
         b < (s->offset_within_region + s->size) / GRAN; b++) {
        if (!rdl->double_discard_supported) {
            g_assert_true(tl->populated[b]);
        }
        tl->populated[b] = false;
    }
    tl->discards++;
}

static void tl_init(TestListener *tl, bool double_discard, int fail_nth)
{
    memset(tl, 0, sizeof(*tl));
    ram_discard_listener_init(&tl->rdl, tl_populate, tl_discard,
                              double_discard);
    tl->fail_countdown = fail_nth;
}

static MemoryRegionSection section_of(Fixture *f, uint64_t off, uint64_t size)
{
    return (MemoryRegionSection) {
        .mr = &f->ram,
        .offset_within_region = off,
        .offset_within_address_space = 0x100000000ULL + off,
        .size = size,
    };
}

static void tl_register(Fixture *f, TestListener *tl, uint64_t off,
                        uint64_t size)
{
    MemoryRegionSection s = section_of(f, off, size);

    ram_discard_manager_register_listener(&f->rdb.rdm, &tl->rdl, &s);
}

static void fixture_init(Fixture *f)
{
    g_assert_true(memory_region_init_ram(&f->ram, NULL, "sparse", RSIZE,
                                         NULL));
    ram_discard_bitmap_init(&f->rdb, &f->ram, GRAN);
    g_assert_cmpint(memory_region_set_ram_discard_manager(&f->ram,
                                                          &f->rdb.rdm),
                    ==, 0);
}

static void fixture_fini(Fixture *f)
{
    memory_region_set_ram_discard_manager(&f->ram, NULL);
    ram_discard_bitmap_destroy(&f->rdb);
    memory_region_finalize(&f->ram);
}

/* The listener's belief equals the manager's state inside [first, end). */
static void assert_listener_matches(Fixture *f, TestListener *tl,
                                    uint64_t first, uint64_t end)
{
    uint64_t b;

    for (b = 0; b < NBLOCKS; b++) {
        bool want = b >= first && b < end &&
            ram_discard_bitmap_range_populated(&f->rdb, b * GRAN, GRAN);

        g_assert_cmpint(tl->populated[b], ==, want);
    }
}

static void test_refusal_rolls_back(void)
{
    Fixture f;
    TestListener a, b, c;

    fixture_init(&f);
    tl_init(&a, false, 0);
    tl_init(&b, false, 0);
    tl_init(&c, false, 3);      /* refuses its 3rd populate */
    tl_register(&f, &a, 0, RSIZE);
    tl_register(&f, &b, 0, RSIZE);
    tl_register(&f, &c, 0, RSIZE);

    g_assert_cmpint(ram_discard_bitmap_populate(&f.rdb, 0, 4 * GRAN), ==, 0);
    g_assert_cmpint(ram_discard_bitmap_populate(&f.rdb, 8 * GRAN, GRAN), ==,
                    0);
    g_assert_cmpint(ram_discard_bitmap_populate(&f.rdb, 16 * GRAN,
                                                8 * GRAN), ==, -ENOMEM);
    /* a and b were told populate, then discard; the state is unchanged. */
    g_assert_cmpuint(a.populates, ==, 3);
    g_assert_cmpuint(a.discards, ==, 1);
    g_assert_cmpuint(b.discards, ==, 1);
    g_assert_cmpuint(c.populates, ==, 2);
    g_assert_cmpuint(c.discards, ==, 0);
    g_assert_true(ram_discard_bitmap_range_discarded(&f.rdb, 16 * GRAN,
                                                     8 * GRAN));
    assert_listener_matches(&f, &a, 0, NBLOCKS);
    assert_listener_matches(&f, &b, 0, NBLOCKS);
    assert_listener_matches(&f, &c, 0, NBLOCKS);

    /* The refusal was transient: a retry succeeds for everyone. */
    g_assert_cmpint(ram_discard_bitmap_populate(&f.rdb, 16 * GRAN,
                                                8 * GRAN), ==, 0);
    assert_listener_matches(&f, &c, 0, NBLOCKS);
    assert_listener_matches(&f, &a, 0, NBLOCKS);

    ram_discard_manager_unregister_listener(&f.rdb.rdm, &a.rdl);
    ram_discard_manager_unregister_listener(&f.rdb.rdm, &b.rdl);
    ram_discard_manager_unregister_listener(&f.rdb.rdm, &c.rdl);
    fixture_fini(&f);
}

static void test_first_listener_refuses(void)
{
    Fixture f;
    TestListener a, b;

    fixture_init(&f);
    tl_init(&a, false, 1);
    tl_init(&b, false, 0);
    tl_register(&f, &a, 0, RSIZE);
    tl_register(&f, &b, 0, RSIZE);
    g_assert_cmpint(ram_discard_bitmap_populate(&f.rdb, 0, GRAN), ==,
                    -ENOMEM);
    g_assert_cmpuint(b.populates, ==, 0);
    g_assert_cmpuint(b.discards, ==, 0);
    g_assert_cmpuint(a.discards, ==, 0);
    g_assert_true(ram_discard_bitmap_range_discarded(&f.rdb, 0, RSIZE));
    ram_discard_manager_unregister_listener(&f.rdb.rdm, &a.rdl);
    ram_discard_manager_unregister_listener(&f.rdb.rdm, &b.rdl);
    fixture_fini(&f);
}

static void test_bad_ranges(void)
{
    Fixture f;

    fixture_init(&f);
    g_assert_cmpint(ram_discard_bitmap_populate(&f.rdb, GRAN / 2, GRAN), ==,
                    -EINVAL);
    g_assert_cmpint(ram_discard_bitmap_populate(&f.rdb, 0, GRAN + 1), ==,
                    -EINVAL);
    g_assert_cmpint(ram_discard_bitmap_populate(&f.rdb, 0, 0), ==, -EINVAL);
    g_assert_cmpint(ram_discard_bitmap_populate(&f.rdb, RSIZE - GRAN,
                                                2 * GRAN), ==, -EINVAL);
    g_assert_cmpint(ram_discard_bitmap_populate(&f.rdb, UINT64_MAX &
                                                ~(GRAN - 1), GRAN * 2),
                    ==, -EINVAL);
    g_assert_cmpint(ram_discard_bitmap_populate(&f.rdb, 0, 2 * GRAN), ==, 0);
    g_assert_cmpint(ram_discard_bitmap_populate(&f.rdb, GRAN, 2 * GRAN), ==,
                    -EBUSY);
    g_assert_cmpint(ram_discard_bitmap_discard(&f.rdb, GRAN, 2 * GRAN), ==,
                    -EBUSY);
    g_assert_cmpint(ram_discard_bitmap_discard(&f.rdb, 0, 2 * GRAN), ==, 0);
    fixture_fini(&f);
}

typedef struct Coverage {
    uint8_t unit[NBLOCKS * 4];      /* quarter blocks: 1 pop, 2 discarded */
    uint64_t last_end;
    unsigned calls;
    int stop_after;
} Coverage;

#define UNIT (GRAN / 4)

static void cover(Coverage *c, MemoryRegionSection *s, uint8_t what)
{
    uint64_t u;

    /* Runs are maximal: one never starts where the previous one ended. */
    g_assert_cmpuint(s->size, >, 0);
    g_assert_true(!c->calls || s->offset_within_region != c->last_end);
    g_assert_true(!c->calls || s->offset_within_region > c->last_end);
    g_assert_cmpuint(s->offset_within_address_space - 0x100000000ULL, ==,
                     s->offset_within_region);
    for (u = s->offset_within_region / UNIT;
         u < (s->offset_within_region + s->size) / UNIT; u++) {
        g_assert_cmpuint(c->unit[u], ==, 0);
        c->unit[u] = what;
    }
    c->last_end = s->offset_within_region + s->size;
    c->calls++;
}

static int cover_populated(MemoryRegionSection *s, void *opaque)
{
    Coverage *c = opaque;

    cover(c, s, 1);
    return c->stop_after && c->calls == (unsigned)c->stop_after ? -EINTR : 0;
}

static void cover_discarded(MemoryRegionSection *s, void *opaque)
{
    cover(opaque, s, 2);
}

static void test_replay_complementary(void)
{
    GRand *rng = g_rand_new_with_seed(42);
    bool model[NBLOCKS] = { false };
    Fixture f;
    unsigned iter;

    fixture_init(&f);
    for (iter = 0; iter < 300; iter++) {
        uint64_t first = g_rand_int_range(rng, 0, NBLOCKS);
        uint64_t nr = g_rand_int_range(rng, 1, MIN(NBLOCKS - first, 16) + 1);
        bool pop = g_rand_boolean(rng);
        bool all_same = true;
        uint64_t b, soff, ssize, u;
        Coverage cp = { { 0 } }, cd = { { 0 } };
        MemoryRegionSection s;
        int ret;

        for (b = first; b < first + nr; b++) {
            all_same &= model[b] == !pop;
        }
        ret = pop ? ram_discard_bitmap_populate(&f.rdb, first * GRAN,
                                                nr * GRAN)
                  : ram_discard_bitmap_discard(&f.rdb, first * GRAN,
                                               nr * GRAN);
        g_assert_cmpint(ret, ==, all_same ? 0 : -EBUSY);
        if (all_same) {
            for (b = first; b < first + nr; b++) {
                model[b] = pop;
            }
        }

        /* A random section, not necessarily block-aligned. */
        soff = g_rand_int_range(rng, 0, NBLOCKS * 4) * UNIT;
        ssize = g_rand_int_range(rng, 1, NBLOCKS * 4 - soff / UNIT + 1) *
                UNIT;
        s = section_of(&f, soff, ssize);
        ram_discard_manager_replay_populated(&f.rdb.rdm, &s,
                                             cover_populated, &cp);
        ram_discard_manager_replay_discarded(&f.rdb.rdm, &s,
                                             cover_discarded, &cd);
        for (u = 0; u < NBLOCKS * 4; u++) {
            bool inside = u >= soff / UNIT && u < (soff + ssize) / UNIT;
            uint8_t got = cp.unit[u] | cd.unit[u];

            g_assert_cmpuint(cp.unit[u] && cd.unit[u], ==, 0);
            g_assert_cmpuint(got, ==, !inside ? 0 : model[u / 4] ? 1 : 2);
        }
        g_assert_cmpint(ram_discard_manager_is_populated(&f.rdb.rdm, &s), ==,
                        cd.calls == 0);
    }
    fixture_fini(&f);
    g_rand_free(rng);
}

static void test_replay_stops_on_error(void)
{
    Fixture f;
    Coverage c = { .stop_after = 2 };
    MemoryRegionSection s;

    fixture_init(&f);
    g_assert_cmpint(ram_discard_bitmap_populate(&f.rdb, 0, GRAN), ==, 0);
    g_assert_cmpint(ram_discard_bitmap_populate(&f.rdb, 2 * GRAN, GRAN), ==,
                    0);
    g_assert_cmpint(ram_discard_bitmap_populate(&f.rdb, 4 * GRAN, GRAN), ==,
                    0);
    s = section_of(&f, 0, RSIZE);
    g_assert_cmpint(ram_discard_manager_replay_populated(&f.rdb.rdm, &s,
                        cover_populated, &c), ==, -EINTR);
    g_assert_cmpuint(c.calls, ==, 2);
    g_assert_cmpuint(ram_discard_manager_get_min_granularity(&f.rdb.rdm,
                                                             &f.ram),
                     ==, GRAN);
    fixture_fini(&f);
}

static void test_register_unregister(void)
{
    Fixture f;
    TestListener part, dd;

    fixture_init(&f);
    g_assert_cmpint(ram_discard_bitmap_populate(&f.rdb, 0, 8 * GRAN), ==, 0);
    g_assert_cmpint(ram_discard_bitmap_populate(&f.rdb, 32 * GRAN,
                                                4 * GRAN), ==, 0);
    /* A listener on blocks [4, 40) hears of [4, 8) and [32, 36) only. */
    tl_init(&part, false, 0);
    tl_register(&f, &part, 4 * GRAN, 36 * GRAN);
    g_assert_cmpuint(part.populates, ==, 2);
    assert_listener_matches(&f, &part, 4, 40);

    /* Changes outside its section are not reported to it. */
    g_assert_cmpint(ram_discard_bitmap_populate(&f.rdb, 100 * GRAN, GRAN),
                    ==, 0);
    g_assert_cmpuint(part.populates, ==, 2);
    /* A change straddling the edge is clipped to the section. */
    g_assert_cmpint(ram_discard_bitmap_populate(&f.rdb, 38 * GRAN,
                                                4 * GRAN), ==, 0);
    g_assert_cmpuint(part.populates, ==, 3);
    assert_listener_matches(&f, &part, 4, 40);

    tl_init(&dd, true, 0);
    tl_register(&f, &dd, 0, RSIZE);
    assert_listener_matches(&f, &dd, 0, NBLOCKS);

    ram_discard_manager_unregister_listener(&f.rdb.rdm, &part.rdl);
    g_assert_cmpuint(part.discards, ==, 3);
    assert_listener_matches(&f, &part, 0, 0);
    g_assert_null(part.rdl.section);
    /* Double-discard tolerant: one discard of the whole section. */
    ram_discard_manager_unregister_listener(&f.rdb.rdm, &dd.rdl);
    g_assert_cmpuint(dd.discards, ==, 1);
    assert_listener_matches(&f, &dd, 0, 0);
    fixture_fini(&f);
}

static void test_discard_all(void)
{
    Fixture f;
    TestListener l;

    fixture_init(&f);
    tl_init(&l, false, 0);
    tl_register(&f, &l, 0, RSIZE);
    g_assert_cmpint(ram_discard_bitmap_populate(&f.rdb, 0, 3 * GRAN), ==, 0);
    g_assert_cmpint(ram_discard_bitmap_populate(&f.rdb, 60 * GRAN,
                                                70 * GRAN), ==, 0);
    ram_discard_bitmap_discard_all(&f.rdb);
    g_assert_cmpuint(l.discards, ==, 2);
    g_assert_true(ram_discard_bitmap_range_discarded(&f.rdb, 0, RSIZE));
    assert_listener_matches(&f, &l, 0, NBLOCKS);
    ram_discard_manager_unregister_listener(&f.rdb.rdm, &l.rdl);
    fixture_fini(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rdm/populate/refusal-rolls-back-earlier-listeners",
                    test_refusal_rolls_back);
    g_test_add_func("/rdm/populate/first-listener-refusal-tells-nobody",
                    test_first_listener_refuses);
    g_test_add_func("/rdm/bitmap/bad-ranges-rejected", test_bad_ranges);
    g_test_add_func("/rdm/replay/populated-and-discarded-complementary",
                    test_replay_complementary);
    g_test_add_func("/rdm/replay/populated-stops-on-error",
                    test_replay_stops_on_error);
    g_test_add_func("/rdm/listener/register-replays-unregister-discards",
                    test_register_unregister);
    g_test_add_func("/rdm/bitmap/discard-all-tells-runs", test_discard_all);
    return g_test_run();
}
