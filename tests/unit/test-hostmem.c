/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory backends through include/sysemu/hostmem.h and the user-creatable
 * functions, with the kernel as the witness: VmFlags in /proc/self/smaps
 * for merge/dump, numa_maps for the policy, mincore for prealloc, memfd
 * seals, a forked child for read-only mappings, st_blocks for
 * discard-data.
 */
#include "qemu/osdep.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "qapi/error.h"
#include "qemu/mmap-alloc.h"
#include "qom/object_interfaces.h"
#include "sysemu/hostmem.h"
#include "host-observe.h"

static HostMemoryBackend *add_backend(const char *type, const char *id,
                                      const char *json, GError **errp)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *props;
    Object *obj;

    g_assert_true(json_parser_load_from_data(parser, json, -1, NULL));
    props = json_node_get_object(json_parser_get_root(parser));
    obj = user_creatable_add_type(type, id, props, errp);
    return obj ? MEMORY_BACKEND(obj) : NULL;
}

static HostMemoryBackend *add_ok(const char *type, const char *id,
                                 const char *json)
{
    g_autoptr(GError) err = NULL;
    HostMemoryBackend *b = add_backend(type, id, json, &err);

    g_assert_no_error(err);
    g_assert_nonnull(b);
    return b;
}

static void del_ok(const char *id)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(user_creatable_del(id, &err));
    g_assert_no_error(err);
}

static void *backend_ptr(HostMemoryBackend *b)
{
    return memory_region_get_ram_ptr(host_memory_backend_get_memory(b));
}

/* The VmFlags line of the VMA containing @addr (caller frees), or NULL. */
static char *vma_flags(void *addr)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    bool inside = false;

    g_assert_true(g_file_get_contents("/proc/self/smaps", &text, NULL,
                                      NULL));
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        unsigned long start, end;

        if (sscanf(*l, "%lx-%lx ", &start, &end) == 2 && strchr(*l, '-') &&
            !g_str_has_prefix(*l, "VmFlags")) {
            inside = (uintptr_t)addr >= start && (uintptr_t)addr < end;
        } else if (inside && g_str_has_prefix(*l, "VmFlags:")) {
            return g_strconcat(*l, " ", NULL);
        }
    }
    return NULL;
}

static bool vma_has_flag(void *addr, const char *flag)
{
    g_autofree char *flags = vma_flags(addr);
    g_autofree char *needle = g_strdup_printf(" %s ", flag);

    g_assert_nonnull(flags);
    return strstr(flags, needle) != NULL;
}

static void test_block_named_after_id(void)
{
    HostMemoryBackend *b = add_ok(TYPE_MEMORY_BACKEND_RAM, "named",
                                  "{\"size\": 4194304}");
    RAMBlock *rb = host_memory_backend_get_ram_block(b);

    g_assert_nonnull(rb);
    g_assert_cmpstr(qemu_ram_get_idstr(rb), ==, "named");
    g_assert_true(qemu_ram_block_by_name("named") == rb);
    g_assert_cmpuint(qemu_ram_get_used_length(rb), ==, 4 * MiB);
    g_assert_cmpuint(host_memory_backend_pagesize(b), ==,
                     qemu_real_host_page_size());
    del_ok("named");
    g_assert_null(qemu_ram_block_by_name("named"));
}

static void test_noreserve_refused_in_mode_2(void)
{
    g_autoptr(GError) err = NULL;

    qemu_mmap_alloc_set_overcommit_mode_for_test(2);
    g_assert_null(add_backend(TYPE_MEMORY_BACKEND_RAM, "nr",
                              "{\"size\": 1048576, \"reserve\": false}",
                              &err));
    qemu_mmap_alloc_set_overcommit_mode_for_test(-1);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "reserve=off is not supported"));
    g_assert_null(object_resolve_path_component(object_get_objects_root(),
                                                "nr"));
    g_assert_null(qemu_ram_block_by_name("nr"));
}

static void test_in_use_refuses_del(void)
{
    HostMemoryBackend *b = add_ok(TYPE_MEMORY_BACKEND_RAM, "used",
                                  "{\"size\": 1048576}");
    g_autoptr(GError) err = NULL;

    host_memory_backend_set_mapped(b, true);
    g_assert_true(host_memory_backend_is_mapped(b));
    g_assert_false(user_creatable_del("used", &err));
    g_assert_cmpstr(err->message, ==,
                    "object 'used' is in use, can not be deleted");
    host_memory_backend_set_mapped(b, false);
    del_ok("used");
}

static void test_claim_find(void)
{
    g_autoptr(GError) err = NULL;
    HostMemoryBackend *b = add_ok(TYPE_MEMORY_BACKEND_RAM, "pc.ram",
                                  "{\"size\": 8388608}");

    g_assert_true(host_memory_backend_find("pc.ram", NULL) == b);
    g_assert_true(host_memory_backend_find("/objects/pc.ram", NULL) == b);
    g_assert_null(host_memory_backend_find("nope", &err));
    g_assert_cmpstr(err->message, ==, "Memory backend 'nope' not found");
    g_clear_error(&err);
    g_assert_cmpstr(qemu_ram_get_idstr(host_memory_backend_get_ram_block(b)),
                    ==, "pc.ram");
    g_assert_true(host_memory_backend_claim(b, NULL));
    g_assert_false(host_memory_backend_claim(b, &err));
    g_assert_cmpstr(err->message, ==,
                    "can't use already busy memdev: pc.ram");
    g_assert_false(user_creatable_del("pc.ram", NULL));
    host_memory_backend_set_mapped(b, false);
    del_ok("pc.ram");
}

/*
 * A private ram backend's usable size follows its consumer: the prefix
 * keeps its data, the tail becomes inaccessible and comes back zeroed.
 */
static void test_usable_size_private_ram(void)
{
    HostMemoryBackend *b = add_ok(TYPE_MEMORY_BACKEND_RAM, "us",
                                  "{\"size\": 8388608}");
    RAMBlock *rb = host_memory_backend_get_ram_block(b);
    g_autoptr(GError) err = NULL;
    uint8_t *p = backend_ptr(b);

    g_assert_true(host_memory_backend_can_set_usable_size(b));
    g_assert_cmphex(host_memory_backend_get_usable_size(b), ==, 8 * MiB);
    g_assert_true(host_memory_backend_claim(b, NULL));
    memset(p, 0x5a, 8 * MiB);
    g_assert_true(host_memory_backend_set_usable_size(b, 2 * MiB, &err));
    g_assert_no_error(err);
    g_assert_cmphex(host_memory_backend_get_usable_size(b), ==, 2 * MiB);
    g_assert_cmphex(qemu_ram_get_used_length(rb), ==, 2 * MiB);
    g_assert_cmphex(memory_region_size(host_memory_backend_get_memory(b)),
                    ==, 2 * MiB);
    g_assert_true(host_memory_backend_set_usable_size(b, 8 * MiB, &err));
    g_assert_cmphex(p[2 * MiB - 1], ==, 0x5a);
    g_assert_cmphex(p[2 * MiB], ==, 0);
    g_assert_cmphex(p[8 * MiB - 1], ==, 0);

    /* Out of range or not a page multiple: refused, nothing changed. */
    g_assert_false(host_memory_backend_set_usable_size(b, 0, &err));
    g_clear_error(&err);
    g_assert_false(host_memory_backend_set_usable_size(b, 16 * MiB, &err));
    g_clear_error(&err);
    g_assert_false(host_memory_backend_set_usable_size(b, 1 * MiB + 1, &err));
    g_clear_error(&err);
    g_assert_cmphex(host_memory_backend_get_usable_size(b), ==, 8 * MiB);
    host_memory_backend_set_mapped(b, false);
    del_ok("us");
}

/* Shared memory is always whole: only the current size is accepted. */
static void test_usable_size_fixed_backend(void)
{
    HostMemoryBackend *b = add_ok(TYPE_MEMORY_BACKEND_MEMFD, "usf",
                                  "{\"size\": 4194304}");
    g_autoptr(GError) err = NULL;

    g_assert_false(host_memory_backend_can_set_usable_size(b));
    g_assert_true(host_memory_backend_claim(b, NULL));
    g_assert_true(host_memory_backend_set_usable_size(b, 4 * MiB, NULL));
    g_assert_false(host_memory_backend_set_usable_size(b, 2 * MiB, &err));
    g_assert_cmpstr(err->message, ==,
                    "memory backend 'usf' cannot change its usable size");
    g_assert_cmphex(host_memory_backend_get_usable_size(b), ==, 4 * MiB);
    host_memory_backend_set_mapped(b, false);
    del_ok("usf");
}

static void test_frozen_after_complete(void)
{
    HostMemoryBackend *b = add_ok(TYPE_MEMORY_BACKEND_MEMFD, "frz",
                                  "{\"size\": 1048576}");
    /* QEMU 7.2's wording differs per property; see hostmem-internal.h */
    static const struct {
        const char *name;
        const char *msg;
    } frozen[] = {
        { "size", "cannot change property size of memory-backend-memfd " },
        { "share", "cannot change property value" },
        { "reserve", "cannot change property value" },
        { "hugetlb", "cannot change property value" },
        { "seal", "cannot change property value" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(frozen); i++) {
        g_autoptr(GError) err = NULL;
        bool ok = !strcmp(frozen[i].name, "size") ?
            object_property_set_uint(OBJECT(b), "size", 2 * MiB, &err) :
            object_property_set_bool(OBJECT(b), frozen[i].name, false,
                                     &err);

        g_assert_false(ok);
        g_assert_cmpstr(err->message, ==, frozen[i].msg);
    }
    g_assert_cmpuint(b->size, ==, MiB);
    g_assert_true(b->share);
    g_assert_true(b->reserve);
    del_ok("frz");
}

static void test_dump_off_sets_dontdump(void)
{
    HostMemoryBackend *b = add_ok(TYPE_MEMORY_BACKEND_RAM, "nodump",
                                  "{\"size\": 4194304, \"dump\": false}");

    g_assert_true(vma_has_flag(backend_ptr(b), "dd"));
    g_assert_true(object_property_set_bool(OBJECT(b), "dump", true, NULL));
    g_assert_false(vma_has_flag(backend_ptr(b), "dd"));
    del_ok("nodump");
}

static void test_merge_sets_mergeable(void)
{
    HostMemoryBackend *b;

    if (!g_file_test("/sys/kernel/mm/ksm", G_FILE_TEST_IS_DIR)) {
        g_test_skip("kernel without KSM");
        return;
    }
    b = add_ok(TYPE_MEMORY_BACKEND_RAM, "mrg", "{\"size\": 4194304}");
    g_assert_true(vma_has_flag(backend_ptr(b), "mg"));
    g_assert_true(object_property_set_bool(OBJECT(b), "merge", false, NULL));
    g_assert_false(vma_has_flag(backend_ptr(b), "mg"));
    del_ok("mrg");
}

static void test_prealloc_populates(void)
{
    HostMemoryBackend *b = add_ok(TYPE_MEMORY_BACKEND_RAM, "pre",
                                  "{\"size\": 16777216, \"prealloc\": true,"
                                  " \"prealloc-threads\": 2}");
    HostMemoryBackend *lazy = add_ok(TYPE_MEMORY_BACKEND_RAM, "lazy",
                                     "{\"size\": 16777216}");
    size_t pages = 16 * MiB / qemu_real_host_page_size();

    g_assert_cmpuint(host_resident_pages(backend_ptr(b), 16 * MiB), ==,
                     pages);
    g_assert_cmpuint(host_resident_pages(backend_ptr(lazy), 16 * MiB), <,
                     pages / 2);
    del_ok("pre");
    del_ok("lazy");
}

static void test_policy_bind_node0(void)
{
    g_autofree char *text = NULL;
    g_autofree char *needle = NULL;
    HostMemoryBackend *b;

    if (!g_file_test("/sys/devices/system/node/node0", G_FILE_TEST_IS_DIR) ||
        !g_file_get_contents("/proc/self/numa_maps", &text, NULL, NULL)) {
        g_test_skip("host without NUMA support (no node0 or numa_maps)");
        return;
    }
    g_clear_pointer(&text, g_free);
    b = add_ok(TYPE_MEMORY_BACKEND_RAM, "bound",
               "{\"size\": 4194304, \"policy\": \"bind\","
               " \"host-nodes\": [0]}");
    g_assert_true(g_file_get_contents("/proc/self/numa_maps", &text, NULL,
                                      NULL));
    needle = g_strdup_printf("%lx bind:0", (unsigned long)backend_ptr(b));
    g_assert_nonnull(strstr(text, needle));
    del_ok("bound");
}

static void test_missing_node_refused(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(add_backend(TYPE_MEMORY_BACKEND_RAM, "nonode",
                              "{\"size\": 1048576, \"policy\": \"bind\","
                              " \"host-nodes\": [127]}", &err));
    g_assert_nonnull(strstr(err->message,
                            "cannot bind memory to host NUMA nodes"));
    g_assert_null(qemu_ram_block_by_name("nonode"));
}

static void test_memfd_seals(void)
{
    HostMemoryBackend *s = add_ok(TYPE_MEMORY_BACKEND_MEMFD, "sealed",
                                  "{\"size\": 2097152}");
    HostMemoryBackend *u = add_ok(TYPE_MEMORY_BACKEND_MEMFD, "unsealed",
                                  "{\"size\": 2097152, \"seal\": false}");
    int fd = qemu_ram_get_fd(host_memory_backend_get_ram_block(s));
    int want = F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL;

    g_assert_true(s->share);
    g_assert_cmpint(fcntl(fd, F_GET_SEALS) & want, ==, want);
    g_assert_cmpint(ftruncate(fd, 4 * MiB), ==, -1);
    fd = qemu_ram_get_fd(host_memory_backend_get_ram_block(u));
    g_assert_cmpint(fcntl(fd, F_GET_SEALS) &
                    (F_SEAL_GROW | F_SEAL_SHRINK), ==, 0);
    del_ok("sealed");
    del_ok("unsealed");
}

static void test_hugetlb_shortage_leaves_nothing(void)
{
    g_autoptr(GError) err = NULL;
    uint64_t page = host_proc_kb("/proc/meminfo", "Hugepagesize") * KiB;
    uint64_t free_pages = host_proc_kb("/proc/meminfo", "HugePages_Free");
    g_autofree char *json = NULL;

    if (!page) {
        g_test_skip("kernel without hugetlbfs");
        return;
    }
    /* HugePages_Free has no unit: host_proc_kb returns the count. */
    json = g_strdup_printf("{\"size\": %" PRIu64 ", \"hugetlb\": true,"
                           " \"prealloc\": true}", (free_pages + 1) * page);
    g_assert_null(add_backend(TYPE_MEMORY_BACKEND_MEMFD, "huge", json,
                              &err));
    g_assert_nonnull(strstr(err->message, "hugetlb"));
    g_assert_null(object_resolve_path_component(object_get_objects_root(),
                                                "huge"));
    g_assert_null(qemu_ram_block_by_name("huge"));
}

static void test_file_readonly_faults_on_write(void)
{
    g_autofree char *dir = g_dir_make_tmp("hostmem-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "ro", NULL);
    g_autofree char *json = NULL;
    HostMemoryBackend *b;
    int fd = open(path, O_CREAT | O_RDWR, 0600);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, MiB), ==, 0);
    g_assert_cmpint(pwrite(fd, "x", 1, 0), ==, 1);
    close(fd);
    json = g_strdup_printf("{\"size\": 1048576, \"readonly\": true,"
                           " \"mem-path\": \"%s\"}", path);
    b = add_ok(TYPE_MEMORY_BACKEND_FILE, "ro", json);
    g_assert_cmpint(((char *)backend_ptr(b))[0], ==, 'x');
    g_assert_false(host_access_segfaults(backend_ptr(b), false));
    g_assert_true(host_access_segfaults(backend_ptr(b), true));
    del_ok("ro");
    unlink(path);
    rmdir(dir);
}

static void test_file_discard_data(void)
{
    g_autofree char *dir = g_dir_make_tmp("hostmem-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "dd", NULL);
    g_autofree char *json = g_strdup_printf(
        "{\"size\": 4194304, \"share\": true, \"discard-data\": true,"
        " \"mem-path\": \"%s\"}", path);
    HostMemoryBackend *b = add_ok(TYPE_MEMORY_BACKEND_FILE, "dd", json);
    struct stat st;

    memset(backend_ptr(b), 0x5a, 4 * MiB);
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpuint(st.st_blocks * 512, >=, 4 * MiB);
    del_ok("dd");
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpuint(st.st_size, ==, 4 * MiB);
    g_assert_cmpuint(st.st_blocks, ==, 0);
    unlink(path);
    rmdir(dir);
}

/*
 * A step after the allocation fails (here: the RAM block name is taken):
 * the memory must be unmapped again.  VmSize shows it (1 GiB).
 */
static void test_failure_after_alloc_unmaps(void)
{
    g_autoptr(GError) err = NULL;
    RAMBlock *clash = qemu_ram_alloc(MiB, 0, NULL, &err);
    uint64_t before;

    g_assert_no_error(err);
    g_assert_true(qemu_ram_set_idstr(clash, "clash", NULL));
    before = host_proc_kb("/proc/self/status", "VmSize");
    g_assert_null(add_backend(TYPE_MEMORY_BACKEND_RAM, "clash",
                              "{\"size\": 1073741824, \"reserve\": false}",
                              &err));
    g_assert_nonnull(strstr(err->message, "clash"));
    g_assert_cmpuint(host_proc_kb("/proc/self/status", "VmSize"), <,
                     before + 64 * 1024);
    g_assert_null(object_resolve_path_component(object_get_objects_root(),
                                                "clash"));
    qemu_ram_free(clash);
}

static void test_query_list(void)
{
    add_ok(TYPE_MEMORY_BACKEND_RAM, "q0", "{\"size\": 1048576,"
           " \"reserve\": false, \"merge\": false}");
    g_autoptr(JsonArray) list = host_memory_backend_query_list();
    JsonObject *o;

    g_assert_cmpuint(json_array_get_length(list), ==, 1);
    o = json_array_get_object_element(list, 0);
    g_assert_cmpstr(json_object_get_string_member(o, "id"), ==, "q0");
    g_assert_cmpint(json_object_get_int_member(o, "size"), ==, MiB);
    g_assert_false(json_object_get_boolean_member(o, "reserve"));
    g_assert_false(json_object_get_boolean_member(o, "merge"));
    g_assert_true(json_object_get_boolean_member(o, "dump"));
    g_assert_false(json_object_get_boolean_member(o, "share"));
    g_assert_cmpstr(json_object_get_string_member(o, "policy"), ==,
                    "default");
    g_assert_cmpuint(json_array_get_length(
        json_object_get_array_member(o, "host-nodes")), ==, 0);
    del_ok("q0");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    host_memory_backend_register_types();

    g_test_add_func("/backends/ram/block-named-after-id",
                    test_block_named_after_id);
    g_test_add_func("/backends/ram/reserve-off-refused-in-overcommit-2",
                    test_noreserve_refused_in_mode_2);
    g_test_add_func("/backends/in-use/object-del-refused",
                    test_in_use_refuses_del);
    g_test_add_func("/backends/usable-size/private-ram-follows-consumer",
                    test_usable_size_private_ram);
    g_test_add_func("/backends/usable-size/shared-memory-stays-whole",
                    test_usable_size_fixed_backend);
    g_test_add_func("/backends/machine/find-claim",
                    test_claim_find);
    g_test_add_func("/backends/properties/frozen-after-complete",
                    test_frozen_after_complete);
    g_test_add_func("/backends/dump/off-sets-dontdump",
                    test_dump_off_sets_dontdump);
    g_test_add_func("/backends/merge/on-sets-mergeable",
                    test_merge_sets_mergeable);
    g_test_add_func("/backends/prealloc/populates-every-page",
                    test_prealloc_populates);
    g_test_add_func("/backends/policy/bind-node0-in-numa-maps",
                    test_policy_bind_node0);
    g_test_add_func("/backends/policy/missing-node-refused",
                    test_missing_node_refused);
    g_test_add_func("/backends/memfd/sealed-by-default",
                    test_memfd_seals);
    g_test_add_func("/backends/memfd/hugetlb-shortage-leaves-nothing",
                    test_hugetlb_shortage_leaves_nothing);
    g_test_add_func("/backends/file/readonly-faults-on-write",
                    test_file_readonly_faults_on_write);
    g_test_add_func("/backends/file/discard-data-punches-file",
                    test_file_discard_data);
    g_test_add_func("/backends/failure-after-alloc/unmaps-the-memory",
                    test_failure_after_alloc_unmaps);
    g_test_add_func("/backends/query-memdev/fields", test_query_list);
    return g_test_run();
}
