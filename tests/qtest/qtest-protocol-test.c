/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qtest protocol tests: every command's syntax and reply as a test sees
 * them, plus libqtest's own guarantees (no child or socket left behind).
 * Runs against our binary (-accel qtest) and Debian's QEMU 7.2
 * (-accel tcg -S); where the two differ on purpose a named branch says why.
 */
#include "qemu/osdep.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include "libqtest.h"

/* Guest RAM well inside the default 128 MiB, clear of firmware areas. */
#define TEST_ADDR   UINT64_C(0x100000)

/* An I/O port nothing decodes on q35. */
#define UNUSED_PORT 0x1234

static QTestState *start(void)
{
    return qtest_init("-machine q35 -m 128M");
}

static void test_endianness(void)
{
    QTestState *s = start();
    g_autofree char *rsp = qtest_raw_cmd(s, "endianness");

    g_assert_cmpstr(rsp, ==, "OK little");
    g_assert_false(qtest_big_endian(s));
    qtest_quit(s);
}

static void test_memory_widths(void)
{
    QTestState *s = start();

    qtest_writeb(s, TEST_ADDR, 0x5a);
    g_assert_cmphex(qtest_readb(s, TEST_ADDR), ==, 0x5a);
    qtest_writew(s, TEST_ADDR + 2, 0xbeef);
    g_assert_cmphex(qtest_readw(s, TEST_ADDR + 2), ==, 0xbeef);
    qtest_writel(s, TEST_ADDR + 4, 0xdeadbeef);
    g_assert_cmphex(qtest_readl(s, TEST_ADDR + 4), ==, 0xdeadbeef);
    qtest_writeq(s, TEST_ADDR + 8, UINT64_C(0x1122334455667788));
    g_assert_cmphex(qtest_readq(s, TEST_ADDR + 8), ==,
                    UINT64_C(0x1122334455667788));

    /* Narrower reads see the little-endian parts of a wider write. */
    g_assert_cmphex(qtest_readl(s, TEST_ADDR + 8), ==, 0x55667788);
    g_assert_cmphex(qtest_readl(s, TEST_ADDR + 12), ==, 0x11223344);
    g_assert_cmphex(qtest_readw(s, TEST_ADDR + 14), ==, 0x1122);
    g_assert_cmphex(qtest_readb(s, TEST_ADDR + 8), ==, 0x88);
    g_assert_cmphex(qtest_readb(s, TEST_ADDR + 15), ==, 0x11);
    /* ... and a narrow write changes only its bytes. */
    qtest_writeb(s, TEST_ADDR + 9, 0x00);
    g_assert_cmphex(qtest_readq(s, TEST_ADDR + 8), ==,
                    UINT64_C(0x1122334455660088));
    qtest_quit(s);
}

static void test_memory_reply_format(void)
{
    QTestState *s = start();
    g_autofree char *rb = NULL, *rq = NULL, *wr = NULL;

    wr = qtest_raw_cmd(s, "writeq 0x%" PRIx64 " 0x12", TEST_ADDR);
    g_assert_cmpstr(wr, ==, "OK");
    /* Reads answer with 16 hex digits whatever the width. */
    rb = qtest_raw_cmd(s, "readb 0x%" PRIx64, TEST_ADDR);
    g_assert_cmpstr(rb, ==, "OK 0x0000000000000012");
    rq = qtest_raw_cmd(s, "readq 0x%" PRIx64, TEST_ADDR);
    g_assert_cmpstr(rq, ==, "OK 0x0000000000000012");
    qtest_quit(s);
}

static void fill_pattern(uint8_t *buf, size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(i * 7 + seed + (i >> 8));
    }
}

static void test_memory_hex(void)
{
    QTestState *s = start();
    uint8_t out[4096], in[4096];
    g_autofree char *rsp = NULL;

    fill_pattern(out, sizeof(out), 3);
    qtest_memwrite(s, TEST_ADDR + 1, out, sizeof(out));
    qtest_memread(s, TEST_ADDR + 1, in, sizeof(in));
    g_assert_cmpmem(in, sizeof(in), out, sizeof(out));

    /* Byte order on the wire is memory order. */
    qtest_writel(s, TEST_ADDR, 0x04030201);
    rsp = qtest_raw_cmd(s, "read 0x%" PRIx64 " 4", TEST_ADDR);
    g_assert_cmpstr(rsp, ==, "OK 0x01020304");
    qtest_quit(s);
}

static void test_memory_b64(void)
{
    QTestState *s = start();
    uint8_t out[3000], in[3000];
    g_autofree char *rsp = NULL;

    fill_pattern(out, sizeof(out), 11);
    qtest_bufwrite(s, TEST_ADDR + 5, out, sizeof(out));
    /* Written as base64, read back as hex: both name the same bytes. */
    qtest_memread(s, TEST_ADDR + 5, in, sizeof(in));
    g_assert_cmpmem(in, sizeof(in), out, sizeof(out));
    memset(in, 0, sizeof(in));
    qtest_bufread(s, TEST_ADDR + 5, in, sizeof(in));
    g_assert_cmpmem(in, sizeof(in), out, sizeof(out));

    qtest_writel(s, TEST_ADDR, 0xefbeadde);
    rsp = qtest_raw_cmd(s, "b64read 0x%" PRIx64 " 4", TEST_ADDR);
    g_assert_cmpstr(rsp, ==, "OK 3q2+7w==");
    qtest_quit(s);
}

static void test_memory_memset(void)
{
    QTestState *s = start();
    uint8_t buf[512], expect[512];

    qtest_memset(s, TEST_ADDR, 0x11, sizeof(buf));
    qtest_memset(s, TEST_ADDR + 100, 0xa5, 300);
    qtest_memread(s, TEST_ADDR, buf, sizeof(buf));
    memset(expect, 0x11, sizeof(expect));
    memset(expect + 100, 0xa5, 300);
    g_assert_cmpmem(buf, sizeof(buf), expect, sizeof(expect));
    qtest_quit(s);
}

static void test_io_unassigned(void)
{
    QTestState *s = start();
    g_autofree char *rsp = NULL;

    /* Unassigned ports read as all ones and swallow writes. */
    g_assert_cmphex(qtest_inb(s, UNUSED_PORT), ==, 0xff);
    g_assert_cmphex(qtest_inw(s, UNUSED_PORT), ==, 0xffff);
    g_assert_cmphex(qtest_inl(s, UNUSED_PORT), ==, 0xffffffff);
    qtest_outb(s, UNUSED_PORT, 0x12);
    qtest_outw(s, UNUSED_PORT, 0x1234);
    qtest_outl(s, UNUSED_PORT, 0x12345678);
    g_assert_cmphex(qtest_inl(s, UNUSED_PORT), ==, 0xffffffff);
    rsp = qtest_raw_cmd(s, "inb 0x%x", UNUSED_PORT);
    g_assert_cmpstr(rsp, ==, "OK 0x00ff");
    qtest_quit(s);
}

static void assert_error_reply(const char *rsp)
{
    g_assert_true(g_str_has_prefix(rsp, "FAIL") ||
                  g_str_has_prefix(rsp, "ERR"));
}

static void test_error_unknown_command(void)
{
    QTestState *s = start();
    g_autofree char *rsp = qtest_raw_cmd(s, "no_such_command 1 2");
    g_autofree char *rsp2 = NULL;

    g_assert_cmpstr(rsp, ==, "FAIL Unknown command 'no_such_command'");
    rsp2 = qtest_raw_cmd(s, "irq_intercept_in /no/such/device");
    assert_error_reply(rsp2);
    /* The session goes on. */
    qtest_writeb(s, TEST_ADDR, 0x42);
    g_assert_cmphex(qtest_readb(s, TEST_ADDR), ==, 0x42);
    qtest_quit(s);
}

static void test_error_malformed_args(void)
{
    static const char *const bad[] = {
        "readb", "readb zzz", "writeb 0x100000", "read 0x100000 0",
        "inb 0x10000", "write 0x100000 4", "memset 0x100000",
        "clock_step abc",
    };
    QTestState *s;

    if (qtest_is_reference()) {
        /*
         * Named difference: QEMU 7.2 g_assert()s on malformed arguments
         * (missing words, non-numbers, zero sizes, ports > 0xffff) and the
         * binary dies.  Ours answers FAIL/ERR and carries on.
         */
        g_test_skip("reference: QEMU 7.2 aborts on malformed arguments");
        return;
    }
    s = start();
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *rsp = qtest_raw_cmd(s, "%s", bad[i]);

        g_test_message("'%s' -> '%s'", bad[i], rsp);
        assert_error_reply(rsp);
    }
    qtest_writeb(s, TEST_ADDR, 0x24);
    g_assert_cmphex(qtest_readb(s, TEST_ADDR), ==, 0x24);
    qtest_quit(s);
}

/* Tokens that make a request malformed, or valid but harmless. */
static const char *const fuzz_tokens[] = {
    "", "-1", "+5", "0x", "zz", "0xZZ", "1e3", "0x1ffffffffffffffffff",
    "99999999999999999999999", "0x10000", "0", "0x1000001", "0x100000",
    "AQ==", "!!!", "\t", "0x100000 0x10", "'", "%s%n", "\r",
};

static const char *const fuzz_commands[] = {
    "inb", "inw", "inl", "outb", "outw", "outl", "readb", "readw", "readl",
    "readq", "writeb", "writew", "writel", "writeq", "read", "write",
    "b64read", "b64write", "memset", "clock_step", "clock_set",
    "irq_intercept_in", "irq_intercept_out", "endianness",
};

/* A line of random bytes: no '\n', no NUL; starts with '#' (no command). */
static char *fuzz_random_bytes(GRand *r)
{
    int len = g_rand_int_range(r, 1, 300);
    char *line = g_malloc(len + 2);

    line[0] = '#';
    for (int i = 1; i <= len; i++) {
        char c;

        do {
            c = (char)g_rand_int_range(r, 1, 256);
        } while (c == '\n');
        line[i] = c;
    }
    line[len + 1] = '\0';
    return line;
}

static char *fuzz_command_line(GRand *r)
{
    GString *line = g_string_new(
        fuzz_commands[g_rand_int_range(r, 0, G_N_ELEMENTS(fuzz_commands))]);
    int nargs = g_rand_int_range(r, 0, 5);

    for (int i = 0; i < nargs; i++) {
        g_string_append_c(line, g_rand_boolean(r) ? ' ' : '\t');
        g_string_append(line, fuzz_tokens[g_rand_int_range(r, 0,
                                          G_N_ELEMENTS(fuzz_tokens))]);
    }
    return g_string_free(line, FALSE);
}

static void test_error_random_lines(void)
{
    guint32 seed = g_test_rand_int();
    g_autoptr(GRand) r = g_rand_new_with_seed(seed);
    QTestState *s = start();
    bool reference = qtest_is_reference();
    int replies[3] = { 0 };             /* OK, FAIL, ERR */

    g_test_message("seed %" PRIu32, seed);
    for (int i = 0; i < 400; i++) {
        g_autofree char *line = NULL;
        g_autofree char *reply = NULL;

        /*
         * Named difference: QEMU 7.2 g_assert()s on malformed arguments
         * of known commands, so the reference gets the unknown-command
         * class only; ours gets every class.
         */
        if (reference || i % 3 == 0) {
            line = fuzz_random_bytes(r);
        } else if (i % 3 == 1) {
            line = fuzz_command_line(r);
        } else if (i % 30 == 2) {
            line = g_strnfill(100 * 1000, 'f');     /* one long word */
        } else {
            line = g_strdup(i % 2 ? "" : " \t ");   /* empty requests */
        }
        reply = qtest_raw_cmd(s, "%s", line);
        if (g_str_has_prefix(reply, "OK")) {
            replies[0]++;
        } else if (g_str_has_prefix(reply, "FAIL ")) {
            replies[1]++;
        } else if (g_str_has_prefix(reply, "ERR ")) {
            replies[2]++;
        } else {
            g_test_message("line %d: '%s'", i, line);
            g_assert_cmpstr(reply, ==, "OK|FAIL|ERR ...");
        }
    }
    g_test_message("OK %d, FAIL %d, ERR %d", replies[0], replies[1],
                   replies[2]);
    g_assert_cmpint(replies[1], >=, 100);
    if (!reference) {
        g_assert_cmpint(replies[2], >=, 100);
    }
    /* The binary lives, QMP answers, and the qtest session still works. */
    g_assert_true(qtest_probe_child(s));
    qtest_qmp_assert_success(s, "{'execute': 'query-status'}");
    qtest_writel(s, TEST_ADDR, 0x600dcafe);
    g_assert_cmphex(qtest_readl(s, TEST_ADDR), ==, 0x600dcafe);
    qtest_quit(s);
}

/* Data shorter than SIZE: hex is zero-extended, base64 writes its bytes. */
static void test_memory_short_data(void)
{
    QTestState *s = start();
    g_autofree char *w = NULL, *b = NULL;

    qtest_writeq(s, TEST_ADDR, UINT64_C(0x8877665544332211));
    w = qtest_raw_cmd(s, "write 0x%" PRIx64 " 4 0x0a0b", TEST_ADDR);
    g_assert_cmpstr(w, ==, "OK");
    g_assert_cmphex(qtest_readq(s, TEST_ADDR), ==,
                    UINT64_C(0x8877665500000b0a));
    b = qtest_raw_cmd(s, "b64write 0x%" PRIx64 " 8 AQI=", TEST_ADDR + 4);
    g_assert_cmpstr(b, ==, "OK");
    if (qtest_is_reference()) {
        /*
         * Named difference: QEMU 7.2 writes all SIZE bytes from its
         * in-place decode buffer, so what follows the two decoded bytes
         * is leftover base64 text and whatever lies beyond it.  Ours
         * writes only the decoded bytes.  Check the common part.
         */
        g_assert_cmphex(qtest_readl(s, TEST_ADDR), ==, 0x00000b0a);
        g_assert_cmphex(qtest_readw(s, TEST_ADDR + 4), ==, 0x0201);
    } else {
        g_assert_cmphex(qtest_readq(s, TEST_ADDR), ==,
                        UINT64_C(0x8877020100000b0a));
    }
    qtest_quit(s);
}

static void test_clock_step(void)
{
    QTestState *s = start();
    int64_t t0, t1, t2;

    if (qtest_is_reference()) {
        /*
         * Named difference: the clock commands exist only under
         * -accel qtest, which Debian does not ship; with tcg QEMU 7.2
         * answers them as unknown.
         */
        g_autofree char *rsp = qtest_raw_cmd(s, "clock_step 1000");

        g_assert_cmpstr(rsp, ==, "FAIL Unknown command 'clock_step'");
        qtest_quit(s);
        return;
    }
    t0 = qtest_clock_step(s, 0);
    t1 = qtest_clock_step(s, 1000);
    g_assert_cmpint(t1, ==, t0 + 1000);
    t2 = qtest_clock_set(s, t1 + 5000);
    g_assert_cmpint(t2, ==, t1 + 5000);
    /* Never backwards; without NS: to the next deadline, if any. */
    g_assert_cmpint(qtest_clock_set(s, t0), ==, t2);
    g_assert_cmpint(qtest_clock_step_next(s), >=, t2);
    qtest_quit(s);
}

static void test_irq_intercept(void)
{
    QTestState *s = start();

    qtest_irq_intercept_in(s, "ioapic");
    /* Nothing raised an interrupt: every line reads low. */
    for (int i = 0; i < 24; i++) {
        g_assert_false(qtest_get_irq(s, i));
    }
    qtest_quit(s);
}

/*
 * The "edu" test device (in QEMU 7.2 and in our binary) raises its INTx
 * pin when its raise register is written and lowers it on ack: a source
 * of interrupts that needs no running CPU.  In slot 1 INTA reaches the
 * I/O APIC as GSI 21 on q35.
 */
#define EDU_BAR_ADDR    UINT64_C(0xc0000000)
#define EDU_REG_RAISE   0x60
#define EDU_REG_ACK     0x64
#define EDU_GSI_SLOT1   21

/* Programs edu's BAR0 at 00:01.0 by hand through 0xcf8/0xcfc. */
static QTestState *start_edu(void)
{
    QTestState *s = qtest_init("-machine q35 -m 128M -device edu,addr=1");

    qtest_outl(s, 0xcf8, 0x80000800 | 0x10);
    qtest_outl(s, 0xcfc, (uint32_t)EDU_BAR_ADDR);
    qtest_outl(s, 0xcf8, 0x80000800 | 0x04);
    qtest_outw(s, 0xcfc, 0x0002);               /* memory decoding on */
    return s;
}

static void test_irq_raise_lower(void)
{
    QTestState *s = start_edu();

    qtest_irq_intercept_in(s, "ioapic");
    g_assert_false(qtest_get_irq(s, EDU_GSI_SLOT1));
    /* "IRQ raise 21" arrives around the OK of this write ... */
    qtest_writel(s, EDU_BAR_ADDR + EDU_REG_RAISE, 1);
    g_assert_true(qtest_get_irq(s, EDU_GSI_SLOT1));
    for (int i = 0; i < 24; i++) {
        g_assert_cmpint(qtest_get_irq(s, i), ==, i == EDU_GSI_SLOT1);
    }
    /* ... and "IRQ lower 21" around the OK of the ack. */
    qtest_writel(s, EDU_BAR_ADDR + EDU_REG_ACK, 1);
    g_assert_false(qtest_get_irq(s, EDU_GSI_SLOT1));
    qtest_quit(s);
}

static void test_irq_intercept_replies(void)
{
    QTestState *s = start_edu();
    g_autofree char *out = qtest_raw_cmd(s, "irq_intercept_out /machine/q35");
    g_autofree char *again = qtest_raw_cmd(s,
                                           "irq_intercept_out /machine/q35");
    g_autofree char *other = qtest_raw_cmd(s, "irq_intercept_in ioapic");
    g_autofree char *unknown = qtest_raw_cmd(s, "irq_intercept_out nosuch");

    /* QEMU's wording, checked against 7.2. */
    g_assert_cmpstr(out, ==, "OK");
    g_assert_cmpstr(again, ==, "OK");
    g_assert_cmpstr(other, ==, "FAIL IRQ intercept already enabled");
    g_assert_cmpstr(unknown, ==, "FAIL Unknown device");

    qtest_writel(s, EDU_BAR_ADDR + EDU_REG_RAISE, 1);
    if (qtest_is_reference()) {
        /*
         * Named difference: in QEMU 7.2 the PIRQ outputs belong to the
         * ICH9 LPC as named GPIOs, which qtest does not intercept; the
         * q35 host has no unnamed outputs, so nothing is reported.
         */
        for (int i = 0; i < 24; i++) {
            g_assert_false(qtest_get_irq(s, i));
        }
    } else {
        /* Ours: the q35 host drives PIRQA..H; slot 1 INTA is PIRQF (5). */
        for (int i = 0; i < 24; i++) {
            g_assert_cmpint(qtest_get_irq(s, i), ==, i == 5);
        }
        qtest_writel(s, EDU_BAR_ADDR + EDU_REG_ACK, 1);
        g_assert_false(qtest_get_irq(s, 5));
    }
    qtest_quit(s);
}

static void test_qmp_error(void)
{
    QTestState *s = start();
    JsonObject *rsp = qtest_qmp(s, "{'execute': 'no-such-command'}");

    g_assert_cmpstr(qmp_rsp_error_class(rsp), ==, "CommandNotFound");
    g_assert_true(qmp_rsp_is_err(rsp));
    qtest_quit(s);
}

static void test_qmp_events_buffered(void)
{
    QTestState *s = start();
    JsonObject *ev;

    /*
     * RESUME then STOP arrive in that order; ask for them in reverse.
     * The first stop makes the start state alike: -accel qtest runs from
     * the start (a STOP event), -S sits in prelaunch (no event).
     */
    qtest_qmp_assert_success(s, "{'execute': 'stop'}");
    qtest_qmp_assert_success(s, "{'execute': 'cont'}");
    qtest_qmp_assert_success(s, "{'execute': 'stop'}");
    ev = qtest_qmp_eventwait_ref(s, "STOP");
    g_assert_cmpstr(json_object_get_string_member(ev, "event"), ==, "STOP");
    json_object_unref(ev);
    ev = qtest_qmp_event_ref(s, "RESUME");
    g_assert_nonnull(ev);
    json_object_unref(ev);
    g_assert_null(qtest_qmp_event_ref(s, "RESUME"));
    qtest_quit(s);
}

/* ---- libqtest hygiene --------------------------------------------------- */

static bool pid_gone(pid_t pid)
{
    /* The orphan is reaped by init; allow it a few seconds. */
    for (int i = 0; i < 500; i++) {
        g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
        g_autofree char *stat = NULL;
        char *rp;

        if (!g_file_get_contents(path, &stat, NULL, NULL)) {
            return true;
        }
        rp = strrchr(stat, ')');
        if (rp && rp[1] == ' ' && rp[2] == 'Z') {
            return true;        /* dead, waiting for its new parent */
        }
        g_usleep(10 * 1000);
    }
    return false;
}

/* The "-qtest unix:PATH" argument the child was started with. */
static char *child_qtest_path(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/cmdline", (int)pid);
    g_autofree char *cmdline = NULL;
    gsize len;

    g_assert_true(g_file_get_contents(path, &cmdline, &len, NULL));
    for (gsize off = 0; off < len; off += strlen(cmdline + off) + 1) {
        if (g_str_has_prefix(cmdline + off, "unix:")) {
            return g_strdup(cmdline + off + 5);
        }
    }
    return NULL;
}

static void test_quit_leaves_nothing(void)
{
    QTestState *s = start();
    pid_t pid = qtest_pid(s);
    g_autofree char *sock = child_qtest_path(pid);
    g_autofree char *dir = NULL;

    g_assert_nonnull(sock);
    dir = g_path_get_dirname(sock);
    /* The socket files go as soon as the binary has connected. */
    g_assert_false(g_file_test(sock, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
    qtest_quit(s);
    g_assert_cmpint(kill(pid, 0), ==, -1);
    g_assert_cmpint(errno, ==, ESRCH);
}

typedef enum DeathHow {
    DIE_ASSERT,         /* a failing assertion: SIGABRT */
    DIE_SIGKILL,        /* the test process is SIGKILLed */
    DIE_HUNG_BINARY,    /* the binary stops answering */
} DeathHow;

/*
 * Runs in a forked child: start a session, report the binary's pid through
 * @fd, then die as @how says.
 */
static void G_GNUC_NORETURN die_with_session(int fd, DeathHow how)
{
    QTestState *s;
    pid_t pid;
    int devnull = open("/dev/null", O_WRONLY);

    /* Keep the parent's TAP stream clean. */
    dup2(devnull, STDOUT_FILENO);
    g_setenv("QTEST_TIMEOUT", "1", TRUE);
    s = start();
    pid = qtest_pid(s);
    if (write(fd, &pid, sizeof(pid)) != sizeof(pid)) {
        _exit(1);
    }
    switch (how) {
    case DIE_SIGKILL:
        kill(getpid(), SIGKILL);
        break;
    case DIE_HUNG_BINARY:
        /* The read below must time out and fail the test. */
        kill(pid, SIGSTOP);
        qtest_readb(s, TEST_ADDR);
        break;
    case DIE_ASSERT:
        break;
    }
    g_assert_cmphex(qtest_readb(s, TEST_ADDR), ==, 0x1ff);   /* fails */
    _exit(0);
}

static void check_death_kills_child(DeathHow how, int expect_sig)
{
    int fds[2], wstatus;
    pid_t tester, pid = 0;

    g_assert_cmpint(pipe(fds), ==, 0);
    tester = fork();
    g_assert_cmpint(tester, >=, 0);
    if (tester == 0) {
        close(fds[0]);
        die_with_session(fds[1], how);
    }
    close(fds[1]);
    g_assert_cmpint(read(fds[0], &pid, sizeof(pid)), ==, sizeof(pid));
    close(fds[0]);
    g_assert_cmpint(waitpid(tester, &wstatus, 0), ==, tester);
    g_assert_true(WIFSIGNALED(wstatus));
    g_assert_cmpint(WTERMSIG(wstatus), ==, expect_sig);
    g_assert_cmpint(pid, >, 0);
    g_assert_true(pid_gone(pid));
}

static void test_abort_kills_child(void)
{
    check_death_kills_child(DIE_ASSERT, SIGABRT);
}

static void test_sigkill_kills_child(void)
{
    check_death_kills_child(DIE_SIGKILL, SIGKILL);
}

static void test_hung_binary_fails(void)
{
    check_death_kills_child(DIE_HUNG_BINARY, SIGABRT);
}

static char *trap_pid_file(pid_t tester)
{
    g_autofree char *name = g_strdup_printf("qtest-trap-%d", (int)tester);

    return g_build_filename(g_get_tmp_dir(), name, NULL);
}

/*
 * In a g_test_trap_subprocess() child a failed assertion ends in _exit():
 * no atexit() hooks, no SIGABRT.  The binary must die all the same.
 */
static void test_trap_subprocess_failure(void)
{
    g_autofree char *file = NULL;
    g_autofree char *text = NULL;

    if (g_test_subprocess()) {
        QTestState *s = start();
        g_autofree char *pid = g_strdup_printf("%d", (int)qtest_pid(s));

        file = trap_pid_file(getppid());
        g_assert_true(g_file_set_contents(file, pid, -1, NULL));
        qtest_fail_test("deliberate failure");
    }
    file = trap_pid_file(getpid());
    g_test_trap_subprocess(NULL, 60 * G_USEC_PER_SEC, 0);
    g_test_trap_assert_failed();
    g_assert_true(g_file_get_contents(file, &text, NULL, NULL));
    unlink(file);
    g_assert_cmpint(atoi(text), >, 0);
    g_assert_true(pid_gone(atoi(text)));
}

static void restore_env(const char *name, const char *value)
{
    if (value) {
        g_setenv(name, value, TRUE);
    } else {
        g_unsetenv(name);
    }
}

/*
 * A binary that never connects: the test fails after QTEST_TIMEOUT and,
 * although it dies in a trap subprocess (_exit, no atexit), leaves no
 * socket files behind.  TMPDIR points the session into a private dir.
 */
static void test_no_connect_cleans_up(void)
{
    g_autofree char *priv = NULL;
    g_autofree char *old_binary = g_strdup(g_getenv("QTEST_QEMU_BINARY"));
    g_autofree char *old_accel = g_strdup(g_getenv("QTEST_QEMU_ACCEL"));
    GDir *dir;

    if (g_test_subprocess()) {
        start();
        return;
    }
    priv = g_dir_make_tmp("qtest-parent-XXXXXX", NULL);
    g_assert_nonnull(priv);
    g_setenv("TMPDIR", priv, TRUE);
    g_setenv("QTEST_QEMU_BINARY", "/bin/sh", TRUE);
    g_setenv("QTEST_QEMU_ACCEL", "-c 'exec sleep 30' sh", TRUE);
    g_setenv("QTEST_TIMEOUT", "1", TRUE);
    g_test_trap_subprocess(NULL, 60 * G_USEC_PER_SEC, 0);
    g_unsetenv("TMPDIR");
    g_unsetenv("QTEST_TIMEOUT");
    restore_env("QTEST_QEMU_BINARY", old_binary);
    restore_env("QTEST_QEMU_ACCEL", old_accel);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*did not connect*");

    dir = g_dir_open(priv, 0, NULL);
    g_assert_nonnull(dir);
    g_assert_null(g_dir_read_name(dir));
    g_dir_close(dir);
    g_assert_cmpint(rmdir(priv), ==, 0);
}

static void test_quit_reports_crash(void)
{
    pid_t tester;
    int wstatus;

    tester = fork();
    g_assert_cmpint(tester, >=, 0);
    if (tester == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        QTestState *s;

        dup2(devnull, STDOUT_FILENO);
        s = start();
        /* A binary that crashed must fail the test at qtest_quit(). */
        kill(qtest_pid(s), SIGSEGV);
        while (qtest_probe_child(s)) {
            g_usleep(1000);
        }
        qtest_quit(s);
        _exit(0);
    }
    g_assert_cmpint(waitpid(tester, &wstatus, 0), ==, tester);
    g_assert_true(WIFSIGNALED(wstatus));
    g_assert_cmpint(WTERMSIG(wstatus), ==, SIGABRT);
}

static void test_binary_exits_at_start(void)
{
    pid_t tester;
    int wstatus;

    tester = fork();
    g_assert_cmpint(tester, >=, 0);
    if (tester == 0) {
        int devnull = open("/dev/null", O_WRONLY);

        dup2(devnull, STDOUT_FILENO);
        dup2(devnull, STDERR_FILENO);
        g_setenv("QTEST_QEMU_BINARY", "/bin/false", TRUE);
        start();
        _exit(0);
    }
    g_assert_cmpint(waitpid(tester, &wstatus, 0), ==, tester);
    g_assert_true(WIFSIGNALED(wstatus));
    g_assert_cmpint(WTERMSIG(wstatus), ==, SIGABRT);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/qtest/protocol/endianness", test_endianness);
    g_test_add_func("/qtest/protocol/memory/every-width-round-trips",
                    test_memory_widths);
    g_test_add_func("/qtest/protocol/memory/reply-format",
                    test_memory_reply_format);
    g_test_add_func("/qtest/protocol/memory/hex-round-trips",
                    test_memory_hex);
    g_test_add_func("/qtest/protocol/memory/b64-round-trips",
                    test_memory_b64);
    g_test_add_func("/qtest/protocol/memory/memset-fills-range",
                    test_memory_memset);
    g_test_add_func("/qtest/protocol/io/unassigned-reads-all-ones",
                    test_io_unassigned);
    g_test_add_func("/qtest/protocol/error/unknown-command-continues",
                    test_error_unknown_command);
    g_test_add_func("/qtest/protocol/error/malformed-args-continue",
                    test_error_malformed_args);
    g_test_add_func("/qtest/protocol/clock/step-advances",
                    test_clock_step);
    g_test_add_func("/qtest/protocol/irq/intercept-starts-low",
                    test_irq_intercept);
    g_test_add_func("/qtest/protocol/irq/raise-and-lower-tracked",
                    test_irq_raise_lower);
    g_test_add_func("/qtest/protocol/irq/intercept-replies",
                    test_irq_intercept_replies);
    g_test_add_func("/qtest/protocol/error/random-lines-never-end-binary",
                    test_error_random_lines);
    g_test_add_func("/qtest/protocol/memory/short-data",
                    test_memory_short_data);
    g_test_add_func("/qtest/qmp/unknown-command-is-error", test_qmp_error);
    g_test_add_func("/qtest/qmp/events-buffered-in-order",
                    test_qmp_events_buffered);
    g_test_add_func("/qtest/libqtest/quit-leaves-nothing",
                    test_quit_leaves_nothing);
    g_test_add_func("/qtest/libqtest/abort-kills-child",
                    test_abort_kills_child);
    g_test_add_func("/qtest/libqtest/sigkill-kills-child",
                    test_sigkill_kills_child);
    g_test_add_func("/qtest/libqtest/hung-binary-fails-test",
                    test_hung_binary_fails);
    g_test_add_func("/qtest/libqtest/trap-subprocess-failure-kills-child",
                    test_trap_subprocess_failure);
    g_test_add_func("/qtest/libqtest/no-connect-fails-and-cleans-up",
                    test_no_connect_cleans_up);
    g_test_add_func("/qtest/libqtest/quit-fails-on-crashed-binary",
                    test_quit_reports_crash);
    g_test_add_func("/qtest/libqtest/binary-exit-at-start-fails-test",
                    test_binary_exits_at_start);
    return g_test_run();
}
