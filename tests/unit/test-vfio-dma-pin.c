/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests of the x-dma-pin object (hw/vfio/dma-pin.h) with the real object
 * model, memory API and RAM blocks.  Pinning is observed in the kernel's
 * own accounting (VmLck in /proc/self/status) and residency (mincore),
 * not in what the object says about itself.
 */
#include "qemu/osdep.h"
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include "exec/ram-discard-manager.h"
#include "hw/vfio/dma-pin.h"
#include "hw/vfio/vfio-container.h"
#include "qom/object-props.h"
#include "qom/object_interfaces.h"
#include "host-observe.h"

#define RAM_SIZE    (16 * MiB)
#define MGD_SIZE    (64 * MiB)
#define BLOCK       (2 * MiB)
#define MGD_BASE    (256 * MiB)
#define ALIAS_BASE  (512 * MiB)

typedef struct Env {
    MemoryRegion root;
    AddressSpace as;
    MemoryRegion ram;
    MemoryRegion mgd;
    MemoryRegion alias;
    RamDiscardBitmap rdb;
} Env;

static uint64_t vmlck(void)
{
    return host_proc_kb("/proc/self/status", "VmLck") * KiB;
}

static void env_init(Env *e)
{
    GError *err = NULL;

    memset(e, 0, sizeof(*e));
    memory_region_init(&e->root, NULL, "system", 1 * GiB);
    address_space_init(&e->as, &e->root, "memory");
    g_assert_true(memory_region_init_ram(&e->ram, NULL, "pc.ram", RAM_SIZE,
                                         &err));
    g_assert_true(memory_region_init_ram_flags_nomigrate(&e->mgd, NULL,
                  "mem0", MGD_SIZE, RAM_NORESERVE, &err));
    g_assert_no_error(err);
    ram_discard_bitmap_init(&e->rdb, &e->mgd, BLOCK);
    g_assert_cmpint(memory_region_set_ram_discard_manager(&e->mgd,
                                                          &e->rdb.rdm), ==, 0);
    memory_region_add_subregion(&e->root, 0, &e->ram);
    memory_region_add_subregion(&e->root, MGD_BASE, &e->mgd);
}

static void env_destroy(Env *e)
{
    vfio_containers_detach_all();
    if (e->ram.container) {
        memory_region_del_subregion(&e->root, &e->ram);
    }
    memory_region_del_subregion(&e->root, &e->mgd);
    address_space_destroy(&e->as);
    ram_discard_bitmap_discard_all(&e->rdb);
    memory_region_set_ram_discard_manager(&e->mgd, NULL);
    ram_discard_bitmap_destroy(&e->rdb);
    memory_region_finalize(&e->mgd);
    memory_region_finalize(&e->ram);
    memory_region_finalize(&e->root);
}

static char *get_json(Object *obj, const char *name)
{
    g_autoptr(JsonNode) node = object_property_get_json(obj, name, NULL);

    g_assert_nonnull(node);
    return json_to_string(node, FALSE);
}

static void test_vmlck_follows_populated(void)
{
    uint64_t base = vmlck();
    g_autofree char *json = NULL;
    GError *err = NULL;
    Object *pin;
    Env e;

    env_init(&e);
    /* Created before the machine published system memory: waits. */
    pin = user_creatable_add_type(TYPE_DMA_PIN, "pin0", NULL, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(vmlck(), ==, base);
    g_assert_false(object_property_get_bool(pin, "attached", NULL));
    json = get_json(pin, "mappings");
    g_assert_cmpstr(json, ==, "[]");
    g_clear_pointer(&json, g_free);

    g_assert_true(vfio_containers_attach_all(&e.as, &err));
    g_assert_no_error(err);
    g_assert_true(object_property_get_bool(pin, "attached", NULL));
    g_assert_cmpuint(vmlck() - base, ==, RAM_SIZE);
    g_assert_cmpuint(host_resident_pages(memory_region_get_ram_ptr(&e.ram),
                                         RAM_SIZE), ==,
                     RAM_SIZE / qemu_real_host_page_size());
    json = get_json(pin, "mappings");
    g_assert_cmpstr(json, ==,
                    "[{\"iova\":0,\"size\":16777216,\"readonly\":false}]");
    g_clear_pointer(&json, g_free);

    /* Plug 8 MiB of the sparse region: only that gets locked. */
    g_assert_cmpint(ram_discard_bitmap_populate(&e.rdb, 0, 4 * BLOCK), ==, 0);
    g_assert_cmpuint(vmlck() - base, ==, RAM_SIZE + 4 * BLOCK);
    g_assert_cmpuint(object_property_get_uint(pin, "locked-size", NULL), ==,
                     RAM_SIZE + 4 * BLOCK);
    /* Unplug one block: exactly it is unlocked. */
    g_assert_cmpint(ram_discard_bitmap_discard(&e.rdb, BLOCK, BLOCK), ==, 0);
    g_assert_cmpuint(vmlck() - base, ==, RAM_SIZE + 3 * BLOCK);
    json = get_json(pin, "mappings");
    g_assert_nonnull(strstr(json, "{\"iova\":268435456,\"size\":2097152,"
                                  "\"readonly\":false}"));
    g_assert_null(strstr(json, "\"iova\":270532608,"));
    g_clear_pointer(&json, g_free);

    /* Unplug everything, then delete: nothing stays locked. */
    ram_discard_bitmap_discard_all(&e.rdb);
    g_assert_cmpuint(vmlck() - base, ==, RAM_SIZE);
    g_assert_true(user_creatable_del("pin0", &err));
    g_assert_no_error(err);
    g_assert_cmpuint(vmlck(), ==, base);
    env_destroy(&e);
}

static void test_aliases_lock_once(void)
{
    uint64_t base = vmlck();
    GError *err = NULL;
    Object *pin;
    Env e;

    env_init(&e);
    g_assert_true(vfio_containers_attach_all(&e.as, &err));
    pin = user_creatable_add_type(TYPE_DMA_PIN, "pin1", NULL, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(vmlck() - base, ==, RAM_SIZE);

    /* The first 4 MiB of RAM seen a second time: still locked once. */
    memory_region_init_alias(&e.alias, NULL, "ram-alias", &e.ram, 0,
                             4 * MiB);
    memory_region_add_subregion(&e.root, ALIAS_BASE, &e.alias);
    g_assert_cmpuint(vmlck() - base, ==, RAM_SIZE);
    g_assert_cmpuint(object_property_get_uint(pin, "locked-size", NULL), ==,
                     RAM_SIZE);
    /* Removing the RAM itself keeps what the alias still maps locked. */
    memory_region_del_subregion(&e.root, &e.ram);
    g_assert_cmpuint(vmlck() - base, ==, 4 * MiB);
    memory_region_del_subregion(&e.root, &e.alias);
    memory_region_finalize(&e.alias);
    g_assert_cmpuint(vmlck(), ==, base);
    g_assert_true(user_creatable_del("pin1", &err));
    env_destroy(&e);
}

static void test_two_objects_share_locks(void)
{
    uint64_t base = vmlck();
    GError *err = NULL;
    Env e;

    env_init(&e);
    g_assert_true(vfio_containers_attach_all(&e.as, &err));
    g_assert_nonnull(user_creatable_add_type(TYPE_DMA_PIN, "pin-a", NULL,
                                             &err));
    g_assert_nonnull(user_creatable_add_type(TYPE_DMA_PIN, "pin-b", NULL,
                                             &err));
    g_assert_no_error(err);
    g_assert_cmpint(ram_discard_bitmap_populate(&e.rdb, 0, BLOCK), ==, 0);
    g_assert_cmpuint(vmlck() - base, ==, RAM_SIZE + BLOCK);
    /* The kernel's lock is per process: pin-b must keep it. */
    g_assert_true(user_creatable_del("pin-a", &err));
    g_assert_cmpuint(vmlck() - base, ==, RAM_SIZE + BLOCK);
    g_assert_true(user_creatable_del("pin-b", &err));
    g_assert_no_error(err);
    g_assert_cmpuint(vmlck(), ==, base);
    env_destroy(&e);
}

static void test_limit_refused_at_creation(void)
{
    g_autoptr(JsonObject) props = json_object_new();
    GError *err = NULL;
    Env e;

    env_init(&e);
    g_assert_true(vfio_containers_attach_all(&e.as, &err));
    /* 64 MiB in 2 MiB blocks needs up to 32 mappings, plus the RAM. */
    json_object_set_int_member(props, "max-mappings", 32);
    g_assert_null(user_creatable_add_type(TYPE_DMA_PIN, "pin2", props, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "block-size"));
    g_clear_error(&err);
    g_assert_null(object_resolve_path("/objects/pin2", NULL));
    /* Nothing stayed behind: plain discard may be required again. */
    g_assert_cmpint(ram_block_discard_require(true), ==, 0);
    g_assert_cmpint(ram_block_discard_require(false), ==, 0);

    json_object_set_int_member(props, "max-mappings", 33);
    g_assert_nonnull(user_creatable_add_type(TYPE_DMA_PIN, "pin2", props,
                                             &err));
    g_assert_no_error(err);
    g_assert_true(user_creatable_del("pin2", &err));
    env_destroy(&e);
}

/* In a child without CAP_IPC_LOCK and a 64 KiB RLIMIT_MEMLOCK. */
static int mlock_failure_child(void)
{
    struct __user_cap_header_struct hdr = {
        .version = _LINUX_CAPABILITY_VERSION_3,
    };
    struct __user_cap_data_struct data[2];
    struct rlimit rl = { 64 * KiB, 64 * KiB };
    GError *err = NULL;
    Env e;

    if (syscall(SYS_capget, &hdr, data) < 0) {
        return 77;
    }
    data[0].effective &= ~(1u << CAP_IPC_LOCK);
    if (syscall(SYS_capset, &hdr, data) < 0 ||
        setrlimit(RLIMIT_MEMLOCK, &rl) < 0) {
        return 77;
    }
    env_init(&e);
    g_assert_true(vfio_containers_attach_all(&e.as, &err));
    if (user_creatable_add_type(TYPE_DMA_PIN, "pin3", NULL, &err)) {
        return 1;
    }
    if (!strstr(err->message, "RLIMIT_MEMLOCK") ||
        !strstr(err->message, "pin3")) {
        fprintf(stderr, "unexpected error: %s\n", err->message);
        return 2;
    }
    g_clear_error(&err);
    if (vmlck() != 0) {
        return 3;
    }
    return 0;
}

static void test_mlock_failure_is_clear_error(void)
{
    int status;
    pid_t pid = fork();

    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        _exit(mlock_failure_child());
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77) {
        g_test_skip("cannot drop CAP_IPC_LOCK or lower RLIMIT_MEMLOCK");
        return;
    }
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qom_register_types();
    user_creatable_register_types();
    dma_pin_register_types();
    g_test_add_func("/vfio/dma-pin/vmlck-follows-populated",
                    test_vmlck_follows_populated);
    g_test_add_func("/vfio/dma-pin/aliases-lock-once",
                    test_aliases_lock_once);
    g_test_add_func("/vfio/dma-pin/two-objects-share-locks",
                    test_two_objects_share_locks);
    g_test_add_func("/vfio/dma-pin/limit-refused-at-creation",
                    test_limit_refused_at_creation);
    g_test_add_func("/vfio/dma-pin/mlock-failure-is-clear-error",
                    test_mlock_failure_is_clear_error);
    return g_test_run();
}
