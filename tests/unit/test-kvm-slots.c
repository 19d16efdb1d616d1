/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The KVM slot table (accel/kvm/kvm-slots.h) against a fake KVM layer.
 *
 * The fake behaves like KVM_SET_USER_MEMORY_REGION where it matters:
 * overlapping slots are refused (EEXIST), an existing slot cannot be
 * re-set (the table never resizes in place), addresses must be page
 * aligned, deleting an unknown slot is EINVAL.  After every commit the
 * fake's slots are compared, page by page, with the FlatView (a RAM page
 * has exactly one slot with the right host address and read-only flag,
 * anything else has none).  Fixed scenarios check growth without any
 * window, shrinking, transactions, a virtio-mem-shaped usable region and
 * the slot budget; a model test applies random region sequences.
 * The fake also keeps a dirty log per slot like KVM_MEM_LOG_DIRTY_PAGES
 * (only flags may change on an existing slot, as in KVM): "guest writes"
 * set bits there and get_dirty_log hands them over and clears them.
 *
 * TEST_KVM_SLOTS_SEED picks another seed for the random test.
 */
#include "qemu/osdep.h"
#include "qemu/bitmap.h"
#include "exec/memory.h"
#include "exec/ramblock.h"
#include "kvm-slots.h"

#define PAGE        4096u
#define NPAGES      256u
#define SPACE       ((uint64_t)NPAGES * PAGE)
#define HOST_BASE   UINT64_C(0x7f0000000000)
#define MAX_FAKE    64u

/* --- The fake KVM --- */

typedef struct FakeSlot {
    bool used;
    uint32_t flags;
    uint64_t gpa, size, hva;
    uint64_t dirty[NPAGES / 64];    /* pages written while logging */
} FakeSlot;

typedef struct FakeKvm {
    FakeSlot slot[MAX_FAKE];
    unsigned calls;
} FakeKvm;

static int fake_set_slot(void *opaque, unsigned id, uint32_t flags,
                         uint64_t gpa, uint64_t size, void *hva)
{
    FakeKvm *k = opaque;

    k->calls++;
    if (id >= MAX_FAKE) {
        return -EINVAL;
    }
    if (!size) {
        if (!k->slot[id].used) {
            return -EINVAL;
        }
        k->slot[id].used = false;
        return 0;
    }
    if (k->slot[id].used) {
        FakeSlot *s = &k->slot[id];

        /* KVM: only the log flag may change in place. */
        if (s->gpa != gpa || s->size != size || s->hva != (uintptr_t)hva ||
            ((s->flags ^ flags) & ~KVM_SLOT_FLAG_LOG_DIRTY)) {
            return -EINVAL;
        }
        s->flags = flags;
        if (!(flags & KVM_SLOT_FLAG_LOG_DIRTY)) {
            memset(s->dirty, 0, sizeof(s->dirty));
        }
        return 0;
    }
    if (gpa % PAGE || size % PAGE || (uintptr_t)hva % PAGE) {
        return -EINVAL;
    }
    for (unsigned i = 0; i < MAX_FAKE; i++) {
        FakeSlot *s = &k->slot[i];

        if (s->used && gpa < s->gpa + s->size && s->gpa < gpa + size) {
            return -EEXIST;
        }
    }
    k->slot[id] = (FakeSlot){ true, flags, gpa, size, (uintptr_t)hva };
    return 0;
}

static int fake_get_dirty_log(void *opaque, unsigned id,
                              unsigned long *bitmap)
{
    FakeKvm *k = opaque;
    FakeSlot *s = &k->slot[id];
    uint64_t pages = s->size / PAGE;

    k->calls++;
    if (id >= MAX_FAKE || !s->used) {
        return -EINVAL;
    }
    if (!(s->flags & KVM_SLOT_FLAG_LOG_DIRTY)) {
        return -ENOENT;
    }
    for (uint64_t p = 0; p < pages; p++) {
        if (s->dirty[p / 64] & (UINT64_C(1) << (p % 64))) {
            set_bit(p, bitmap);
        }
    }
    memset(s->dirty, 0, sizeof(s->dirty));
    return 0;
}

static const KvmSlotOps fake_ops = {
    .set_slot = fake_set_slot,
    .get_dirty_log = fake_get_dirty_log,
};

static const FakeSlot *fake_find(FakeKvm *k, uint64_t gpa);

/* The guest writes the page at @gpa (the slot logs it if logging). */
static void fake_guest_write(FakeKvm *k, uint64_t gpa)
{
    FakeSlot *s = (FakeSlot *)fake_find(k, gpa);
    uint64_t p;

    g_assert_nonnull(s);
    p = (gpa - s->gpa) / PAGE;
    if (s->flags & KVM_SLOT_FLAG_LOG_DIRTY) {
        s->dirty[p / 64] |= UINT64_C(1) << (p % 64);
    }
}

static const FakeSlot *fake_find(FakeKvm *k, uint64_t gpa)
{
    for (unsigned i = 0; i < MAX_FAKE; i++) {
        FakeSlot *s = &k->slot[i];

        if (s->used && gpa >= s->gpa && gpa < s->gpa + s->size) {
            return s;
        }
    }
    return NULL;
}

static unsigned fake_count(FakeKvm *k)
{
    unsigned n = 0;

    for (unsigned i = 0; i < MAX_FAKE; i++) {
        n += k->slot[i].used;
    }
    return n;
}

/* Every page of @as: a slot iff RAM, with the right hva and flags. */
static void check_matches_view(FakeKvm *k, AddressSpace *as, bool ro_ok)
{
    FlatView *fv = address_space_get_flatview(as);

    for (uint64_t gpa = 0; gpa < SPACE; gpa += PAGE) {
        const FlatRange *fr = flatview_lookup(fv, gpa);
        const FakeSlot *s = fake_find(k, gpa);
        bool ro = fr && (fr->readonly || fr->mr->readonly);

        if (!fr || !memory_region_is_ram(fr->mr) || (ro && !ro_ok)) {
            if (s) {
                g_test_message("page 0x%" PRIx64 " has a slot but no RAM",
                               gpa);
            }
            g_assert_null(s);
            continue;
        }
        g_assert_nonnull(s);
        g_assert_cmphex(s->hva + (gpa - s->gpa), ==,
                        (uintptr_t)memory_region_get_ram_ptr(fr->mr) +
                        fr->offset_in_region + (gpa - fr->addr));
        g_assert_cmpuint(s->flags & ~KVM_SLOT_FLAG_LOG_DIRTY, ==,
                         ro ? KVM_SLOT_FLAG_READONLY : 0);
    }
    flatview_unref(fv);
}

/* --- A small machine --- */

typedef struct Rig {
    FakeKvm kvm;
    MemoryRegion root;
    AddressSpace as;
    KvmSlotTable *t;
} Rig;

static void rig_init(Rig *r, unsigned nr_max, bool ro_ok)
{
    memset(r, 0, sizeof(*r));
    memory_region_init(&r->root, NULL, "root", SPACE);
    address_space_init(&r->as, &r->root, "test");
    r->t = kvm_slots_new(&fake_ops, &r->kvm, nr_max, ro_ok);
    kvm_slots_listen(r->t, &r->as);
}

static void rig_destroy(Rig *r)
{
    kvm_slots_free(r->t);
    g_assert_cmpuint(fake_count(&r->kvm), ==, 0);
    address_space_destroy(&r->as);
    memory_region_finalize(&r->root);
}

static void ram_init(MemoryRegion *mr, const char *name, unsigned idx,
                     uint64_t size)
{
    g_assert_true(memory_region_init_ram_ptr(mr, NULL, name, size,
        (void *)(uintptr_t)(HOST_BASE + idx * (UINT64_C(1) << 32)), NULL));
}

/* --- Fixed scenarios --- */

static void test_grow_never_recreates(void)
{
    Rig r;
    MemoryRegion ram, alias;

    rig_init(&r, MAX_FAKE, true);
    ram_init(&ram, "ram", 0, 64 * PAGE);
    memory_region_init_alias(&alias, NULL, "usable", &ram, 0, PAGE);
    memory_region_add_subregion(&r.root, 16 * PAGE, &alias);
    for (unsigned n = 2; n <= 8; n++) {
        memory_region_set_size(&alias, n * PAGE);
        check_matches_view(&r.kvm, &r.as, true);
    }
    g_assert_cmpuint(kvm_slots_stats(r.t).recreated_bytes, ==, 0);
    g_assert_cmpuint(kvm_slots_stats(r.t).deleted, ==, 0);
    g_assert_cmpuint(kvm_slots_count(r.t), ==, 8);
    /* Shrinking to a piece boundary deletes only what went away. */
    memory_region_set_size(&alias, 5 * PAGE);
    check_matches_view(&r.kvm, &r.as, true);
    g_assert_cmpuint(kvm_slots_stats(r.t).recreated_bytes, ==, 0);
    memory_region_del_subregion(&r.root, &alias);
    check_matches_view(&r.kvm, &r.as, true);
    g_assert_cmpuint(kvm_slots_count(r.t), ==, 0);
    memory_region_finalize(&alias);
    memory_region_finalize(&ram);
    rig_destroy(&r);
}

static void test_shrink_inside_slot_recreates_rest(void)
{
    Rig r;
    MemoryRegion ram, alias;

    rig_init(&r, MAX_FAKE, true);
    ram_init(&ram, "ram", 0, 64 * PAGE);
    memory_region_init_alias(&alias, NULL, "usable", &ram, 0, 32 * PAGE);
    memory_region_add_subregion(&r.root, 0, &alias);
    g_assert_cmpuint(kvm_slots_count(r.t), ==, 1);
    memory_region_set_size(&alias, 20 * PAGE);
    check_matches_view(&r.kvm, &r.as, true);
    /* The 20 pages still mapped went through delete + create. */
    g_assert_cmpuint(kvm_slots_stats(r.t).recreated_bytes, ==, 20 * PAGE);
    g_assert_cmpuint(kvm_slots_count(r.t), ==, 1);
    memory_region_del_subregion(&r.root, &alias);
    memory_region_finalize(&alias);
    memory_region_finalize(&ram);
    rig_destroy(&r);
}

static void test_transaction_without_net_change_is_silent(void)
{
    Rig r;
    MemoryRegion ram;
    unsigned calls;

    rig_init(&r, MAX_FAKE, true);
    ram_init(&ram, "ram", 0, 8 * PAGE);
    memory_region_add_subregion(&r.root, 8 * PAGE, &ram);
    calls = r.kvm.calls;
    memory_region_transaction_begin();
    memory_region_del_subregion(&r.root, &ram);
    memory_region_add_subregion(&r.root, 8 * PAGE, &ram);
    memory_region_transaction_commit();
    g_assert_cmpuint(r.kvm.calls, ==, calls);
    /* A move is one delete and one create, after the commit only. */
    memory_region_transaction_begin();
    memory_region_set_address(&ram, 32 * PAGE);
    g_assert_cmpuint(r.kvm.calls, ==, calls);
    memory_region_transaction_commit();
    g_assert_cmpuint(r.kvm.calls, ==, calls + 2);
    check_matches_view(&r.kvm, &r.as, true);
    memory_region_del_subregion(&r.root, &ram);
    memory_region_finalize(&ram);
    rig_destroy(&r);
}

static uint64_t io_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void io_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
}

static const MemoryRegionOps io_ops = {
    .read = io_read, .write = io_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

static void test_split_by_io_and_merge_back(void)
{
    Rig r;
    MemoryRegion ram, io;

    rig_init(&r, MAX_FAKE, true);
    ram_init(&ram, "ram", 0, 32 * PAGE);
    memory_region_init_io(&io, NULL, &io_ops, NULL, "hole", 4 * PAGE);
    memory_region_add_subregion(&r.root, 0, &ram);
    memory_region_add_subregion_overlap(&r.root, 8 * PAGE, &io, 1);
    check_matches_view(&r.kvm, &r.as, true);
    g_assert_cmpuint(kvm_slots_count(r.t), ==, 2);
    /* Punching the hole had to re-create the 28 pages around it. */
    g_assert_cmpuint(kvm_slots_stats(r.t).recreated_bytes, ==, 28 * PAGE);
    memory_region_del_subregion(&r.root, &io);
    check_matches_view(&r.kvm, &r.as, true);
    /* Both pieces stay untouched; only the hole gets a new slot. */
    g_assert_cmpuint(kvm_slots_count(r.t), ==, 3);
    g_assert_cmpuint(kvm_slots_stats(r.t).recreated_bytes, ==, 28 * PAGE);
    memory_region_del_subregion(&r.root, &ram);
    memory_region_finalize(&io);
    memory_region_finalize(&ram);
    rig_destroy(&r);
}

/* virtio-mem's shape: a container with an alias covering the usable part. */
static void test_virtio_mem_usable_region(void)
{
    Rig r;
    MemoryRegion backend, container, window;
    const uint64_t base = 128 * PAGE;

    rig_init(&r, MAX_FAKE, true);
    ram_init(&backend, "backend", 1, 64 * PAGE);
    memory_region_init(&container, NULL, "virtio-mem", 64 * PAGE);
    memory_region_init_alias(&window, NULL, "virtio-mem-usable", &backend,
                             0, 0);
    memory_region_set_enabled(&window, false);
    memory_region_add_subregion(&container, 0, &window);
    memory_region_add_subregion(&r.root, base, &container);
    g_assert_cmpuint(kvm_slots_count(r.t), ==, 0);

    memory_region_transaction_begin();
    memory_region_set_size(&window, 16 * PAGE);
    memory_region_set_enabled(&window, true);
    memory_region_transaction_commit();
    check_matches_view(&r.kvm, &r.as, true);
    g_assert_null(fake_find(&r.kvm, base + 16 * PAGE));
    g_assert_nonnull(fake_find(&r.kvm, base + 15 * PAGE));

    memory_region_set_size(&window, 48 * PAGE);
    check_matches_view(&r.kvm, &r.as, true);
    g_assert_null(fake_find(&r.kvm, base + 48 * PAGE));
    g_assert_cmpuint(kvm_slots_stats(r.t).recreated_bytes, ==, 0);

    memory_region_transaction_begin();
    memory_region_set_size(&window, 0);
    memory_region_set_enabled(&window, false);
    memory_region_transaction_commit();
    check_matches_view(&r.kvm, &r.as, true);
    g_assert_cmpuint(kvm_slots_count(r.t), ==, 0);

    memory_region_del_subregion(&r.root, &container);
    memory_region_del_subregion(&container, &window);
    memory_region_finalize(&window);
    memory_region_finalize(&container);
    memory_region_finalize(&backend);
    rig_destroy(&r);
}

/*
 * dynamic-memslots' shape: the usable window is a container of memslot
 * aliases, each enabled only while it holds plugged blocks; the window's
 * size clips them.
 */
static void test_dynamic_memslots(void)
{
    Rig r;
    MemoryRegion backend, container, window, slot[4];
    const uint64_t base = 128 * PAGE, ms = 16 * PAGE;

    rig_init(&r, MAX_FAKE, true);
    ram_init(&backend, "backend", 1, 64 * PAGE);
    memory_region_init(&container, NULL, "virtio-mem", 64 * PAGE);
    memory_region_init(&window, NULL, "virtio-mem-usable", 0);
    for (unsigned i = 0; i < 4; i++) {
        memory_region_init_alias(&slot[i], NULL, "memslot", &backend,
                                 i * ms, ms);
        memory_region_set_enabled(&slot[i], false);
        memory_region_add_subregion(&window, i * ms, &slot[i]);
    }
    memory_region_add_subregion(&container, 0, &window);
    memory_region_add_subregion(&r.root, base, &container);

    /* Usable 40 pages, blocks plugged in memslots 0 and 2 only. */
    memory_region_transaction_begin();
    memory_region_set_size(&window, 40 * PAGE);
    memory_region_set_enabled(&slot[0], true);
    memory_region_set_enabled(&slot[2], true);
    memory_region_transaction_commit();
    check_matches_view(&r.kvm, &r.as, true);
    g_assert_cmpuint(kvm_slots_count(r.t), ==, 2);
    g_assert_nonnull(fake_find(&r.kvm, base + 15 * PAGE));
    g_assert_null(fake_find(&r.kvm, base + ms));            /* memslot 1 */
    g_assert_nonnull(fake_find(&r.kvm, base + 39 * PAGE));
    g_assert_null(fake_find(&r.kvm, base + 40 * PAGE));     /* clipped */

    /* Memslot 1 gets a block: a slot appears, the others stay as they were. */
    memory_region_set_enabled(&slot[1], true);
    check_matches_view(&r.kvm, &r.as, true);
    g_assert_cmpuint(kvm_slots_stats(r.t).deleted, ==, 0);
    /* Memslot 0 loses its last block: only its slot goes. */
    memory_region_set_enabled(&slot[0], false);
    check_matches_view(&r.kvm, &r.as, true);
    g_assert_null(fake_find(&r.kvm, base));
    g_assert_cmpuint(kvm_slots_stats(r.t).recreated_bytes, ==, 0);

    memory_region_del_subregion(&r.root, &container);
    memory_region_del_subregion(&container, &window);
    for (unsigned i = 0; i < 4; i++) {
        memory_region_del_subregion(&window, &slot[i]);
        memory_region_finalize(&slot[i]);
    }
    memory_region_finalize(&window);
    memory_region_finalize(&container);
    memory_region_finalize(&backend);
    rig_destroy(&r);
}

static void test_budget_and_readonly(void)
{
    Rig r;
    MemoryRegion ram[3];

    rig_init(&r, 2, false);
    for (unsigned i = 0; i < 3; i++) {
        ram_init(&ram[i], "ram", i, 4 * PAGE);
        memory_region_add_subregion(&r.root, i * 16 * PAGE, &ram[i]);
    }
    /* The third piece found no free slot: left to MMIO exits. */
    g_assert_cmpuint(kvm_slots_count(r.t), ==, 2);
    g_assert_cmpuint(kvm_slots_stats(r.t).failed, ==, 1);
    g_assert_null(fake_find(&r.kvm, 32 * PAGE));
    /* Without KVM_CAP_READONLY_MEM read-only RAM gets no slot. */
    memory_region_set_readonly(&ram[0], true);
    g_assert_null(fake_find(&r.kvm, 0));
    for (unsigned i = 0; i < 3; i++) {
        memory_region_del_subregion(&r.root, &ram[i]);
        memory_region_finalize(&ram[i]);
    }
    rig_destroy(&r);
}

/* --- Random sequences against the view --- */

#define NR_RAM      4
#define NR_ALIAS    6

static guint64 seed = 20261206;

static void test_random_sequences(void)
{
    const char *env = g_getenv("TEST_KVM_SLOTS_SEED");
    GRand *rng = g_rand_new_with_seed(env ? g_ascii_strtoull(env, NULL, 0)
                                          : seed);
    MemoryRegion ram[NR_RAM], alias[NR_ALIAS], io;
    bool mapped[NR_ALIAS] = { false };
    Rig r;

    rig_init(&r, MAX_FAKE, true);
    for (unsigned i = 0; i < NR_RAM; i++) {
        ram_init(&ram[i], "ram", i, 64 * PAGE);
    }
    for (unsigned i = 0; i < NR_ALIAS; i++) {
        memory_region_init_alias(&alias[i], NULL, "alias", &ram[i % NR_RAM],
                                 g_rand_int_range(rng, 0, 32) * PAGE,
                                 g_rand_int_range(rng, 1, 32) * PAGE);
    }
    memory_region_init_io(&io, NULL, &io_ops, NULL, "io", 8 * PAGE);
    memory_region_add_subregion_overlap(&r.root, 40 * PAGE, &io, 5);
    for (unsigned step = 0; step < 3000; step++) {
        unsigned nops = g_rand_int_range(rng, 1, 4);

        memory_region_transaction_begin();
        for (unsigned op = 0; op < nops; op++) {
            unsigned i = g_rand_int_range(rng, 0, NR_ALIAS);
            uint64_t where = g_rand_int_range(rng, 0, NPAGES - 32) * PAGE;

            switch (g_rand_int_range(rng, 0, 6)) {
            case 0:
                if (mapped[i]) {
                    memory_region_del_subregion(&r.root, &alias[i]);
                } else {
                    memory_region_add_subregion_overlap(&r.root, where,
                        &alias[i], g_rand_int_range(rng, -2, 3));
                }
                mapped[i] = !mapped[i];
                break;
            case 1:
                memory_region_set_size(&alias[i],
                                       g_rand_int_range(rng, 0, 33) * PAGE);
                break;
            case 2:
                memory_region_set_address(&alias[i], where);
                break;
            case 3:
                memory_region_set_readonly(&alias[i],
                                           g_rand_boolean(rng));
                break;
            case 4:
                memory_region_set_enabled(&alias[i], g_rand_boolean(rng));
                break;
            default:
                memory_region_set_alias_offset(&alias[i],
                    g_rand_int_range(rng, 0, 32) * PAGE);
                break;
            }
        }
        memory_region_transaction_commit();
        check_matches_view(&r.kvm, &r.as, true);
    }
    g_assert_cmpuint(kvm_slots_stats(r.t).failed, ==, 0);
    for (unsigned i = 0; i < NR_ALIAS; i++) {
        if (mapped[i]) {
            memory_region_del_subregion(&r.root, &alias[i]);
        }
        memory_region_finalize(&alias[i]);
    }
    memory_region_del_subregion(&r.root, &io);
    memory_region_finalize(&io);
    for (unsigned i = 0; i < NR_RAM; i++) {
        memory_region_finalize(&ram[i]);
    }
    rig_destroy(&r);
    g_rand_free(rng);
}

/* Pages set in @rb's dirty log, as a bit mask of its first 64 pages. */
static uint64_t dirty_mask(RAMBlock *rb)
{
    uint64_t m = 0;

    for (unsigned p = 0; p < 64; p++) {
        if (test_bit(p, rb->dirty_bmap)) {
            m |= UINT64_C(1) << p;
        }
    }
    return m;
}

static bool slot_logs(FakeKvm *k, uint64_t gpa)
{
    const FakeSlot *s = fake_find(k, gpa);

    return s && (s->flags & KVM_SLOT_FLAG_LOG_DIRTY);
}

/*
 * Global dirty logging: writable slots get the log flag in place (no
 * re-creation), new slots get it too, read-only ones never; a sync moves
 * exactly the written pages into the RAM block's dirty log at the right
 * offsets; a slot deleted while logging is read before it goes; stopping
 * drops the flag and later writes are not logged.
 */
static void test_dirty_log_start_sync_stop(void)
{
    Rig r;
    MemoryRegion ram, alias, rom;
    RAMBlock *rb;
    uint64_t created;

    rig_init(&r, MAX_FAKE, true);
    ram_init(&ram, "ram", 0, 64 * PAGE);
    ram_init(&rom, "rom", 1, 4 * PAGE);
    memory_region_set_readonly(&rom, true);
    /* The alias maps ram offset 8 pages at guest page 16. */
    memory_region_init_alias(&alias, NULL, "usable", &ram, 8 * PAGE,
                             16 * PAGE);
    memory_region_add_subregion(&r.root, 16 * PAGE, &alias);
    memory_region_add_subregion(&r.root, 100 * PAGE, &rom);
    rb = memory_region_get_ram_block(&ram);
    qemu_ram_dirty_log_start(rb);

    /* Writes before logging starts are not KVM's to report. */
    fake_guest_write(&r.kvm, 16 * PAGE);
    created = kvm_slots_stats(r.t).created;
    memory_global_dirty_log_start();
    g_assert_true(slot_logs(&r.kvm, 16 * PAGE));
    g_assert_false(slot_logs(&r.kvm, 100 * PAGE));
    g_assert_cmpuint(kvm_slots_stats(r.t).created, ==, created);
    check_matches_view(&r.kvm, &r.as, true);

    fake_guest_write(&r.kvm, 16 * PAGE);            /* ram page 8 */
    fake_guest_write(&r.kvm, 17 * PAGE);            /* ram page 9 */
    fake_guest_write(&r.kvm, 31 * PAGE);            /* ram page 23 */
    g_assert_cmphex(dirty_mask(rb), ==, 0);
    memory_global_dirty_log_sync();
    g_assert_cmphex(dirty_mask(rb), ==,
                    (UINT64_C(3) << 8) | (UINT64_C(1) << 23));
    /* KVM cleared its log: a second sync adds nothing. */
    bitmap_zero(rb->dirty_bmap, 64);
    memory_global_dirty_log_sync();
    g_assert_cmphex(dirty_mask(rb), ==, 0);

    /* Growth while logging: the new slot logs too. */
    memory_region_set_size(&alias, 24 * PAGE);
    check_matches_view(&r.kvm, &r.as, true);
    g_assert_true(slot_logs(&r.kvm, 39 * PAGE));
    fake_guest_write(&r.kvm, 39 * PAGE);            /* ram page 31 */
    /* Shrinking deletes that slot: its log is read first. */
    memory_region_set_size(&alias, 16 * PAGE);
    g_assert_null(fake_find(&r.kvm, 39 * PAGE));
    g_assert_cmphex(dirty_mask(rb), ==, UINT64_C(1) << 31);

    memory_global_dirty_log_stop();
    g_assert_false(slot_logs(&r.kvm, 16 * PAGE));
    check_matches_view(&r.kvm, &r.as, true);
    bitmap_zero(rb->dirty_bmap, 64);
    fake_guest_write(&r.kvm, 18 * PAGE);
    memory_global_dirty_log_sync();
    g_assert_cmphex(dirty_mask(rb), ==, 0);
    g_assert_cmpuint(kvm_slots_stats(r.t).failed, ==, 0);

    qemu_ram_dirty_log_stop(rb);
    memory_region_del_subregion(&r.root, &alias);
    memory_region_del_subregion(&r.root, &rom);
    memory_region_finalize(&alias);
    memory_region_finalize(&rom);
    memory_region_finalize(&ram);
    rig_destroy(&r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kvm-slots/grow/never-recreates-a-slot",
                    test_grow_never_recreates);
    g_test_add_func("/kvm-slots/shrink/inside-a-slot-recreates-the-rest",
                    test_shrink_inside_slot_recreates_rest);
    g_test_add_func("/kvm-slots/transaction/no-net-change-no-ioctl",
                    test_transaction_without_net_change_is_silent);
    g_test_add_func("/kvm-slots/split/io-hole-and-back-without-recreating",
                    test_split_by_io_and_merge_back);
    g_test_add_func("/kvm-slots/virtio-mem/only-the-usable-region",
                    test_virtio_mem_usable_region);
    g_test_add_func("/kvm-slots/virtio-mem/dynamic-memslots",
                    test_dynamic_memslots);
    g_test_add_func("/kvm-slots/budget/full-table-and-readonly",
                    test_budget_and_readonly);
    g_test_add_func("/kvm-slots/dirty-log/start-sync-stop",
                    test_dirty_log_start_sync_stop);
    g_test_add_func("/kvm-slots/model/random-region-sequences",
                    test_random_sequences);
    return g_test_run();
}
