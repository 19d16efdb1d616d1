/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ioeventfds of the memory API (softmmu/memory-ioeventfd.c): a listener
 * sees each registration at the address where the FlatView shows its
 * region, appearing and vanishing with the region, moving with it, and
 * replayed on register/unregister.
 */
#include "qemu/osdep.h"
#include "exec/memory.h"

typedef struct Seen {
    MemoryListener ml;
    GString *log;
} Seen;

static void seen_add(MemoryListener *ml, MemoryRegionSection *s,
                     bool match, uint64_t data, int fd)
{
    g_string_append_printf(container_of(ml, Seen, ml)->log,
                           "+%" PRIx64 "/%" PRIu64 "/%d ",
                           s->offset_within_address_space, s->size, fd);
}

static void seen_del(MemoryListener *ml, MemoryRegionSection *s,
                     bool match, uint64_t data, int fd)
{
    g_string_append_printf(container_of(ml, Seen, ml)->log,
                           "-%" PRIx64 "/%" PRIu64 "/%d ",
                           s->offset_within_address_space, s->size, fd);
}

static uint64_t rd(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void wr(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
    (*(unsigned *)opaque)++;
}

static const MemoryRegionOps ops = {
    .read = rd, .write = wr, .endianness = DEVICE_LITTLE_ENDIAN,
};

/* The log since the last call. */
static char *take(Seen *s)
{
    char *out = g_strdup(g_strstrip(s->log->str));

    g_string_truncate(s->log, 0);
    return out;
}

static void test_follow_region(void)
{
    MemoryRegion root, bar, notify;
    AddressSpace as;
    Seen s = { .ml = { .eventfd_add = seen_add, .eventfd_del = seen_del },
               .log = g_string_new("") };
    unsigned writes = 0;
    uint16_t val = 1;
    g_autofree char *log = NULL;

    memory_region_init(&root, NULL, "root", 0x100000);
    address_space_init(&as, &root, "test");
    memory_region_init(&bar, NULL, "bar", 0x4000);
    memory_region_init_io(&notify, NULL, &ops, &writes, "notify", 0x1000);
    memory_region_add_subregion(&bar, 0x3000, &notify);
    memory_listener_register(&s.ml, &as);

    memory_region_add_eventfd(&notify, 4, 0, false, 0, 7);
    g_assert_cmpstr((log = take(&s)), ==, "");         /* not mapped yet */
    g_clear_pointer(&log, g_free);
    memory_region_add_subregion(&root, 0x10000, &bar);
    g_assert_cmpstr((log = take(&s)), ==, "+13004/0/7");
    g_clear_pointer(&log, g_free);

    /* No accelerator consumes it here: the write still reaches the region. */
    address_space_write(&as, 0x13004, MEMTXATTRS_UNSPECIFIED, &val, 2);
    g_assert_cmpuint(writes, ==, 1);

    memory_region_set_address(&bar, 0x20000);
    g_assert_cmpstr((log = take(&s)), ==, "-13004/0/7 +23004/0/7");
    g_clear_pointer(&log, g_free);

    memory_listener_unregister(&s.ml);
    g_assert_cmpstr((log = take(&s)), ==, "-23004/0/7");
    g_clear_pointer(&log, g_free);
    memory_listener_register(&s.ml, &as);
    g_assert_cmpstr((log = take(&s)), ==, "+23004/0/7");
    g_clear_pointer(&log, g_free);

    memory_region_del_eventfd(&notify, 4, 0, false, 0, 7);
    g_assert_cmpstr((log = take(&s)), ==, "-23004/0/7");
    g_clear_pointer(&log, g_free);

    memory_region_add_eventfd(&notify, 8, 2, true, 3, 9);
    memory_region_set_enabled(&bar, false);
    g_assert_cmpstr((log = take(&s)), ==, "+23008/2/9 -23008/2/9");
    g_clear_pointer(&log, g_free);
    memory_region_del_eventfd(&notify, 8, 2, true, 3, 9);

    memory_listener_unregister(&s.ml);
    memory_region_del_subregion(&root, &bar);
    memory_region_del_subregion(&bar, &notify);
    memory_region_finalize(&notify);
    memory_region_finalize(&bar);
    address_space_destroy(&as);
    memory_region_finalize(&root);
    g_string_free(s.log, true);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/memory/ioeventfd/follows-the-region-in-the-view",
                    test_follow_region);
    return g_test_run();
}
