/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The COM1 16550A UART (-serial) driven over port I/O: register reset
 * values, the divisor latch, IER masking, the THR-empty interrupt and
 * its clearing by an IIR read, FIFO enable as seen in IIR, loopback
 * (modem lines and received data), overrun, and output to -serial
 * file:PATH.  The interrupt is observed at I/O APIC input 4 (ISA IRQ 4).
 * The same test runs against QEMU 7.2 (qtest-reference).
 */
#include "qemu/osdep.h"
#include <sys/socket.h>
#include <sys/un.h>

#include "libqtest.h"

#define COM1 0x3f8
#define RBR 0
#define THR 0
#define DLL 0
#define IER 1
#define DLM 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define SCR 7

static QTestState *start(const char *serial)
{
    QTestState *qts = qtest_initf("-machine q35 -serial %s", serial);

    qtest_irq_intercept_in(qts, "ioapic");
    return qts;
}

static uint8_t rd(QTestState *qts, int reg)
{
    return qtest_inb(qts, COM1 + reg);
}

static void wr(QTestState *qts, int reg, uint8_t v)
{
    qtest_outb(qts, COM1 + reg, v);
}

static void test_reset_values(void)
{
    QTestState *qts = start("null");

    g_assert_cmphex(rd(qts, IER), ==, 0x00);
    g_assert_cmphex(rd(qts, IIR), ==, 0x01);
    g_assert_cmphex(rd(qts, LCR), ==, 0x00);
    g_assert_cmphex(rd(qts, MCR), ==, 0x08);
    g_assert_cmphex(rd(qts, LSR), ==, 0x60);
    g_assert_cmphex(rd(qts, MSR), ==, 0xb0);
    g_assert_cmphex(rd(qts, SCR), ==, 0x00);
    wr(qts, LCR, 0x80);
    g_assert_cmphex(rd(qts, DLL), ==, 0x0c);
    g_assert_cmphex(rd(qts, DLM), ==, 0x00);
    g_assert_false(qtest_get_irq(qts, 4));
    qtest_quit(qts);
}

static void test_registers(void)
{
    QTestState *qts = start("null");

    wr(qts, SCR, 0xa5);
    g_assert_cmphex(rd(qts, SCR), ==, 0xa5);
    wr(qts, LCR, 0x83);                 /* DLAB, 8N1 */
    wr(qts, DLL, 0x01);                 /* 115200 baud */
    wr(qts, DLM, 0x02);
    g_assert_cmphex(rd(qts, DLL), ==, 0x01);
    g_assert_cmphex(rd(qts, DLM), ==, 0x02);
    wr(qts, LCR, 0x03);
    g_assert_cmphex(rd(qts, LCR), ==, 0x03);
    g_assert_cmphex(rd(qts, IER), ==, 0x00);  /* not the divisor */
    wr(qts, IER, 0xf0);
    g_assert_cmphex(rd(qts, IER), ==, 0x00);  /* upper bits read 0 */
    wr(qts, MCR, 0x03);
    g_assert_cmphex(rd(qts, MCR), ==, 0x03);
    wr(qts, LCR, 0x83);
    g_assert_cmphex(rd(qts, DLL), ==, 0x01);  /* latch kept */
    qtest_quit(qts);
}

static void test_thre_interrupt(void)
{
    QTestState *qts = start("null");

    wr(qts, IER, 0x02);                 /* THR empty */
    g_assert_cmphex(rd(qts, IER), ==, 0x02);
    g_assert_true(qtest_get_irq(qts, 4));
    g_assert_cmphex(rd(qts, IIR), ==, 0x02);   /* the read clears it */
    g_assert_false(qtest_get_irq(qts, 4));
    g_assert_cmphex(rd(qts, IIR), ==, 0x01);
    wr(qts, THR, 'x');                  /* transmitted at once */
    g_assert_cmphex(rd(qts, LSR) & 0x60, ==, 0x60);
    g_assert_true(qtest_get_irq(qts, 4));
    wr(qts, IER, 0x00);                 /* masked: line low */
    g_assert_false(qtest_get_irq(qts, 4));
    g_assert_cmphex(rd(qts, IIR), ==, 0x01);
    qtest_quit(qts);
}

static void test_fifo(void)
{
    QTestState *qts = start("null");

    wr(qts, FCR, 0x07);
    g_assert_cmphex(rd(qts, IIR), ==, 0xc1);
    wr(qts, FCR, 0x00);
    g_assert_cmphex(rd(qts, IIR), ==, 0x01);
    qtest_quit(qts);
}

static void test_loopback(void)
{
    QTestState *qts = start("null");

    wr(qts, MCR, 0x10 | 0x0a);          /* loop, RTS, OUT2 */
    g_assert_cmphex(rd(qts, MSR) & 0xf0, ==, 0x90);
    wr(qts, MCR, 0x10 | 0x05);          /* loop, DTR, OUT1 */
    g_assert_cmphex(rd(qts, MSR) & 0xf0, ==, 0x60);
    wr(qts, IER, 0x01);                 /* received data */
    g_assert_false(qtest_get_irq(qts, 4));
    wr(qts, THR, 'A');
    g_assert_cmphex(rd(qts, LSR) & 0x01, ==, 0x01);
    g_assert_true(qtest_get_irq(qts, 4));
    g_assert_cmphex(rd(qts, IIR), ==, 0x04);
    g_assert_cmphex(rd(qts, RBR), ==, 'A');
    g_assert_cmphex(rd(qts, LSR) & 0x01, ==, 0x00);
    g_assert_false(qtest_get_irq(qts, 4));

    /* Without FIFO a second byte overruns and replaces the first. */
    wr(qts, THR, 'B');
    wr(qts, THR, 'C');
    g_assert_cmphex(rd(qts, LSR) & 0x03, ==, 0x03);
    g_assert_cmphex(rd(qts, LSR) & 0x02, ==, 0x00);   /* OE read-clears */
    g_assert_cmphex(rd(qts, RBR), ==, 'C');

    /* With FIFO (trigger 1 byte) bytes queue up in order. */
    wr(qts, FCR, 0x01);
    wr(qts, THR, '1');
    wr(qts, THR, '2');
    wr(qts, THR, '3');
    g_assert_cmphex(rd(qts, IIR), ==, 0xc4);
    g_assert_cmphex(rd(qts, RBR), ==, '1');
    g_assert_cmphex(rd(qts, RBR), ==, '2');
    g_assert_cmphex(rd(qts, RBR), ==, '3');
    g_assert_cmphex(rd(qts, LSR) & 0x01, ==, 0x00);
    g_assert_false(qtest_get_irq(qts, 4));
    qtest_quit(qts);
}

static void test_file_output(void)
{
    g_autofree char *dir = g_dir_make_tmp("serial-test-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "out", NULL);
    g_autofree char *spec = g_strdup_printf("file:%s", path);
    g_autofree char *data = NULL;
    const char *msg = "hello, COM1\n";
    QTestState *qts = start(spec);
    gsize len;

    for (const char *p = msg; *p; p++) {
        g_assert_cmphex(rd(qts, LSR) & 0x20, ==, 0x20);
        wr(qts, THR, *p);
    }
    qtest_quit(qts);
    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    g_assert_cmpstr(data, ==, msg);
    unlink(path);
    rmdir(dir);
}

/* Bytes from the chardev reach RBR in order; the RX interrupt follows. */
static void test_chardev_input(void)
{
    g_autofree char *dir = g_dir_make_tmp("serial-test-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "sock", NULL);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    QTestState *qts;
    int fd;

    qts = qtest_initf("-machine q35 -chardev socket,id=c0,path=%s,"
                      "server=on,wait=off -serial chardev:c0", path);
    qtest_irq_intercept_in(qts, "ioapic");
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_assert_cmpint(fd, >=, 0);
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&addr, sizeof(addr)),
                    ==, 0);
    wr(qts, FCR, 0x01);                 /* FIFO, trigger 1 byte */
    wr(qts, IER, 0x01);
    g_assert_cmpint(write(fd, "ok!", 3), ==, 3);
    for (const char *p = "ok!"; *p; p++) {
        for (int i = 0; i < 1000 && !(rd(qts, LSR) & 0x01); i++) {
            g_usleep(1000);
        }
        g_assert_cmphex(rd(qts, LSR) & 0x01, ==, 0x01);
        g_assert_true(qtest_get_irq(qts, 4));
        g_assert_cmphex(rd(qts, RBR), ==, *p);
    }
    g_assert_cmphex(rd(qts, LSR) & 0x01, ==, 0x00);
    g_assert_false(qtest_get_irq(qts, 4));
    close(fd);
    qtest_quit(qts);
    unlink(path);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/serial/reset-values", test_reset_values);
    g_test_add_func("/serial/registers", test_registers);
    g_test_add_func("/serial/thre-interrupt", test_thre_interrupt);
    g_test_add_func("/serial/fifo", test_fifo);
    g_test_add_func("/serial/loopback", test_loopback);
    g_test_add_func("/serial/file-output", test_file_output);
    g_test_add_func("/serial/chardev-input", test_chardev_input);
    return g_test_run();
}
