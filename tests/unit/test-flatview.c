/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Model-based tests of FlatView rendering and MemoryListener streams.
 *
 * Random region graphs (containers, I/O leaves, aliases of aliases,
 * priorities, disabled and zero-sized regions) are rendered by the memory
 * API and compared, address by address, with a brute-force reference that
 * walks the graph for each address.  A second test applies random changes
 * and checks that a listener which only sees region_add/region_del can
 * rebuild the new view exactly.  Random reads are checked byte by byte
 * against the same reference.
 *
 * The seed is fixed; set TEST_FLATVIEW_SEED to use another one, and
 * TEST_FLATVIEW_TREES to change the number of graphs.  The seed is printed
 * when a check fails.
 */
#include "qemu/osdep.h"
#include "exec/memory.h"

#define SPACE       256     /* addresses checked: [0, SPACE) */
#define MAX_REGIONS 14

static guint64 seed = 20261122;
static unsigned nr_trees = 10000;
static GRand *rng;

/* The byte at offset @off of leaf @idx, for I/O and RAM leaves alike. */
static uint8_t leaf_byte(unsigned idx, uint64_t off)
{
    return (idx * 37 + off * 11 + 1) & 0xff;
}

static uint64_t dummy_read(void *opaque, hwaddr addr, unsigned size)
{
    unsigned idx = (uintptr_t)opaque;
    uint64_t v = 0;
    unsigned i;

    for (i = 0; i < size; i++) {
        v |= (uint64_t)leaf_byte(idx, addr + i) << (8 * i);
    }
    return v;
}

static void dummy_write(void *opaque, hwaddr addr, uint64_t val,
                        unsigned size)
{
}

static const MemoryRegionOps dummy_ops = {
    .read = dummy_read,
    .write = dummy_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

typedef struct Tree {
    unsigned nr;
    MemoryRegion mr[MAX_REGIONS];
    int parent[MAX_REGIONS];        /* -1: unmapped (or the root) */
    unsigned seq[MAX_REGIONS];      /* order of add_subregion */
    unsigned next_seq;
    uint8_t ram[MAX_REGIONS][96];   /* backing of RAM leaves */
    AddressSpace as;
} Tree;

static int rnd(int lo, int hi)
{
    return g_rand_int_range(rng, lo, hi + 1);
}

static void fail_seed(void)
{
    g_test_message("seed %" G_GUINT64_FORMAT, seed);
}

/*
 * Region 0 is the root container.  Region i > 0 is a container, an I/O
 * leaf or an alias of a region with a higher index (so the graph has no
 * cycle), and sits in a container with a lower index or nowhere.
 */
static void tree_build(Tree *t)
{
    char kind[MAX_REGIONS];
    unsigned order[MAX_REGIONS];
    unsigned i;
    int j;

    t->nr = rnd(2, MAX_REGIONS);
    for (i = 0; i < t->nr; i++) {
        kind[i] = i == 0 ? 'c' : "cciirra"[rnd(0, 6)];
        if (kind[i] == 'a' && i == t->nr - 1) {
            kind[i] = 'i';
        }
    }
    for (j = t->nr - 1; j >= 0; j--) {
        uint64_t size = j == 0 ? rnd(SPACE / 2, SPACE) :
                        rnd(0, 8) == 0 ? 0 : rnd(1, 96);
        char name[16];

        g_snprintf(name, sizeof(name), "r%d", j);
        if (kind[j] == 'c') {
            memory_region_init(&t->mr[j], NULL, name, size);
        } else if (kind[j] == 'i') {
            memory_region_init_io(&t->mr[j], NULL, &dummy_ops,
                                  (void *)(uintptr_t)j, name, size);
        } else if (kind[j] == 'r') {
            unsigned k;

            for (k = 0; k < sizeof(t->ram[j]); k++) {
                t->ram[j][k] = leaf_byte(j, k);
            }
            g_assert_true(memory_region_init_ram_ptr(&t->mr[j], NULL, name,
                                                     size, t->ram[j], NULL));
        } else {
            memory_region_init_alias(&t->mr[j], NULL, name,
                                     &t->mr[rnd(j + 1, t->nr - 1)],
                                     rnd(0, 64), size);
        }
        if (j && rnd(0, 9) == 0) {
            memory_region_set_enabled(&t->mr[j], false);
        }
    }
    /* Add subregions in a random order so that ties are exercised. */
    for (i = 0; i < t->nr; i++) {
        order[i] = i;
    }
    for (i = t->nr - 1; i > 0; i--) {
        unsigned k = rnd(0, i), tmp = order[i];

        order[i] = order[k];
        order[k] = tmp;
    }
    for (i = 0; i < t->nr; i++) {
        unsigned r = order[i];
        int p = -1;

        t->parent[r] = -1;
        if (r == 0 || rnd(0, 7) == 0) {
            continue;
        }
        for (j = r - 1; j >= 0; j--) {
            if (kind[j] == 'c' && rnd(0, 2) != 0) {
                p = j;
                break;
            }
        }
        if (p < 0) {
            p = 0;
        }
        t->parent[r] = p;
        t->seq[r] = t->next_seq++;
        memory_region_add_subregion_overlap(&t->mr[p], rnd(0, SPACE - 32),
                                            &t->mr[r], rnd(-2, 2));
    }
}

static void tree_free(Tree *t)
{
    unsigned i;

    for (i = 0; i < t->nr; i++) {
        memory_region_finalize(&t->mr[i]);
    }
}

/* Does @a win over @b (both in the same container)? */
static bool ref_before(Tree *t, MemoryRegion *a, MemoryRegion *b)
{
    if (a->priority != b->priority) {
        return a->priority > b->priority;
    }
    return t->seq[a - t->mr] > t->seq[b - t->mr];
}

/* The reference: which leaf and offset does @off of @mr show? */
static MemoryRegion *ref_owner(Tree *t, MemoryRegion *mr, uint64_t off,
                               uint64_t *leaf_off)
{
    MemoryRegion *best = NULL;
    unsigned i;

    if (!mr->enabled || off >= mr->size) {
        return NULL;
    }
    if (mr->kind == MR_ALIAS) {
        return ref_owner(t, mr->alias, off + mr->alias_offset, leaf_off);
    }
    /* Highest priority first; among equals, the last added. */
    for (;;) {
        int bi = -1;

        for (i = 0; i < t->nr; i++) {
            MemoryRegion *c = &t->mr[i];

            if (c->container != mr || (best && !ref_before(t, best, c))) {
                continue;   /* not a child, or already tried */
            }
            if (bi < 0 || ref_before(t, c, &t->mr[bi])) {
                bi = i;
            }
        }
        if (bi < 0) {
            break;
        }
        best = &t->mr[bi];
        if (off >= best->addr) {
            MemoryRegion *r = ref_owner(t, best, off - best->addr, leaf_off);

            if (r) {
                return r;
            }
        }
    }
    if (mr->kind == MR_IO || mr->kind == MR_RAM) {
        *leaf_off = off;
        return mr;
    }
    return NULL;
}

static void check_view(Tree *t, FlatView *fv)
{
    unsigned i;
    uint64_t a;

    for (i = 0; i < fv->nr; i++) {
        const FlatRange *fr = &fv->ranges[i];

        if (fr->size == 0) {
            fail_seed();
        }
        g_assert_cmpuint(fr->size, >, 0);
        if (i) {
            const FlatRange *pr = &fv->ranges[i - 1];
            bool continues = pr->mr == fr->mr &&
                pr->addr + pr->size == fr->addr &&
                pr->offset_in_region + pr->size == fr->offset_in_region;

            if (pr->addr + pr->size > fr->addr || continues) {
                fail_seed();
            }
            g_assert_cmpuint(pr->addr + pr->size, <=, fr->addr);
            g_assert_false(continues);
        }
    }
    for (a = 0; a < SPACE; a++) {
        uint64_t want_off = 0, got_off = 0;
        MemoryRegion *want = ref_owner(t, &t->mr[0], a, &want_off);
        const FlatRange *fr = flatview_lookup(fv, a);
        MemoryRegion *got = fr ? fr->mr : NULL;

        if (fr) {
            got_off = fr->offset_in_region + (a - fr->addr);
        }
        if (want != got || want_off != got_off) {
            fail_seed();
            g_test_message("address 0x%" PRIx64 ": want %s+0x%" PRIx64
                           " got %s+0x%" PRIx64, a,
                           want ? want->name : "none", want_off,
                           got ? got->name : "none", got_off);
        }
        g_assert_true(want == got);
        g_assert_cmpuint(want_off, ==, got_off);
    }
}

/*
 * Random reads through address_space_read return, byte by byte, what the
 * reference says is mapped there (0 for gaps, with a decode error).
 */
static void check_reads(Tree *t)
{
    unsigned n;

    for (n = 0; n < 4; n++) {
        uint64_t addr = rnd(0, SPACE - 1), len = rnd(1, SPACE - addr), i;
        uint8_t buf[SPACE];
        bool gap = false;
        MemTxResult r;

        r = address_space_read(&t->as, addr, MEMTXATTRS_UNSPECIFIED, buf,
                               len);
        for (i = 0; i < len; i++) {
            uint64_t off = 0;
            MemoryRegion *mr = ref_owner(t, &t->mr[0], addr + i, &off);
            uint8_t want = mr ? leaf_byte(mr - t->mr, off) : 0;

            gap |= !mr;
            if (buf[i] != want) {
                fail_seed();
            }
            g_assert_cmpuint(buf[i], ==, want);
        }
        if (r != (gap ? MEMTX_DECODE_ERROR : MEMTX_OK)) {
            fail_seed();
        }
        g_assert_cmpuint(r, ==, gap ? MEMTX_DECODE_ERROR : MEMTX_OK);
    }
}

static void test_render_random(void)
{
    unsigned n;

    g_rand_set_seed_array(rng, (guint32 *)&seed, 2);
    for (n = 0; n < nr_trees; n++) {
        Tree *t = g_new0(Tree, 1);

        tree_build(t);
        address_space_init(&t->as, &t->mr[0], "test");
        check_view(t, t->as.current_map);
        check_reads(t);
        address_space_destroy(&t->as);
        tree_free(t);
        g_free(t);
    }
}

/* --- Listener streams --- */

typedef struct ModelListener {
    MemoryListener ml;
    GArray *sections;       /* MemoryRegionSection, unordered */
    unsigned adds, dels, nops;
    bool in_txn;
} ModelListener;

static int model_find(ModelListener *m, MemoryRegionSection *s)
{
    unsigned i;

    for (i = 0; i < m->sections->len; i++) {
        MemoryRegionSection *e =
            &g_array_index(m->sections, MemoryRegionSection, i);

        if (e->mr == s->mr && e->size == s->size &&
            e->offset_within_address_space ==
                s->offset_within_address_space &&
            e->offset_within_region == s->offset_within_region) {
            return i;
        }
    }
    return -1;
}

static void model_begin(MemoryListener *ml)
{
    ModelListener *m = container_of(ml, ModelListener, ml);

    g_assert_false(m->in_txn);
    m->in_txn = true;
}

static void model_commit(MemoryListener *ml)
{
    ModelListener *m = container_of(ml, ModelListener, ml);

    g_assert_true(m->in_txn);
    m->in_txn = false;
}

static void model_add(MemoryListener *ml, MemoryRegionSection *s)
{
    ModelListener *m = container_of(ml, ModelListener, ml);

    g_assert_true(m->in_txn);
    g_assert_cmpint(model_find(m, s), ==, -1);
    g_array_append_val(m->sections, *s);
    m->adds++;
}

static void model_del(MemoryListener *ml, MemoryRegionSection *s)
{
    ModelListener *m = container_of(ml, ModelListener, ml);
    int i = model_find(m, s);

    g_assert_true(m->in_txn);
    g_assert_cmpint(i, >=, 0);
    g_array_remove_index_fast(m->sections, i);
    m->dels++;
}

static void model_nop(MemoryListener *ml, MemoryRegionSection *s)
{
    ModelListener *m = container_of(ml, ModelListener, ml);

    g_assert_cmpint(model_find(m, s), >=, 0);
    m->nops++;
}

/* The model holds exactly the ranges of the current view. */
static void model_check(ModelListener *m, AddressSpace *as)
{
    FlatView *fv = as->current_map;
    unsigned i;

    if (m->sections->len != fv->nr) {
        fail_seed();
    }
    g_assert_cmpuint(m->sections->len, ==, fv->nr);
    for (i = 0; i < fv->nr; i++) {
        MemoryRegionSection s = {
            .mr = fv->ranges[i].mr,
            .size = fv->ranges[i].size,
            .offset_within_address_space = fv->ranges[i].addr,
            .offset_within_region = fv->ranges[i].offset_in_region,
        };
        g_assert_cmpint(model_find(m, &s), >=, 0);
    }
}

static void model_init(ModelListener *m, int priority)
{
    memset(m, 0, sizeof(*m));
    m->ml.begin = model_begin;
    m->ml.commit = model_commit;
    m->ml.region_add = model_add;
    m->ml.region_del = model_del;
    m->ml.region_nop = model_nop;
    m->ml.priority = priority;
    m->sections = g_array_new(false, false, sizeof(MemoryRegionSection));
}

static void random_change(Tree *t)
{
    unsigned i = rnd(1, t->nr - 1);
    MemoryRegion *mr = &t->mr[i];

    switch (rnd(0, 4)) {
    case 0:
        memory_region_set_enabled(mr, !mr->enabled);
        break;
    case 1:
        memory_region_set_address(mr, rnd(0, SPACE - 32));
        break;
    case 2:
        memory_region_set_size(mr, rnd(0, 96));
        break;
    case 3:
        if (mr->kind == MR_ALIAS) {
            memory_region_set_alias_offset(mr, rnd(0, 64));
        }
        break;
    default:
        if (t->parent[i] >= 0) {
            MemoryRegion *p = &t->mr[t->parent[i]];
            hwaddr addr = mr->addr;

            memory_region_transaction_begin();
            memory_region_del_subregion(p, mr);
            memory_region_add_subregion_overlap(p, addr, mr, rnd(-2, 2));
            memory_region_transaction_commit();
            t->seq[i] = t->next_seq++;
        }
        break;
    }
}

static void test_listener_stream_random(void)
{
    unsigned n, k, total_adds = 0, total_dels = 0;

    g_rand_set_seed_array(rng, (guint32 *)&seed, 2);
    for (n = 0; n < nr_trees / 20; n++) {
        Tree *t = g_new0(Tree, 1);
        ModelListener early, late;

        tree_build(t);
        address_space_init(&t->as, &t->mr[0], "test");
        model_init(&early, 0);
        memory_listener_register(&early.ml, &t->as);
        model_check(&early, &t->as);
        for (k = 0; k < 20; k++) {
            bool txn = rnd(0, 2) == 0;
            unsigned c, changes = txn ? rnd(2, 4) : 1;

            if (txn) {
                memory_region_transaction_begin();
            }
            for (c = 0; c < changes; c++) {
                random_change(t);
            }
            if (txn) {
                memory_region_transaction_commit();
            }
            model_check(&early, &t->as);
            check_view(t, t->as.current_map);
        }
        /* A late listener is replayed the present ranges. */
        model_init(&late, 1);
        memory_listener_register(&late.ml, &t->as);
        model_check(&late, &t->as);
        g_assert_cmpuint(late.adds, ==, t->as.current_map->nr);
        total_adds += early.adds;
        total_dels += early.dels;
        memory_listener_unregister(&late.ml);
        g_assert_cmpuint(late.sections->len, ==, 0);
        address_space_destroy(&t->as);
        g_assert_cmpuint(early.sections->len, ==, 0);
        g_array_free(early.sections, true);
        g_array_free(late.sections, true);
        tree_free(t);
        g_free(t);
    }
    /* The random changes really changed something. */
    g_assert_cmpuint(total_adds, >, nr_trees / 20);
    g_assert_cmpuint(total_dels, >, nr_trees / 20);
}

int main(int argc, char **argv)
{
    const char *env = g_getenv("TEST_FLATVIEW_SEED");
    int ret;

    g_test_init(&argc, &argv, NULL);
    if (env) {
        seed = g_ascii_strtoull(env, NULL, 0);
    }
    env = g_getenv("TEST_FLATVIEW_TREES");
    if (env) {
        nr_trees = MAX(20, g_ascii_strtoull(env, NULL, 0));
    }
    rng = g_rand_new();
    g_test_message("seed %" G_GUINT64_FORMAT ", %u trees", seed, nr_trees);
    g_test_add_func("/memory/flatview/render-and-reads-match-brute-force",
                    test_render_random);
    g_test_add_func("/memory/listener/stream-rebuilds-view",
                    test_listener_stream_random);
    ret = g_test_run();
    g_rand_free(rng);
    return ret;
}
