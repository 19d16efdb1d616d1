/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the qtest protocol parser (softmmu/qtest.c) without a
 * socket: replies to every command form against RAM and port I/O built
 * with the memory API, malformed requests answered with ERR/FAIL, the
 * virtual clock with a timer firing during a step, and IRQ interception
 * of a device's input lines.
 */
#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "exec/address-spaces.h"
#include "hw/qdev-core.h"
#include "sysemu/qtest.h"

#define TYPE_IRQ_SINK "irq-sink"

static QTestSession *sess;
static MemoryRegion ram;

static void sink_set_irq(void *opaque, int n, int level)
{
}

static void sink_initfn(Object *obj)
{
    qdev_init_gpio_in(DEVICE(obj), sink_set_irq, 4);
}

static const TypeInfo sink_info = {
    .name = TYPE_IRQ_SINK,
    .parent = TYPE_DEVICE,
    .instance_init = sink_initfn,
};

static char *cmd(const char *line)
{
    return qtest_session_handle_line(sess, line);
}

static void check(const char *line, const char *reply)
{
    g_autofree char *got = cmd(line);

    g_assert_cmpstr(got, ==, reply);
}

static void check_prefix(const char *line, const char *prefix)
{
    g_autofree char *got = cmd(line);

    g_test_message("'%s' -> '%s'", line, got);
    g_assert_true(g_str_has_prefix(got, prefix));
}

static void test_memory_widths(void)
{
    check("writeq 0x1000 0x1122334455667788", "OK");
    check("readq 0x1000", "OK 0x1122334455667788");
    check("readl 0x1004", "OK 0x0000000011223344");
    check("readw 0x1002", "OK 0x0000000000005566");
    check("readb 0x1000", "OK 0x0000000000000088");
    check("writeb 0x1001 0x1ff", "OK");     /* truncated to the width */
    check("readw 0x1000", "OK 0x000000000000ff88");
    check("readb 0x80000000", "OK 0x0000000000000000");   /* unassigned */
    check("readb\t4096\r", "OK 0x0000000000000088");       /* decimal, tab */
}

static void test_bulk(void)
{
    check("write 0x2000 4 0x01020304", "OK");
    check("read 0x2000 4", "OK 0x01020304");
    check("write 0x2000 4 0xaa", "OK");      /* short data: zero-filled */
    check("read 0x2000 4", "OK 0xaa000000");
    check("b64write 0x2000 4 3q2+7w==", "OK");
    check("b64read 0x2000 4", "OK 3q2+7w==");
    check("readl 0x2000", "OK 0x00000000efbeadde");
    check("memset 0x2000 3 0x5a", "OK");
    check("read 0x2000 4", "OK 0x5a5a5aef");
}

static void test_port_io(void)
{
    check("inb 0x1234", "OK 0x00ff");
    check("inw 0x1234", "OK 0xffff");
    check("inl 0x1234", "OK 0xffffffff");
    check("outl 0x1234 0x12345678", "OK");
}

static void test_malformed(void)
{
    static const char *const bad[] = {
        "readb", "readb zzz", "readb -1", "readb 0x", "readb 12abc",
        "writeb 0x1000", "read 0x1000 0", "read 0x1000 99999999999",
        "inb 0x10000", "outb 0x10000 1", "write 0x1000 4",
        "write 0x1000 4 0xzz", "memset 0x1000", "memset 0x1000 0 1",
        "b64read 0x1000", "b64write 0x1000 4", "clock_step abc",
        "clock_set", "irq_intercept_in", "",  "   ",
        "readq 0x10000000000000000", "memset 0 0xffffffffffffffff 0",
    };

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        check_prefix(bad[i], "ERR");
    }
    check("no_such_command 1 2", "FAIL Unknown command 'no_such_command'");
    check("irq_intercept_in /no/such/device", "FAIL Unknown device");
    /* separators: runs of spaces and tabs, a trailing CR; extra words */
    check("writeb \t 0x100000   0x7e\r", "OK");
    check("\treadb 0x100000 a b c d e f g h i j k l m n",
          "OK 0x000000000000007e");
    check(" \t \r", "ERR empty request");
    /* still serving */
    check("endianness", "OK little");
}

static void timer_fired(void *opaque)
{
    int64_t *when = opaque;

    *when = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

static void test_clock(void)
{
    int64_t fired = -1;
    QEMUTimer *t = timer_new_ns(QEMU_CLOCK_VIRTUAL, timer_fired, &fired);
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_autofree char *step0 = g_strdup_printf("OK %" PRIi64, now);
    g_autofree char *step = g_strdup_printf("OK %" PRIi64, now + 1000);
    g_autofree char *next = g_strdup_printf("OK %" PRIi64, now + 1500);
    g_autofree char *set = NULL;

    check("clock_step", step0);             /* no timer: unchanged */
    timer_mod_ns(t, now + 1500);
    check("clock_step 1000", step);
    g_assert_cmpint(fired, ==, -1);
    check("clock_step", next);              /* to the deadline */
    g_assert_cmpint(fired, ==, now + 1500);
    timer_mod_ns(t, now + 2000);
    set = g_strdup_printf("clock_set %" PRIi64, now + 5000);
    g_free(cmd(set));
    g_assert_cmpint(fired, ==, now + 2000); /* saw its own deadline */
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, now + 5000);
    timer_free(t);
}

static void test_irq_intercept(void)
{
    DeviceState *dev = qdev_new(TYPE_IRQ_SINK);
    g_autofree char *async = NULL;

    object_property_add_child(object_get_root(), "sink", OBJECT(dev));
    object_unref(dev);
    check("irq_intercept_in sink", "OK");
    check("irq_intercept_in sink", "OK");
    check("irq_intercept_out /machine", "FAIL Unknown device");
    qemu_set_irq(qdev_get_gpio_in(dev, 2), 1);
    qemu_set_irq(qdev_get_gpio_in(dev, 2), 1);    /* no change: no line */
    qemu_set_irq(qdev_get_gpio_in(dev, 2), 0);
    async = qtest_session_take_async(sess);
    g_assert_cmpstr(async, ==, "IRQ raise 2\nIRQ lower 2\n");
}

/*
 * A stream fed byte by byte, cut mid-line, and five lines in one piece:
 * one reply per line, in order, a line handled only once complete.
 */
static void test_stream_feed(void)
{
    static const char stream[] =
        "writel 0x2000 0x12345678\nreadl 0x2000\r\n\nbogus x\n"
        "readw 0x2002\n";
    g_autofree char *one = NULL, *whole = NULL, *head = NULL, *tail = NULL;

    check("writel 0x2000 0", "OK");
    for (size_t i = 0; i < strlen(stream); i++) {
        qtest_session_feed(sess, (const uint8_t *)stream + i, 1);
    }
    one = qtest_session_take_async(sess);
    g_assert_cmpstr(one, ==, "OK\nOK 0x0000000012345678\n"
                    "ERR empty request\nFAIL Unknown command 'bogus'\n"
                    "OK 0x0000000000001234\n");
    check("writel 0x2000 0", "OK");
    qtest_session_feed(sess, (const uint8_t *)"writel 0x2000 0\nreadl 0x20",
                       26);
    head = qtest_session_take_async(sess);
    g_assert_cmpstr(head, ==, "OK\n");       /* "readl 0x20" waits */
    qtest_session_feed(sess, (const uint8_t *)"00\n", 3);
    tail = qtest_session_take_async(sess);
    g_assert_cmpstr(tail, ==, "OK 0x0000000000000000\n");
    qtest_session_feed(sess, (const uint8_t *)"readl 0x2004\n"
                       "readl 0x2004\nreadl 0x2004\nreadl 0x2004\n"
                       "readl 0x2004\n", 65);
    whole = qtest_session_take_async(sess);
    g_assert_cmpstr(whole, ==, "OK 0x0000000000000000\n"
                    "OK 0x0000000000000000\nOK 0x0000000000000000\n"
                    "OK 0x0000000000000000\nOK 0x0000000000000000\n");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qdev_register_types();
    type_register_static(&sink_info);
    g_assert_true(memory_region_init_ram(&ram, NULL, "test.ram", 16 * MiB,
                                         NULL));
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    qtest_accel_init();
    sess = qtest_session_new(NULL);

    g_test_add_func("/qtest/parser/memory-every-width", test_memory_widths);
    g_test_add_func("/qtest/parser/bulk-hex-b64-memset", test_bulk);
    g_test_add_func("/qtest/parser/port-io-unassigned-all-ones",
                    test_port_io);
    g_test_add_func("/qtest/parser/malformed-gets-error-and-continues",
                    test_malformed);
    g_test_add_func("/qtest/parser/clock-step-fires-timers-in-order",
                    test_clock);
    g_test_add_func("/qtest/parser/irq-intercept-reports-changes",
                    test_irq_intercept);
    g_test_add_func("/qtest/parser/stream-fed-in-pieces", test_stream_feed);
    return g_test_run();
}
