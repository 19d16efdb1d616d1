/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the q35 machine's memory layout (hw/i386/pc_q35.c,
 * hw/core/machine.c): the low/high RAM split, where the RAM aliases and
 * the device-memory window land in the rendered system address space,
 * the AMD 1 TiB relocation and the phys-bits limit, with QEMU 7.2's
 * numbers.  One machine per process, so each case runs in a subprocess;
 * large RAM is NORESERVE and never touched.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "exec/address-spaces.h"
#include "hw/i386/pc.h"

static MachineState *build(uint64_t ram, uint64_t maxram, uint64_t slots,
                           GError **errp)
{
    static MemoryRegion ram_mr;
    MachineConfig config = {
        .ram_size = ram,
        .maxram_size = maxram,
        .ram_slots = slots,
        .ram_size_given = true,
        .accel = "qtest",
    };
    MachineState *ms;

    /* QEMU's versioned name; "q35" is its alias */
    ms = machine_create("pc-q35-7.2", &config, NULL);
    g_assert_nonnull(ms);
    g_assert_true(memory_region_init_ram_flags_nomigrate(
        &ram_mr, NULL, "test.ram", ram, RAM_NORESERVE, NULL));
    g_assert_true(machine_set_ram_region(ms, &ram_mr, NULL));
    return machine_init_board(ms, errp) ? ms : NULL;
}

/* The region mapped at @addr in system memory, or NULL. */
static const char *region_at(hwaddr addr)
{
    FlatView *fv = address_space_get_flatview(&address_space_memory);
    const FlatRange *fr = flatview_lookup(fv, addr);
    const char *name = fr ? memory_region_name(fr->mr) : NULL;

    flatview_unref(fv);
    return name;
}

static void test_split(void)
{
    uint64_t lo, hi;

    pc_q35_split_ram(128 * MiB, &lo, &hi);
    g_assert_cmphex(lo, ==, 128 * MiB);
    g_assert_cmphex(hi, ==, 0);
    pc_q35_split_ram(0xb0000000 - 1, &lo, &hi);
    g_assert_cmphex(lo, ==, 0xb0000000 - 1);
    g_assert_cmphex(hi, ==, 0);
    /* at 2.75 GiB the hole starts at 2 GiB */
    pc_q35_split_ram(0xb0000000, &lo, &hi);
    g_assert_cmphex(lo, ==, 0x80000000);
    g_assert_cmphex(hi, ==, 0x30000000);
    pc_q35_split_ram(8 * GiB, &lo, &hi);
    g_assert_cmphex(lo, ==, 2 * GiB);
    g_assert_cmphex(hi, ==, 6 * GiB);
}

static void run_3g_with_device_memory(void)
{
    MachineState *ms = build(3 * GiB, 8 * GiB, 2, NULL);

    g_assert_nonnull(ms);
    g_assert_cmphex(ms->below_4g_mem_size, ==, 2 * GiB);
    g_assert_cmphex(ms->above_4g_mem_size, ==, 1 * GiB);
    g_assert_cmphex(ms->above_4g_mem_start, ==, 4 * GiB);
    g_assert_cmpstr(region_at(0), ==, "test.ram");
    g_assert_cmpstr(region_at(2 * GiB - 1), ==, "test.ram");
    g_assert_null(region_at(2 * GiB));             /* the 32-bit hole */
    g_assert_cmpstr(region_at(4 * GiB), ==, "test.ram");
    g_assert_null(region_at(5 * GiB));             /* empty device memory */
    /* base = ROUND_UP(4G + 1G, 1G), size = 8G - 3G + 2 slots * 1G */
    g_assert_nonnull(ms->device_memory);
    g_assert_cmphex(ms->device_memory->base, ==, 5 * GiB);
    g_assert_cmphex(memory_region_size(&ms->device_memory->mr), ==,
                    7 * GiB);
    exit(0);
}

static void test_3g_with_device_memory(void)
{
    g_test_trap_subprocess("/machine/q35/subprocess/3g-device-memory", 0,
                           G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
}

static void run_no_maxmem(void)
{
    MachineState *ms = build(1 * GiB, 1 * GiB, 0, NULL);

    g_assert_nonnull(ms);
    g_assert_null(ms->device_memory);
    g_assert_cmpstr(region_at(1 * GiB - 1), ==, "test.ram");
    g_assert_null(region_at(1 * GiB));
    g_assert_null(region_at(4 * GiB));
    exit(0);
}

static void test_no_maxmem(void)
{
    g_test_trap_subprocess("/machine/q35/subprocess/no-maxmem", 0,
                           G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
}

static void run_amd_relocation(void)
{
    /* 900G fits below the HT hole; 970G with 4 slots still does */
    g_autoptr(GError) err = NULL;
    MachineState *ms = build(1 * GiB, 970 * GiB, 4, &err);

    g_assert_null(err);
    g_assert_cmphex(ms->above_4g_mem_start, ==, 4 * GiB);
    g_assert_cmphex(ms->device_memory->base, ==, 4 * GiB);
    exit(0);
}

static void test_amd_relocation_boundary(void)
{
    g_test_trap_subprocess("/machine/q35/subprocess/below-ht-hole", 0,
                           G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
}

static void run_phys_bits(void)
{
    g_autoptr(GError) err = NULL;

    /* relocated to 1 TiB, then past 2^40: QEMU 7.2's exact numbers */
    g_assert_null(build(1 * GiB, 980 * GiB, 0, &err));
    g_assert_cmpstr(err->message, ==, "Address space limit 0xffffffffff < "
                    "0x1fcbfffffff phys-bits too low (40)");
    exit(0);
}

static void test_phys_bits(void)
{
    g_test_trap_subprocess("/machine/q35/subprocess/phys-bits", 0,
                           G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
}

static void run_slots_limit(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(build(1 * GiB, 4 * GiB, 300, &err));
    g_assert_cmpstr(err->message, ==,
                    "unsupported amount of memory slots: 300");
    exit(0);
}

static void test_slots_limit(void)
{
    g_test_trap_subprocess("/machine/q35/subprocess/slots", 0,
                           G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
}

/* Each board names its own RAM as query-machines' default-ram-id says. */
static void run_default_ram_id(void)
{
    MachineConfig config = {
        .ram_size = 16 * MiB,
        .maxram_size = 16 * MiB,
        .ram_size_given = true,
        .accel = "qtest",
    };
    const char *board = g_test_get_path();
    MachineState *ms;

    board = strrchr(board, '/') + 1;
    ms = machine_create(board, &config, NULL);
    g_assert_nonnull(ms);
    g_assert_true(machine_init_board(ms, NULL));
    g_assert_cmpstr(region_at(0), ==,
                    MACHINE_GET_CLASS(ms)->default_ram_id);
    g_assert_cmpstr(region_at(0), ==,
                    !strcmp(board, "none") ? "ram" : "pc.ram");
    exit(0);
}

static void test_default_ram_id(void)
{
    for (int i = 0; i < 3; i++) {
        static const char *const boards[] = { "none", "q35", "pc-q35-7.2" };
        g_autofree char *path = g_strdup_printf(
            "/machine/subprocess/ram-id/%s", boards[i]);

        g_test_trap_subprocess(path, 0, G_TEST_SUBPROCESS_DEFAULT);
        g_test_trap_assert_passed();
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    pc_q35_register_types();

    g_test_add_func("/machine/q35/ram-split-around-the-hole", test_split);
    g_test_add_func("/machine/q35/layout-3g-with-device-memory",
                    test_3g_with_device_memory);
    g_test_add_func("/machine/q35/layout-without-maxmem", test_no_maxmem);
    g_test_add_func("/machine/q35/970g-4-slots-stays-below-ht-hole",
                    test_amd_relocation_boundary);
    g_test_add_func("/machine/q35/980g-relocates-then-hits-phys-bits",
                    test_phys_bits);
    g_test_add_func("/machine/q35/at-most-256-slots", test_slots_limit);
    g_test_add_func("/machine/q35/subprocess/3g-device-memory",
                    run_3g_with_device_memory);
    g_test_add_func("/machine/q35/subprocess/no-maxmem", run_no_maxmem);
    g_test_add_func("/machine/q35/subprocess/below-ht-hole",
                    run_amd_relocation);
    g_test_add_func("/machine/q35/subprocess/phys-bits", run_phys_bits);
    g_test_add_func("/machine/q35/subprocess/slots", run_slots_limit);
    g_test_add_func("/machine/default-ram-id", test_default_ram_id);
    g_test_add_func("/machine/subprocess/ram-id/none", run_default_ram_id);
    g_test_add_func("/machine/subprocess/ram-id/q35", run_default_ram_id);
    g_test_add_func("/machine/subprocess/ram-id/pc-q35-7.2",
                    run_default_ram_id);
    return g_test_run();
}
