/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the memory API through exec/memory.h: listener ordering
 * and replay, transactions, guest accesses (RAM, I/O size splitting,
 * unassigned and out-of-range), RAM region helpers and discard-manager
 * attachment rules.  RAM blocks come from tests/unit/fake-ramblock.c.
 */
#include "qemu/osdep.h"
#include "qemu/bitmap.h"
#include "exec/memory.h"
#include "exec/ram-discard-manager.h"
#include "fake-ramblock.h"

#define A MEMTXATTRS_UNSPECIFIED

/* --- Listener logging --- */

typedef struct LogListener {
    MemoryListener ml;
    char id;
    GString *log;       /* shared between listeners */
} LogListener;

static void log_ev(MemoryListener *ml, const char *ev,
                   MemoryRegionSection *s)
{
    LogListener *l = container_of(ml, LogListener, ml);

    if (s) {
        g_string_append_printf(l->log, "%c:%s:%s@0x%" PRIx64 "+0x%" PRIx64
                               ";", l->id, ev, s->mr->name,
                               s->offset_within_address_space, s->size);
    } else {
        g_string_append_printf(l->log, "%c:%s;", l->id, ev);
    }
}

static void log_begin(MemoryListener *ml)
{
    log_ev(ml, "begin", NULL);
}

static void log_commit(MemoryListener *ml)
{
    log_ev(ml, "commit", NULL);
}

static void log_add(MemoryListener *ml, MemoryRegionSection *s)
{
    log_ev(ml, "add", s);
}

static void log_del(MemoryListener *ml, MemoryRegionSection *s)
{
    log_ev(ml, "del", s);
}

static void log_nop(MemoryListener *ml, MemoryRegionSection *s)
{
    log_ev(ml, "nop", s);
}

static void log_listener_init(LogListener *l, char id, int prio, GString *log)
{
    memset(l, 0, sizeof(*l));
    l->ml.begin = log_begin;
    l->ml.commit = log_commit;
    l->ml.region_add = log_add;
    l->ml.region_del = log_del;
    l->ml.region_nop = log_nop;
    l->ml.priority = prio;
    l->id = id;
    l->log = log;
}

/* --- I/O device that records its accesses --- */

typedef struct IoDev {
    uint8_t regs[64];
    GString *log;
} IoDev;

static uint64_t io_read(void *opaque, hwaddr addr, unsigned size)
{
    IoDev *d = opaque;
    uint64_t v = 0;
    unsigned i;

    g_string_append_printf(d->log, "r%u@%" PRIu64 ";", size, addr);
    for (i = 0; i < size && addr + i < sizeof(d->regs); i++) {
        v |= (uint64_t)d->regs[addr + i] << (8 * i);
    }
    return v;
}

static void io_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    IoDev *d = opaque;
    unsigned i;

    g_string_append_printf(d->log, "w%u@%" PRIu64 "=0x%" PRIx64 ";", size,
                           addr, val);
    for (i = 0; i < size && addr + i < sizeof(d->regs); i++) {
        d->regs[addr + i] = val >> (8 * i);
    }
}

/* Byte-wide registers; the guest may use 1..4 bytes. */
static const MemoryRegionOps bytewise_ops = {
    .read = io_read,
    .write = io_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* 32-bit registers only, 8-byte guest accesses split in two. */
static const MemoryRegionOps dword_ops = {
    .read = io_read,
    .write = io_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* Guest may do bytes, device implements only 4-byte reads. */
static const MemoryRegionOps widen_ops = {
    .read = io_read,
    .write = io_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* --- Listener tests --- */

static void test_listener_priority_order(void)
{
    GString *log = g_string_new("");
    MemoryRegion root, a;
    AddressSpace as;
    LogListener hi, lo;

    memory_region_init(&root, NULL, "root", 0x10000);
    memory_region_init_io(&a, NULL, &bytewise_ops, NULL, "a", 0x100);
    address_space_init(&as, &root, "as");
    log_listener_init(&hi, 'H', 10, log);
    log_listener_init(&lo, 'L', 1, log);
    memory_listener_register(&hi.ml, &as);
    memory_listener_register(&lo.ml, &as);
    g_assert_cmpstr(log->str, ==, "H:begin;H:commit;L:begin;L:commit;");

    g_string_truncate(log, 0);
    memory_region_add_subregion(&root, 0x1000, &a);
    g_assert_cmpstr(log->str, ==,
                    "L:begin;H:begin;"
                    "L:add:a@0x1000+0x100;H:add:a@0x1000+0x100;"
                    "L:commit;H:commit;");

    g_string_truncate(log, 0);
    memory_region_del_subregion(&root, &a);
    g_assert_cmpstr(log->str, ==,
                    "L:begin;H:begin;"
                    "H:del:a@0x1000+0x100;L:del:a@0x1000+0x100;"
                    "L:commit;H:commit;");

    memory_listener_unregister(&hi.ml);
    memory_listener_unregister(&lo.ml);
    address_space_destroy(&as);
    memory_region_finalize(&a);
    memory_region_finalize(&root);
    g_string_free(log, true);
}

static void test_listener_late_and_unregister(void)
{
    GString *log = g_string_new("");
    MemoryRegion root, a, b;
    AddressSpace as;
    LogListener l;

    memory_region_init(&root, NULL, "root", 0x10000);
    memory_region_init_io(&a, NULL, &bytewise_ops, NULL, "a", 0x100);
    memory_region_init_io(&b, NULL, &bytewise_ops, NULL, "b", 0x100);
    memory_region_add_subregion(&root, 0x2000, &b);
    memory_region_add_subregion(&root, 0x1000, &a);
    address_space_init(&as, &root, "as");
    log_listener_init(&l, 'X', 0, log);
    memory_listener_register(&l.ml, &as);
    g_assert_cmpstr(log->str, ==, "X:begin;X:add:a@0x1000+0x100;"
                    "X:add:b@0x2000+0x100;X:commit;");

    /* A move: del of the old place, nop for b, add of the new place. */
    g_string_truncate(log, 0);
    memory_region_set_address(&a, 0x3000);
    g_assert_cmpstr(log->str, ==, "X:begin;X:del:a@0x1000+0x100;"
                    "X:nop:b@0x2000+0x100;X:add:a@0x3000+0x100;X:commit;");

    g_string_truncate(log, 0);
    memory_listener_unregister(&l.ml);
    g_assert_cmpstr(log->str, ==, "X:begin;X:del:b@0x2000+0x100;"
                    "X:del:a@0x3000+0x100;X:commit;");
    g_assert_null(l.ml.address_space);

    address_space_destroy(&as);
    memory_region_finalize(&root);
    memory_region_finalize(&a);
    memory_region_finalize(&b);
    g_string_free(log, true);
}

static void test_transaction_renders_once(void)
{
    GString *log = g_string_new("");
    MemoryRegion root, a, b;
    AddressSpace as;
    LogListener l;

    memory_region_init(&root, NULL, "root", 0x10000);
    memory_region_init_io(&a, NULL, &bytewise_ops, NULL, "a", 0x100);
    memory_region_init_io(&b, NULL, &bytewise_ops, NULL, "b", 0x100);
    address_space_init(&as, &root, "as");
    log_listener_init(&l, 'X', 0, log);
    memory_listener_register(&l.ml, &as);
    g_string_truncate(log, 0);

    memory_region_transaction_begin();
    memory_region_add_subregion(&root, 0x1000, &a);
    memory_region_transaction_begin();
    memory_region_add_subregion(&root, 0x2000, &b);
    memory_region_set_enabled(&b, false);
    memory_region_transaction_commit();
    memory_region_set_size(&a, 0x80);
    g_assert_cmpstr(log->str, ==, "");
    g_assert_cmpuint(as.current_map->nr, ==, 0);
    memory_region_transaction_commit();
    g_assert_cmpstr(log->str, ==, "X:begin;X:add:a@0x1000+0x80;X:commit;");

    /* A change that renders the same view notifies nobody. */
    g_string_truncate(log, 0);
    memory_region_set_address(&b, 0x4000);
    g_assert_cmpstr(log->str, ==, "");

    address_space_destroy(&as);
    memory_region_finalize(&root);
    memory_region_finalize(&a);
    memory_region_finalize(&b);
    g_string_free(log, true);
}

static void test_render_adjacent_pieces_merge(void)
{
    MemoryRegion root, big, hole;
    AddressSpace as;

    /* "hole" punches big in two; disabling it must yield one range. */
    memory_region_init(&root, NULL, "root", 0x10000);
    memory_region_init_io(&big, NULL, &bytewise_ops, NULL, "big", 0x1000);
    memory_region_add_subregion(&root, 0, &big);
    memory_region_init_io(&hole, NULL, &bytewise_ops, NULL, "hole", 0x100);
    memory_region_add_subregion_overlap(&root, 0x800, &hole, 1);
    address_space_init(&as, &root, "as");
    g_assert_cmpuint(as.current_map->nr, ==, 3);
    memory_region_set_enabled(&hole, false);
    g_assert_cmpuint(as.current_map->nr, ==, 1);
    g_assert_cmpuint(as.current_map->ranges[0].size, ==, 0x1000);
    address_space_destroy(&as);
    memory_region_finalize(&root);
    memory_region_finalize(&big);
    memory_region_finalize(&hole);
}

static MemoryRegion *victim;

static void meddling_add(MemoryListener *ml, MemoryRegionSection *s)
{
    memory_region_set_enabled(victim, false);
}

static void test_listener_graph_change_aborts(void)
{
    MemoryRegion root, a;
    AddressSpace as;
    MemoryListener ml = { .region_add = meddling_add };

    if (g_test_subprocess()) {
        memory_region_init(&root, NULL, "root", 0x10000);
        memory_region_init_io(&a, NULL, &bytewise_ops, NULL, "a", 0x100);
        memory_region_add_subregion(&root, 0, &a);
        address_space_init(&as, &root, "as");
        victim = &a;
        memory_listener_register(&ml, &as);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*notifying_listeners*");
}

/* --- Accesses --- */

typedef struct RwFixture {
    MemoryRegion root, ram1, ram2, io;
    AddressSpace as;
    IoDev dev;
} RwFixture;

/* ram1 at 0x1000, ram2 right after it, a gap, then io at 0x4000. */
static void rw_setup(RwFixture *f, const MemoryRegionOps *ops)
{
    memset(f, 0, sizeof(*f));
    f->dev.log = g_string_new("");
    memory_region_init(&f->root, NULL, "root", UINT64_MAX);
    g_assert_true(memory_region_init_ram(&f->ram1, NULL, "ram1", 0x1000,
                                         NULL));
    g_assert_true(memory_region_init_ram(&f->ram2, NULL, "ram2", 0x1000,
                                         NULL));
    memory_region_init_io(&f->io, NULL, ops, &f->dev, "io", 0x40);
    memory_region_add_subregion(&f->root, 0x1000, &f->ram1);
    memory_region_add_subregion(&f->root, 0x2000, &f->ram2);
    memory_region_add_subregion(&f->root, 0x4000, &f->io);
    address_space_init(&f->as, &f->root, "as");
}

static void rw_teardown(RwFixture *f)
{
    address_space_destroy(&f->as);
    memory_region_finalize(&f->root);
    memory_region_finalize(&f->ram1);
    memory_region_finalize(&f->ram2);
    memory_region_finalize(&f->io);
    g_string_free(f->dev.log, true);
    g_assert_cmpuint(fake_ram_blocks_live, ==, 0);
}

static void test_rw_ram_across_boundary(void)
{
    RwFixture f;
    uint8_t in[32], out[32];
    uint8_t *h1, *h2;
    unsigned i;

    rw_setup(&f, &bytewise_ops);
    h1 = memory_region_get_ram_ptr(&f.ram1);
    h2 = memory_region_get_ram_ptr(&f.ram2);
    for (i = 0; i < sizeof(in); i++) {
        in[i] = i + 1;
    }
    g_assert_cmpuint(address_space_write(&f.as, 0x2000 - 16, A, in, 32), ==,
                     MEMTX_OK);
    g_assert_cmpmem(h1 + 0x1000 - 16, 16, in, 16);
    g_assert_cmpmem(h2, 16, in + 16, 16);
    memset(out, 0xaa, sizeof(out));
    g_assert_cmpuint(address_space_read(&f.as, 0x2000 - 16, A, out, 32), ==,
                     MEMTX_OK);
    g_assert_cmpmem(out, 32, in, 32);
    rw_teardown(&f);
}

/* A RAM write marks the dirty log of each block it lands in; reads not. */
static void test_rw_ram_write_marks_dirty_log(void)
{
    RwFixture f;
    RAMBlock *rb1, *rb2;
    uint8_t buf[32] = { 1 };

    rw_setup(&f, &bytewise_ops);
    rb1 = memory_region_get_ram_block(&f.ram1);
    rb2 = memory_region_get_ram_block(&f.ram2);
    rb1->dirty_bmap = bitmap_new(rb1->max_length >> RAM_DIRTY_PAGE_BITS);
    rb2->dirty_bmap = bitmap_new(rb2->max_length >> RAM_DIRTY_PAGE_BITS);
    g_assert_cmpuint(address_space_read(&f.as, 0x2000 - 16, A, buf, 32), ==,
                     MEMTX_OK);
    g_assert_false(test_bit(0, rb1->dirty_bmap));
    g_assert_false(test_bit(0, rb2->dirty_bmap));
    g_assert_cmpuint(address_space_write(&f.as, 0x2000 - 16, A, buf, 32), ==,
                     MEMTX_OK);
    g_assert_true(test_bit(0, rb1->dirty_bmap));
    g_assert_true(test_bit(0, rb2->dirty_bmap));
    g_clear_pointer(&rb1->dirty_bmap, g_free);
    g_clear_pointer(&rb2->dirty_bmap, g_free);
    rw_teardown(&f);
}

static void test_rw_unassigned(void)
{
    RwFixture f;
    uint8_t in[32], out[32];
    uint8_t *h2;

    rw_setup(&f, &bytewise_ops);
    h2 = memory_region_get_ram_ptr(&f.ram2);
    memset(in, 0x5a, sizeof(in));
    /* The tail of ram2 is written even though the rest is a gap. */
    g_assert_cmpuint(address_space_write(&f.as, 0x3000 - 8, A, in, 32), ==,
                     MEMTX_DECODE_ERROR);
    g_assert_cmpmem(h2 + 0x1000 - 8, 8, in, 8);
    memset(out, 0xaa, sizeof(out));
    g_assert_cmpuint(address_space_read(&f.as, 0x3000 - 8, A, out, 32), ==,
                     MEMTX_DECODE_ERROR);
    g_assert_cmpmem(out, 8, in, 8);
    g_assert_cmpuint(out[8], ==, 0);
    g_assert_cmpuint(out[31], ==, 0);
    g_assert_cmpuint(address_space_ldl_le(&f.as, 0x9000, A, NULL), ==, 0);
    rw_teardown(&f);
}

static void test_rw_out_of_range(void)
{
    RwFixture f;
    uint8_t out[16];
    MemTxResult r;

    rw_setup(&f, &bytewise_ops);
    memset(out, 0xaa, sizeof(out));
    /* Wraps past 2^64: refused whole, buffer zeroed. */
    g_assert_cmpuint(address_space_read(&f.as, UINT64_MAX - 3, A, out, 16),
                     ==, MEMTX_DECODE_ERROR);
    g_assert_cmpuint(out[0], ==, 0);
    g_assert_cmpuint(out[15], ==, 0);
    g_assert_cmpuint(address_space_write(&f.as, UINT64_MAX, A, out, 2), ==,
                     MEMTX_DECODE_ERROR);
    /* The last byte exists as an address but nothing maps it. */
    address_space_stb(&f.as, UINT64_MAX, 1, A, &r);
    g_assert_cmpuint(r, ==, MEMTX_DECODE_ERROR);
    g_assert_cmpuint(address_space_read(&f.as, 0, A, NULL, 0), ==, MEMTX_OK);
    rw_teardown(&f);
}

/*
 * The address space ends at 2^64, not 2^64 - 1: a region in the last page
 * is visible up to and including its last byte.
 */
static void test_rw_top_of_address_space(void)
{
    MemoryRegion root, ram;
    AddressSpace as;
    MemoryRegionSection s;
    FlatView *fv;
    uint8_t buf[2] = { 0x5a, 0xa5 };
    MemTxResult r;

    memory_region_init(&root, NULL, "root", UINT64_MAX);
    g_assert_true(memory_region_init_ram(&ram, NULL, "top", 0x1000, NULL));
    memory_region_add_subregion(&root, UINT64_MAX - 0xfff, &ram);
    address_space_init(&as, &root, "as");

    fv = address_space_get_flatview(&as);
    g_assert_cmpuint(fv->nr, ==, 1);
    g_assert_cmpuint(fv->ranges[0].addr, ==, UINT64_MAX - 0xfff);
    g_assert_cmpuint(fv->ranges[0].size, ==, 0x1000);
    flatview_unref(fv);

    g_assert_cmpuint(address_space_write(&as, UINT64_MAX - 1, A, buf, 2),
                     ==, MEMTX_OK);
    g_assert_cmpuint(address_space_ldub(&as, UINT64_MAX, A, &r), ==, 0xa5);
    g_assert_cmpuint(r, ==, MEMTX_OK);
    g_assert_cmpuint(((uint8_t *)memory_region_get_ram_ptr(&ram))[0xfff],
                     ==, 0xa5);
    s = memory_region_find(&ram, 0xfff, 1);
    g_assert_true(s.mr == &ram);
    g_assert_cmpuint(s.offset_within_address_space, ==, UINT64_MAX);
    g_assert_cmpuint(s.size, ==, 1);
    memory_region_unref(s.mr);

    address_space_destroy(&as);
    memory_region_del_subregion(&root, &ram);
    memory_region_finalize(&ram);
    memory_region_finalize(&root);
}

static void test_rw_io_split_bytes(void)
{
    RwFixture f;
    MemTxResult r;

    rw_setup(&f, &bytewise_ops);
    address_space_stl_le(&f.as, 0x4004, 0x44332211, A, &r);
    g_assert_cmpuint(r, ==, MEMTX_OK);
    g_assert_cmpstr(f.dev.log->str, ==,
                    "w1@4=0x11;w1@5=0x22;w1@6=0x33;w1@7=0x44;");
    g_string_truncate(f.dev.log, 0);
    /* An 8-byte guest access: two valid 4-byte ones, bytes each. */
    g_assert_cmpuint(address_space_ldq_le(&f.as, 0x4000, A, &r), ==,
                     UINT64_C(0x4433221100000000));
    g_assert_cmpuint(r, ==, MEMTX_OK);
    g_assert_cmpstr(f.dev.log->str, ==,
                    "r1@0;r1@1;r1@2;r1@3;r1@4;r1@5;r1@6;r1@7;");
    g_string_truncate(f.dev.log, 0);
    /* Unaligned 4 bytes at 5: split into 1 + 2 + 1 aligned accesses. */
    g_assert_cmpuint(address_space_ldl_le(&f.as, 0x4005, A, &r), ==,
                     0x443322);
    g_assert_cmpstr(f.dev.log->str, ==, "r1@5;r1@6;r1@7;r1@8;");
    rw_teardown(&f);
}

static void test_rw_io_split_dwords(void)
{
    RwFixture f;
    MemTxResult r;

    rw_setup(&f, &dword_ops);
    address_space_stq_le(&f.as, 0x4008, UINT64_C(0x8877665544332211), A, &r);
    g_assert_cmpuint(r, ==, MEMTX_OK);
    g_assert_cmpstr(f.dev.log->str, ==,
                    "w4@8=0x44332211;w4@12=0x88776655;");
    g_string_truncate(f.dev.log, 0);
    /* Too small for the device: decode error, no callback. */
    g_assert_cmpuint(address_space_lduw_le(&f.as, 0x4008, A, &r), ==, 0);
    g_assert_cmpuint(r, ==, MEMTX_DECODE_ERROR);
    address_space_stb(&f.as, 0x4008, 0xff, A, &r);
    g_assert_cmpuint(r, ==, MEMTX_DECODE_ERROR);
    g_assert_cmpstr(f.dev.log->str, ==, "");
    g_assert_cmpuint(address_space_ldl_le(&f.as, 0x400c, A, &r), ==,
                     0x88776655);
    g_assert_cmpuint(r, ==, MEMTX_OK);
    rw_teardown(&f);
}

static void test_rw_io_widen(void)
{
    RwFixture f;
    MemTxResult r;

    rw_setup(&f, &widen_ops);
    f.dev.regs[4] = 0x11;
    f.dev.regs[5] = 0x22;
    f.dev.regs[6] = 0x33;
    /* A byte read at 5 is made as one 4-byte read at 5, bytes extracted. */
    g_assert_cmpuint(address_space_ldub(&f.as, 0x4005, A, &r), ==, 0x22);
    g_assert_cmpuint(r, ==, MEMTX_OK);
    g_assert_cmpstr(f.dev.log->str, ==, "r4@5;");
    rw_teardown(&f);
}

static void test_rw_readonly_ram(void)
{
    RwFixture f;
    MemTxResult r;
    uint8_t *h1;

    rw_setup(&f, &bytewise_ops);
    h1 = memory_region_get_ram_ptr(&f.ram1);
    h1[0] = 7;
    memory_region_set_readonly(&f.ram1, true);
    address_space_stb(&f.as, 0x1000, 9, A, &r);
    g_assert_cmpuint(r, ==, MEMTX_ERROR);
    g_assert_cmpuint(h1[0], ==, 7);
    g_assert_cmpuint(address_space_ldub(&f.as, 0x1000, A, &r), ==, 7);
    g_assert_cmpuint(r, ==, MEMTX_OK);
    rw_teardown(&f);
}

/* --- RAM helpers --- */

static void test_ram_alias_ptr_and_find(void)
{
    MemoryRegion root, ram, alias1, alias2;
    AddressSpace as;
    MemoryRegionSection s;
    uint8_t *host;

    memory_region_init(&root, NULL, "root", 0x100000);
    g_assert_true(memory_region_init_ram(&ram, NULL, "ram", 0x10000,
                                         NULL));
    memory_region_init_alias(&alias1, NULL, "alias1", &ram, 0x1000, 0x8000);
    memory_region_init_alias(&alias2, NULL, "alias2", &alias1, 0x100, 0x100);
    host = memory_region_get_ram_ptr(&ram);
    g_assert_true(memory_region_get_ram_ptr(&alias2) == host + 0x1100);
    g_assert_cmpuint(memory_region_get_ram_addr(&alias2), ==,
                     memory_region_get_ram_addr(&ram) + 0x1100);
    memory_region_add_subregion(&root, 0x40000, &alias2);
    address_space_init(&as, &root, "as");
    host[0x1100 + 0x10] = 0x77;
    g_assert_cmpuint(address_space_ldub(&as, 0x40010, A, NULL), ==, 0x77);

    s = memory_region_find(&root, 0x40000 - 0x10, 0x20);
    g_assert_true(s.mr == &ram);
    g_assert_cmpuint(s.offset_within_address_space, ==, 0x40000);
    g_assert_cmpuint(s.offset_within_region, ==, 0x1100);
    g_assert_cmpuint(s.size, ==, 0x10);
    g_assert_true(memory_region_is_mapped(&ram));
    memory_region_unref(s.mr);
    s = memory_region_find(&root, 0x50000, 0x10);
    g_assert_null(s.mr);

    address_space_destroy(&as);
    memory_region_finalize(&root);
    memory_region_finalize(&alias2);
    memory_region_finalize(&alias1);
    memory_region_finalize(&ram);
}

static void test_ram_resize_updates_view(void)
{
    GString *log = g_string_new("");
    MemoryRegion root, ram;
    AddressSpace as;
    LogListener l;
    GError *err = NULL;

    memory_region_init(&root, NULL, "root", 0x100000);
    g_assert_true(memory_region_init_resizeable_ram(&ram, NULL, "rram",
                                                    0x2000, 0x8000, NULL,
                                                    NULL));
    memory_region_add_subregion(&root, 0x10000, &ram);
    address_space_init(&as, &root, "as");
    log_listener_init(&l, 'X', 0, log);
    memory_listener_register(&l.ml, &as);
    g_string_truncate(log, 0);
    g_assert_cmpint(memory_region_ram_resize(&ram, 0x4000, NULL),
                    ==, 0);
    g_assert_cmpuint(memory_region_size(&ram), ==, 0x4000);
    g_assert_cmpstr(log->str, ==, "X:begin;X:del:rram@0x10000+0x2000;"
                    "X:add:rram@0x10000+0x4000;X:commit;");
    g_string_truncate(log, 0);
    g_assert_cmpint(memory_region_ram_resize(&ram, 0x10000, &err), <, 0);
    g_assert_nonnull(err);
    g_clear_error(&err);
    g_assert_cmpuint(memory_region_size(&ram), ==, 0x4000);
    g_assert_cmpstr(log->str, ==, "");
    g_assert_cmpint(memory_region_ram_resize(&root, 0x10, &err), ==,
                    -EINVAL);
    g_clear_error(&err);

    address_space_destroy(&as);
    memory_region_finalize(&root);
    memory_region_finalize(&ram);
    g_string_free(log, true);
}

static void test_ram_ptr_region(void)
{
    MemoryRegion mr;
    void *buf = g_malloc0(0x1000);

    g_assert_true(memory_region_init_ram_ptr(&mr, NULL, "ptr", 0x1000, buf,
                                             NULL));
    g_assert_true(memory_region_is_ram(&mr));
    g_assert_true(memory_region_get_ram_ptr(&mr) == buf);
    memory_region_finalize(&mr);
    g_assert_cmpuint(fake_ram_blocks_live, ==, 0);
    g_free(buf);
}

/* --- Discard manager attachment --- */

static void test_set_rdm_refusals(void)
{
    MemoryRegion root, ram, io;
    RamDiscardBitmap rdb, other;
    AddressSpace as;

    memory_region_init(&root, NULL, "root", 0x1000000);
    g_assert_true(memory_region_init_ram(&ram, NULL, "ram", 0x100000,
                                         NULL));
    memory_region_init_io(&io, NULL, &bytewise_ops, NULL, "io", 0x100);
    ram_discard_bitmap_init(&rdb, &ram, 0x10000);
    ram_discard_bitmap_init(&other, &ram, 0x10000);
    address_space_init(&as, &root, "as");

    g_assert_cmpint(memory_region_set_ram_discard_manager(&io, &rdb.rdm),
                    ==, -EINVAL);
    g_assert_cmpint(memory_region_set_ram_discard_manager(&root, &rdb.rdm),
                    ==, -EINVAL);
    memory_region_add_subregion(&root, 0, &ram);
    g_assert_cmpint(memory_region_set_ram_discard_manager(&ram, &rdb.rdm),
                    ==, -EBUSY);
    g_assert_false(memory_region_has_ram_discard_manager(&ram));
    memory_region_del_subregion(&root, &ram);
    g_assert_cmpint(memory_region_set_ram_discard_manager(&ram, &rdb.rdm),
                    ==, 0);
    g_assert_true(memory_region_get_ram_discard_manager(&ram) == &rdb.rdm);
    g_assert_cmpint(memory_region_set_ram_discard_manager(&ram, &other.rdm),
                    ==, -EBUSY);
    g_assert_true(memory_region_get_ram_discard_manager(&ram) == &rdb.rdm);
    g_assert_cmpint(memory_region_set_ram_discard_manager(&ram, NULL),
                    ==, 0);
    g_assert_false(memory_region_has_ram_discard_manager(&ram));

    address_space_destroy(&as);
    ram_discard_bitmap_destroy(&rdb);
    ram_discard_bitmap_destroy(&other);
    memory_region_finalize(&root);
    memory_region_finalize(&ram);
    memory_region_finalize(&io);
}

/* --- Re-entrancy guard and memory_region_dispatch_* (issue 15.6) --- */

typedef struct ReentDev {
    AddressSpace *as;
    hwaddr target;          /* where a write to offset 0 writes to */
    unsigned calls;         /* callbacks entered */
    MemTxResult nested;     /* result of the nested write */
} ReentDev;

static uint64_t reent_read(void *opaque, hwaddr addr, unsigned size)
{
    ReentDev *d = opaque;

    d->calls++;
    return 0x5a;
}

static void reent_write(void *opaque, hwaddr addr, uint64_t val,
                        unsigned size)
{
    ReentDev *d = opaque;
    uint8_t b = 1;

    d->calls++;
    if (addr == 0) {
        d->nested = address_space_write(d->as, d->target,
                                        MEMTXATTRS_UNSPECIFIED, &b, 1);
    }
}

static const MemoryRegionOps reent_ops = {
    .read = reent_read,
    .write = reent_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

static void test_reentrancy_guard(void)
{
    MemoryRegion root, a, b, c;
    AddressSpace as;
    /* Owners are opaque to the memory core: any distinct pointers. */
    static int owner_a, owner_b;
    ReentDev da = { &as }, db = { &as }, dc = { &as };
    uint8_t one = 1;

    memory_region_init(&root, NULL, "root", UINT64_MAX);
    memory_region_init_io(&a, (struct Object *)&owner_a, &reent_ops, &da, "a",
                          0x10);
    memory_region_init_io(&b, (struct Object *)&owner_b, &reent_ops, &db, "b",
                          0x10);
    memory_region_init_io(&c, NULL, &reent_ops, &dc, "c", 0x10);
    memory_region_add_subregion(&root, 0x1000, &a);
    memory_region_add_subregion(&root, 0x2000, &b);
    memory_region_add_subregion(&root, 0x3000, &c);
    address_space_init(&as, &root, "as");

    /* A device's DMA onto its own register is dropped. */
    da.target = 0x1004;
    g_assert_cmphex(address_space_write(&as, 0x1000, MEMTXATTRS_UNSPECIFIED,
                                        &one, 1), ==, MEMTX_OK);
    g_assert_cmpuint(da.calls, ==, 1);
    g_assert_cmphex(da.nested, ==, MEMTX_ACCESS_ERROR);

    /* Onto another device: allowed; and back (a -> b -> a): dropped. */
    da.calls = 0;
    da.target = 0x2000;
    db.target = 0x1004;
    g_assert_cmphex(address_space_write(&as, 0x1000, MEMTXATTRS_UNSPECIFIED,
                                        &one, 1), ==, MEMTX_OK);
    g_assert_cmpuint(da.calls, ==, 1);
    g_assert_cmpuint(db.calls, ==, 1);
    g_assert_cmphex(da.nested, ==, MEMTX_OK);
    g_assert_cmphex(db.nested, ==, MEMTX_ACCESS_ERROR);

    /* The guard is released: the next access goes through. */
    da.target = 0x3004;
    g_assert_cmphex(address_space_write(&as, 0x1000, MEMTXATTRS_UNSPECIFIED,
                                        &one, 1), ==, MEMTX_OK);
    g_assert_cmphex(da.nested, ==, MEMTX_OK);
    g_assert_cmpuint(dc.calls, ==, 1);

    /* Regions without an owner are not guarded. */
    dc.calls = 0;
    dc.target = 0x3004;
    g_assert_cmphex(address_space_write(&as, 0x3000, MEMTXATTRS_UNSPECIFIED,
                                        &one, 1), ==, MEMTX_OK);
    g_assert_cmpuint(dc.calls, ==, 2);
    g_assert_cmphex(dc.nested, ==, MEMTX_OK);

    address_space_destroy(&as);
    memory_region_finalize(&root);
    memory_region_finalize(&a);
    memory_region_finalize(&b);
    memory_region_finalize(&c);
}

static void test_dispatch_direct(void)
{
    MemoryRegion io, container;
    ReentDev d = { NULL };
    uint64_t v = 7;

    memory_region_init_io(&io, NULL, &reent_ops, &d, "io", 0x10);
    memory_region_init(&container, NULL, "container", 0x10);
    g_assert_cmphex(memory_region_dispatch_read(&io, 4, &v, 4,
                                                MEMTXATTRS_UNSPECIFIED),
                    ==, MEMTX_OK);
    g_assert_cmphex(v, ==, 0x5a);
    g_assert_cmphex(memory_region_dispatch_write(&io, 4, 1, 2,
                                                 MEMTXATTRS_UNSPECIFIED),
                    ==, MEMTX_OK);
    g_assert_cmpuint(d.calls, ==, 2);
    /* Out of range (also where offset + size wraps), bad size, unaligned
     * or not an I/O region: refused, the device is not called. */
    g_assert_cmphex(memory_region_dispatch_read(&io, 0x10, &v, 1,
                                                MEMTXATTRS_UNSPECIFIED),
                    ==, MEMTX_DECODE_ERROR);
    g_assert_cmphex(v, ==, 0);
    g_assert_cmphex(memory_region_dispatch_read(&io, UINT64_MAX - 1, &v, 4,
                                                MEMTXATTRS_UNSPECIFIED),
                    ==, MEMTX_DECODE_ERROR);
    g_assert_cmphex(memory_region_dispatch_write(&io, 0xe, 0, 4,
                                                 MEMTXATTRS_UNSPECIFIED),
                    ==, MEMTX_DECODE_ERROR);
    g_assert_cmphex(memory_region_dispatch_write(&io, 0, 0, 3,
                                                 MEMTXATTRS_UNSPECIFIED),
                    ==, MEMTX_DECODE_ERROR);
    g_assert_cmphex(memory_region_dispatch_write(&io, 1, 0, 2,
                                                 MEMTXATTRS_UNSPECIFIED),
                    ==, MEMTX_DECODE_ERROR);
    g_assert_cmphex(memory_region_dispatch_read(&container, 0, &v, 4,
                                                MEMTXATTRS_UNSPECIFIED),
                    ==, MEMTX_DECODE_ERROR);
    g_assert_cmpuint(d.calls, ==, 2);
    memory_region_finalize(&io);
    memory_region_finalize(&container);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory/listener/priority-order",
                    test_listener_priority_order);
    g_test_add_func("/memory/listener/late-register-and-unregister",
                    test_listener_late_and_unregister);
    g_test_add_func("/memory/listener/graph-change-in-callback-aborts",
                    test_listener_graph_change_aborts);
    g_test_add_func("/memory/transaction/nested-commit-renders-once",
                    test_transaction_renders_once);
    g_test_add_func("/memory/flatview/adjacent-pieces-merge",
                    test_render_adjacent_pieces_merge);
    g_test_add_func("/memory/rw/reentrancy-guard", test_reentrancy_guard);
    g_test_add_func("/memory/rw/dispatch-direct", test_dispatch_direct);
    g_test_add_func("/memory/rw/ram-across-boundary",
                    test_rw_ram_across_boundary);
    g_test_add_func("/memory/rw/ram-write-marks-dirty-log",
                    test_rw_ram_write_marks_dirty_log);
    g_test_add_func("/memory/rw/unassigned-reads-zero-decode-error",
                    test_rw_unassigned);
    g_test_add_func("/memory/rw/out-of-range", test_rw_out_of_range);
    g_test_add_func("/memory/rw/top-of-address-space-reachable",
                    test_rw_top_of_address_space);
    g_test_add_func("/memory/rw/io-split-into-bytes",
                    test_rw_io_split_bytes);
    g_test_add_func("/memory/rw/io-split-into-dwords",
                    test_rw_io_split_dwords);
    g_test_add_func("/memory/rw/io-widened-to-impl-min",
                    test_rw_io_widen);
    g_test_add_func("/memory/rw/readonly-ram-refuses-writes",
                    test_rw_readonly_ram);
    g_test_add_func("/memory/ram/alias-of-alias-ptr-and-find",
                    test_ram_alias_ptr_and_find);
    g_test_add_func("/memory/ram/resize-updates-view",
                    test_ram_resize_updates_view);
    g_test_add_func("/memory/ram/ptr-region", test_ram_ptr_region);
    g_test_add_func("/memory/rdm/set-refusals", test_set_rdm_refusals);
    return g_test_run();
}
