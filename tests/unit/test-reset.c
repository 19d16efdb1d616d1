/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for the machine reset handler registry (softmmu/reset.c). */
#include "qemu/osdep.h"
#include "sysemu/reset.h"

static GString *trace;

static void handler(void *opaque)
{
    g_string_append(trace, opaque);
}

static void self_removing(void *opaque)
{
    g_string_append(trace, "S");
    qemu_unregister_reset(self_removing, opaque);
}

static void test_order_and_unregister(void)
{
    trace = g_string_new(NULL);
    qemu_register_reset(handler, "a");
    qemu_register_reset(handler, "b");
    qemu_register_reset(handler, "c");
    qemu_devices_reset();
    g_assert_cmpstr(trace->str, ==, "abc");

    qemu_unregister_reset(handler, "b");
    qemu_unregister_reset(handler, "zz");   /* unknown: ignored */
    g_string_truncate(trace, 0);
    qemu_devices_reset();
    g_assert_cmpstr(trace->str, ==, "ac");

    qemu_unregister_reset(handler, "a");
    qemu_unregister_reset(handler, "c");
    g_string_free(trace, true);
}

static void test_unregister_inside_reset(void)
{
    trace = g_string_new(NULL);
    qemu_register_reset(self_removing, NULL);
    qemu_register_reset(handler, "x");
    qemu_devices_reset();
    qemu_devices_reset();
    g_assert_cmpstr(trace->str, ==, "Sxx");
    qemu_unregister_reset(handler, "x");
    g_string_free(trace, true);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/reset/order-and-unregister",
                    test_order_and_unregister);
    g_test_add_func("/reset/unregister-inside-reset",
                    test_unregister_inside_reset);
    return g_test_run();
}
