/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qtest accelerator and protocol server: a test process plays the
 * guest over a chardev, reading and writing guest memory and I/O ports
 * through the memory API, stepping the virtual clock and watching
 * interrupt lines.  Also the reference for the wire protocol below.
 *
 * Tuned for test traffic: many small requests (one line, one reply),
 * often pipelined, and occasional bulk transfers of up to a few MiB
 * (read/write/b64*); memset (up to 64 GiB) goes through a fixed 64 KiB
 * buffer.  Lines are parsed in place in the input buffer (a read offset,
 * the incomplete tail moved to the front once per read); the replies to
 * all the lines of one read go out in one write (every 64 KiB at most),
 * after the log is flushed; a log on /dev/null is not written at all.
 * Buffers that grew past 1 MiB for one big line or reply are given back
 * once empty.  tests/bench/bench-qtest.c measures this path against
 * QEMU 7.2.  Nothing a client sends can abort the process: every
 * malformed line gets an error reply.
 *
 * ---------------------------------------------------------------------
 * PROTOCOL
 *
 * Requests are lines of words separated by spaces or tabs, ended by
 * '\n' (a trailing '\r' is ignored).  Numbers are unsigned C literals:
 * decimal, 0x-prefixed hex or 0-prefixed octal, up to 2^64 - 1.  Words
 * after the last one a command uses are ignored.  Each request gets
 * exactly one reply line, in order:
 *
 *   OK [RESULT]     success
 *   FAIL MESSAGE    refused, with QEMU's wording where QEMU has one
 *   ERR MESSAGE     malformed request (missing or non-numeric words, zero
 *                   or oversized lengths, ports above 0xffff; QEMU 7.2
 *                   aborts on most of these)
 *
 * Port I/O (system I/O space; unassigned ports read all ones):
 *   outb|outw|outl PORT VALUE       -> OK         (VALUE truncated)
 *   inb|inw|inl PORT                -> OK 0x%04x  (at least 4 digits)
 * Memory (system address space, little-endian; unassigned reads 0):
 *   writeb|writew|writel|writeq ADDR VALUE  -> OK
 *   readb|readw|readl|readq ADDR            -> OK 0x%016x
 *   read ADDR SIZE                  -> OK 0x<SIZE bytes as hex pairs,
 *                                      lowest address first>
 *   write ADDR SIZE 0xDATA          -> OK  (DATA shorter than SIZE bytes
 *                                      is zero-extended; at most SIZE
 *                                      bytes are taken)
 *   b64read ADDR SIZE               -> OK <base64 of SIZE bytes>
 *   b64write ADDR SIZE B64DATA      -> OK  (writes min(SIZE, decoded))
 *   memset ADDR SIZE BYTE           -> OK
 *   SIZE is 1 .. 16 MiB for read/write/b64*, 1 .. 64 GiB for memset.
 * Clock (only with -accel qtest; otherwise "FAIL Unknown command"):
 *   clock_step [NS]   advance the virtual clock by NS, or to the next
 *                     timer deadline without NS (no timer: unchanged),
 *                     firing due timers in order -> OK <clock ns>
 *   clock_set NS      advance to NS (never backwards) -> OK <clock ns>
 * Interrupts:
 *   irq_intercept_in QOM-PATH   watch the input lines of the device at
 *   irq_intercept_out QOM-PATH  QOM-PATH (partial paths allowed, e.g.
 *                               "ioapic") resp. its output lines
 *       -> OK | FAIL Unknown device
 *          | FAIL IRQ intercept already enabled (another device)
 *   After interception, each level change of line N is reported as an
 *   asynchronous line "IRQ raise N" or "IRQ lower N", which may appear
 *   before any reply (e.g. before the OK of the write that caused it)
 *   or between requests.  Lines start low.
 * Misc:
 *   endianness                      -> OK little
 *   anything else                   -> FAIL Unknown command 'WORD'
 *   an empty line                   -> ERR empty request
 *
 * Logging (-qtest-log FILE; stderr by default, "none" for nothing):
 * "[R +SECONDS] REQUEST", "[S +SECONDS] REPLY", one per line.
 * ---------------------------------------------------------------------
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/bswap.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "qemu/timer.h"
#include "exec/address-spaces.h"
#include "chardev/char.h"
#include "hw/qdev-core.h"
#include "sysemu/qtest.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#define QTEST_MAX_XFER      (16 * MiB)
#define QTEST_MAX_LINE      (64 * MiB)
#define QTEST_MEMSET_CHUNK  (64 * KiB)
#define QTEST_MAX_MEMSET    (64 * GiB)     /* bounds the time of one memset */
#define QTEST_MAX_IRQS      256
#define QTEST_MAX_WORDS     8       /* commands use at most 4 */
#define QTEST_OUT_FLUSH     (64 * KiB)  /* write replies once this many */
#define QTEST_BUF_KEEP      (1 * MiB)   /* capacity kept after a big line */

struct QTestSession {
    Chardev *chr;               /* NULL: parser only (unit tests) */
    GString *inbuf;             /* received bytes; [rpos, len) unhandled */
    size_t rpos;                /* start of the first unhandled line */
    size_t scanned;             /* [rpos, scanned) holds no '\n' */
    bool discarding;            /* dropping an over-long line */
    GString *outbuf;            /* replies not yet written to the chardev */
    bool batching;              /* handling a read: hold replies in outbuf */
    FILE *log;                  /* NULL: no log (also for /dev/null) */
    bool log_owned;
    int64_t start_ns;
    GString *async;             /* IRQ lines when there is no chardev */
    DeviceState *irq_dev;       /* intercepted device, or NULL */
    bool irq_level[QTEST_MAX_IRQS];
};

static bool qtest_accel;
static QTestSession *server;

bool qtest_enabled(void)
{
    return qtest_accel;
}

void qtest_accel_init(void)
{
    qtest_accel = true;
    qemu_clock_set_virtual_manual();
}

/* ---- Output ------------------------------------------------------ */

static void qtest_log(QTestSession *s, char dir, const char *text)
{
    int64_t ns;

    if (!s->log) {
        return;
    }
    ns = qemu_clock_get_ns(QEMU_CLOCK_REALTIME) - s->start_ns;
    ns = MAX(ns, 0);
    /* integer arithmetic: same text as "%.6f" of the seconds, cheaper */
    ns = (ns + 500) / 1000;
    fprintf(s->log, "[%c +%" PRId64 ".%06" PRId64 "] %s\n", dir,
            ns / 1000000, ns % 1000000, text);
}

/*
 * A GString whose capacity grew past QTEST_BUF_KEEP for one big message
 * is replaced by a small one once it is empty, so that one huge line or
 * reply does not keep its memory for the life of the session.
 */
static void release_if_large(GString **buf)
{
    if ((*buf)->len == 0 && (*buf)->allocated_len > QTEST_BUF_KEEP) {
        g_string_free(*buf, TRUE);
        *buf = g_string_new(NULL);
    }
}

/* Write the replies held in outbuf; the log is flushed first. */
static void qtest_flush_output(QTestSession *s)
{
    if (s->log) {
        fflush(s->log);
    }
    if (s->outbuf->len && qemu_chr_is_connected(s->chr)) {
        qemu_chr_write_all(s->chr, (const uint8_t *)s->outbuf->str,
                           s->outbuf->len);
    }
    g_string_truncate(s->outbuf, 0);
    release_if_large(&s->outbuf);
}

/*
 * Send one line (without '\n') to the client, or queue it.  While a
 * read is being handled replies are gathered and written together.
 */
static void qtest_send_line(QTestSession *s, const char *line)
{
    qtest_log(s, 'S', line);
    if (!s->chr) {
        g_string_append(s->async, line);
        g_string_append_c(s->async, '\n');
        return;
    }
    g_string_append(s->outbuf, line);
    g_string_append_c(s->outbuf, '\n');
    if (!s->batching || s->outbuf->len >= QTEST_OUT_FLUSH) {
        qtest_flush_output(s);
    }
}

static void qtest_irq_handler(void *opaque, int n, int level)
{
    QTestSession *s = opaque;
    g_autofree char *line = NULL;

    if (n < 0 || n >= QTEST_MAX_IRQS || s->irq_level[n] == !!level) {
        return;
    }
    s->irq_level[n] = !!level;
    line = g_strdup_printf("IRQ %s %d", level ? "raise" : "lower", n);
    qtest_send_line(s, line);
}

/* ---- Argument parsing -------------------------------------------- */

typedef struct Request {
    char *words[QTEST_MAX_WORDS + 1];  /* NULL-terminated, none empty */
    int nwords;                 /* words after QTEST_MAX_WORDS are ignored */
} Request;

static bool parse_u64(const char *word, uint64_t *out)
{
    char *end;

    if (!word || !g_ascii_isdigit(word[0])) {
        return false;           /* also refuses signs and spaces */
    }
    errno = 0;
    *out = g_ascii_strtoull(word, &end, 0);
    return errno == 0 && *end == '\0';
}

/* Word @i as a number; ERR text in *@err on failure. */
static bool req_num(Request *r, int i, const char *what, uint64_t *out,
                    char **err)
{
    if (i >= r->nwords) {
        *err = g_strdup_printf("ERR missing %s", what);
        return false;
    }
    if (!parse_u64(r->words[i], out)) {
        *err = g_strdup_printf("ERR invalid %s '%s'", what, r->words[i]);
        return false;
    }
    return true;
}

/* ADDR SIZE with 1 <= SIZE <= @max. */
static bool req_addr_size(Request *r, uint64_t max, uint64_t *addr,
                          uint64_t *size, char **err)
{
    if (!req_num(r, 1, "address", addr, err) ||
        !req_num(r, 2, "size", size, err)) {
        return false;
    }
    if (*size == 0 || *size > max) {
        *err = g_strdup_printf("ERR invalid size %" PRIu64, *size);
        return false;
    }
    return true;
}

/* ---- Commands ---------------------------------------------------- */

typedef char *QTestHandler(QTestSession *s, Request *r);

static unsigned width_of(char suffix)
{
    switch (suffix) {
    case 'b':
        return 1;
    case 'w':
        return 2;
    case 'l':
        return 4;
    default:
        return 8;
    }
}

static char *cmd_out(QTestSession *s, Request *r)
{
    unsigned width = width_of(r->words[0][3]);
    uint64_t port, val;
    uint8_t buf[4];
    char *err = NULL;

    if (!req_num(r, 1, "port", &port, &err) ||
        !req_num(r, 2, "value", &val, &err)) {
        return err;
    }
    if (port > 0xffff) {
        return g_strdup_printf("ERR invalid port 0x%" PRIx64, port);
    }
    stn_le_p(buf, width, val);
    address_space_write(&address_space_io, port, MEMTXATTRS_UNSPECIFIED,
                        buf, width);
    return g_strdup("OK");
}

static char *cmd_in(QTestSession *s, Request *r)
{
    unsigned width = width_of(r->words[0][2]);
    uint64_t port;
    uint8_t buf[4] = { 0 };
    char *err = NULL;

    if (!req_num(r, 1, "port", &port, &err)) {
        return err;
    }
    if (port > 0xffff) {
        return g_strdup_printf("ERR invalid port 0x%" PRIx64, port);
    }
    address_space_read(&address_space_io, port, MEMTXATTRS_UNSPECIFIED,
                       buf, width);
    return g_strdup_printf("OK 0x%04" PRIx64, ldn_le_p(buf, width));
}

static char *cmd_write_n(QTestSession *s, Request *r)
{
    unsigned width = width_of(r->words[0][5]);
    uint64_t addr, val;
    uint8_t buf[8];
    char *err = NULL;

    if (!req_num(r, 1, "address", &addr, &err) ||
        !req_num(r, 2, "value", &val, &err)) {
        return err;
    }
    stn_le_p(buf, width, val);
    address_space_write(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                        buf, width);
    return g_strdup("OK");
}

static char *cmd_read_n(QTestSession *s, Request *r)
{
    unsigned width = width_of(r->words[0][4]);
    uint64_t addr;
    uint8_t buf[8] = { 0 };
    char *err = NULL;

    if (!req_num(r, 1, "address", &addr, &err)) {
        return err;
    }
    address_space_read(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                       buf, width);
    return g_strdup_printf("OK 0x%016" PRIx64, ldn_le_p(buf, width));
}

static char *cmd_read(QTestSession *s, Request *r)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t addr, size;
    g_autofree uint8_t *data = NULL;
    char *reply, *p;
    char *err = NULL;

    if (!req_addr_size(r, QTEST_MAX_XFER, &addr, &size, &err)) {
        return err;
    }
    data = g_malloc0(size);
    address_space_read(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                       data, size);
    reply = g_malloc(5 + 2 * size + 1);
    p = stpcpy(reply, "OK 0x");
    for (uint64_t i = 0; i < size; i++) {
        *p++ = hex[data[i] >> 4];
        *p++ = hex[data[i] & 0xf];
    }
    *p = '\0';
    return reply;
}

static int hex_nibble(char c)
{
    return g_ascii_xdigit_value(c);
}

static char *cmd_write(QTestSession *s, Request *r)
{
    uint64_t addr, size;
    g_autofree uint8_t *data = NULL;
    const char *hex;
    size_t hexlen;
    char *err = NULL;

    if (!req_addr_size(r, QTEST_MAX_XFER, &addr, &size, &err)) {
        return err;
    }
    if (r->nwords < 4 || !g_str_has_prefix(r->words[3], "0x")) {
        return g_strdup("ERR invalid argument size");
    }
    hex = r->words[3] + 2;
    hexlen = strlen(hex);
    data = g_malloc0(size);
    for (uint64_t i = 0; i < size && 2 * i + 1 < hexlen; i++) {
        int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            return g_strdup_printf("ERR invalid hex data at byte %" PRIu64,
                                   i);
        }
        data[i] = hi << 4 | lo;
    }
    address_space_write(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                        data, size);
    return g_strdup("OK");
}

static char *cmd_b64read(QTestSession *s, Request *r)
{
    uint64_t addr, size;
    g_autofree uint8_t *data = NULL;
    g_autofree char *b64 = NULL;
    char *err = NULL;

    if (!req_addr_size(r, QTEST_MAX_XFER, &addr, &size, &err)) {
        return err;
    }
    data = g_malloc0(size);
    address_space_read(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                       data, size);
    b64 = g_base64_encode(data, size);
    return g_strdup_printf("OK %s", b64);
}

static char *cmd_b64write(QTestSession *s, Request *r)
{
    uint64_t addr, size;
    g_autofree uint8_t *data = NULL;
    gsize len;
    char *err = NULL;

    if (!req_addr_size(r, QTEST_MAX_XFER, &addr, &size, &err)) {
        return err;
    }
    if (r->nwords < 4) {
        return g_strdup("ERR missing data");
    }
    data = g_base64_decode(r->words[3], &len);
    if (len != size) {
        qtest_log(s, 'I', "b64write: data length mismatch");
    }
    address_space_write(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                        data, MIN(len, size));
    return g_strdup("OK");
}

static char *cmd_memset(QTestSession *s, Request *r)
{
    uint64_t addr, size, byte;
    g_autofree uint8_t *chunk = NULL;
    char *err = NULL;

    if (!req_addr_size(r, QTEST_MAX_MEMSET, &addr, &size, &err) ||
        !req_num(r, 3, "value", &byte, &err)) {
        return err;
    }
    chunk = g_malloc(MIN(size, QTEST_MEMSET_CHUNK));
    memset(chunk, (uint8_t)byte, MIN(size, QTEST_MEMSET_CHUNK));
    for (uint64_t done = 0; done < size;) {
        uint64_t n = MIN(size - done, QTEST_MEMSET_CHUNK);

        address_space_write(&address_space_memory, addr + done,
                            MEMTXATTRS_UNSPECIFIED, chunk, n);
        done += n;
    }
    return g_strdup("OK");
}

static char *cmd_clock_step(QTestSession *s, Request *r)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    uint64_t step;
    char *err = NULL;

    if (r->nwords >= 2) {
        if (!req_num(r, 1, "step", &step, &err)) {
            return err;
        }
        step = MIN(step, (uint64_t)(INT64_MAX - now));
    } else {
        int64_t deadline = qemu_clock_deadline_ns(QEMU_CLOCK_VIRTUAL);

        step = deadline < 0 ? 0 : deadline;
    }
    return g_strdup_printf("OK %" PRIi64,
                           qemu_clock_advance_virtual(now + step));
}

static char *cmd_clock_set(QTestSession *s, Request *r)
{
    uint64_t dest;
    char *err = NULL;

    if (!req_num(r, 1, "time", &dest, &err)) {
        return err;
    }
    dest = MIN(dest, (uint64_t)INT64_MAX);
    return g_strdup_printf("OK %" PRIi64, qemu_clock_advance_virtual(dest));
}

static char *cmd_irq_intercept(QTestSession *s, Request *r)
{
    bool in = !strcmp(r->words[0], "irq_intercept_in");
    Object *obj;
    DeviceState *dev;

    if (r->nwords < 2) {
        return g_strdup("ERR missing QOM path");
    }
    obj = object_resolve_path(r->words[1], NULL);
    dev = obj ? (DeviceState *)object_dynamic_cast(obj, TYPE_DEVICE) : NULL;
    if (!dev) {
        return g_strdup("FAIL Unknown device");
    }
    if (s->irq_dev) {
        return g_strdup(s->irq_dev == dev ? "OK"
                        : "FAIL IRQ intercept already enabled");
    }
    if (in) {
        qdev_intercept_gpio_in(dev, qtest_irq_handler, s);
    } else {
        qdev_intercept_gpio_out(dev, qtest_irq_handler, s);
    }
    s->irq_dev = dev;
    return g_strdup("OK");
}

static char *cmd_endianness(QTestSession *s, Request *r)
{
    return g_strdup("OK little");
}

typedef struct QTestCommand {
    const char *name;
    QTestHandler *handler;
    bool needs_qtest_accel;
} QTestCommand;

static const QTestCommand commands[] = {
    { "outb", cmd_out }, { "outw", cmd_out }, { "outl", cmd_out },
    { "inb", cmd_in }, { "inw", cmd_in }, { "inl", cmd_in },
    { "writeb", cmd_write_n }, { "writew", cmd_write_n },
    { "writel", cmd_write_n }, { "writeq", cmd_write_n },
    { "readb", cmd_read_n }, { "readw", cmd_read_n },
    { "readl", cmd_read_n }, { "readq", cmd_read_n },
    { "read", cmd_read }, { "write", cmd_write },
    { "b64read", cmd_b64read }, { "b64write", cmd_b64write },
    { "memset", cmd_memset },
    { "clock_step", cmd_clock_step, true },
    { "clock_set", cmd_clock_set, true },
    { "irq_intercept_in", cmd_irq_intercept },
    { "irq_intercept_out", cmd_irq_intercept },
    { "endianness", cmd_endianness },
};

/* Cut @line into words in place (separators become NULs). */
static void split_words(char *line, Request *r)
{
    char *p = line;

    r->nwords = 0;
    for (;;) {
        while (*p == ' ' || *p == '\t') {
            *p++ = '\0';
        }
        if (!*p || r->nwords == QTEST_MAX_WORDS) {
            break;
        }
        r->words[r->nwords++] = p;
        p += strcspn(p, " \t");
    }
    r->words[r->nwords] = NULL;
}

/* Handle @line (NUL-terminated, no '\n'; modified in place). */
static char *handle_line_in_place(QTestSession *s, char *line)
{
    size_t len = strlen(line);
    Request r;
    char *reply = NULL;

    if (len && line[len - 1] == '\r') {
        line[len - 1] = '\0';
    }
    qtest_log(s, 'R', line);
    split_words(line, &r);
    if (r.nwords == 0) {
        return g_strdup("ERR empty request");
    }
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (strcmp(commands[i].name, r.words[0])) {
            continue;
        }
        if (commands[i].needs_qtest_accel && !qtest_enabled()) {
            break;
        }
        reply = commands[i].handler(s, &r);
        break;
    }
    if (!reply) {
        reply = g_strdup_printf("FAIL Unknown command '%s'", r.words[0]);
    }
    return reply;
}

char *qtest_session_handle_line(QTestSession *s, const char *line)
{
    g_autofree char *copy = g_strdup(line);

    return handle_line_in_place(s, copy);
}

/* ---- Sessions ---------------------------------------------------- */

QTestSession *qtest_session_new(FILE *log)
{
    QTestSession *s = g_new0(QTestSession, 1);

    s->inbuf = g_string_new(NULL);
    s->outbuf = g_string_new(NULL);
    s->async = g_string_new(NULL);
    s->log = log;
    s->start_ns = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
    return s;
}

void qtest_session_free(QTestSession *s)
{
    if (!s) {
        return;
    }
    if (s->log_owned) {
        fclose(s->log);
    }
    g_string_free(s->inbuf, TRUE);
    g_string_free(s->outbuf, TRUE);
    g_string_free(s->async, TRUE);
    g_free(s);
}

char *qtest_session_take_async(QTestSession *s)
{
    char *out = g_strdup(s->async->str);

    g_string_truncate(s->async, 0);
    return out;
}

/* ---- Server on a chardev ----------------------------------------- */

/* Forget all input (and the capacity a big line made it grow to). */
static void qtest_reset_input(QTestSession *s)
{
    g_string_truncate(s->inbuf, 0);
    s->rpos = s->scanned = 0;
    release_if_large(&s->inbuf);
}

/*
 * Handle every complete line in inbuf in place, from rpos on, holding
 * the replies until all are done; then move the incomplete tail (if any)
 * to the front.  Each byte is scanned once and moved at most once.
 */
static void qtest_process_input(QTestSession *s)
{
    GString *in = s->inbuf;
    char *nl;

    s->batching = true;
    while ((nl = memchr(in->str + s->scanned, '\n',
                        in->len - s->scanned))) {
        char *line = in->str + s->rpos;

        *nl = '\0';
        s->rpos = s->scanned = nl + 1 - in->str;
        if (s->discarding) {
            s->discarding = false;
            qtest_send_line(s, "ERR request line too long");
            continue;
        }
        g_autofree char *reply = handle_line_in_place(s, line);

        qtest_send_line(s, reply);
    }
    s->batching = false;
    qtest_flush_output(s);

    if (s->rpos == in->len) {
        qtest_reset_input(s);
    } else if (in->len - s->rpos > QTEST_MAX_LINE) {
        s->discarding = true;
        qtest_reset_input(s);
    } else {
        if (s->rpos) {
            memmove(in->str, in->str + s->rpos, in->len - s->rpos);
            g_string_truncate(in, in->len - s->rpos);
            s->rpos = 0;
        }
        s->scanned = in->len;
    }
}

static int qtest_can_read(void *opaque)
{
    return 64 * KiB;
}

void qtest_session_feed(QTestSession *s, const uint8_t *buf, size_t size)
{
    const uint8_t *nl;

    if (s->discarding) {
        nl = memchr(buf, '\n', size);
        if (!nl) {
            return;
        }
        /* keep the newline so that the over-long line gets its reply */
        size -= nl - buf;
        buf = nl;
    }
    g_string_append_len(s->inbuf, (const char *)buf, size);
    qtest_process_input(s);
}

static void qtest_read(void *opaque, const uint8_t *buf, int size)
{
    qtest_session_feed(opaque, buf, size);
}

static void qtest_event(void *opaque, QEMUChrEvent event)
{
    QTestSession *s = opaque;

    if (event == CHR_EVENT_OPENED) {
        qtest_reset_input(s);
        g_string_truncate(s->outbuf, 0);
        s->discarding = false;
        s->start_ns = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
    }
}

/* Split "unix:PATH[,server=on][,wait=off]" into chardev options. */
static Chardev *qtest_chr_from_spec(const char *spec, GError **errp)
{
    ChardevOptions co = { .id = "qtest" };
    g_auto(GStrv) parts = NULL;

    if (!strcmp(spec, "stdio")) {
        co.backend = "stdio";
        return qemu_chr_new(&co, errp);
    }
    if (g_str_has_prefix(spec, "chardev:")) {
        spec += strlen("chardev:");
    }
    if (!g_str_has_prefix(spec, "unix:")) {
        Chardev *chr = qemu_chr_find(spec);

        if (!chr) {
            error_setg(errp, "chardev \"%s\" not found", spec);
        }
        return chr;
    }
    parts = g_strsplit(spec + strlen("unix:"), ",", -1);
    co.backend = "socket";
    co.path = parts[0];
    co.wait = true;
    for (char **p = parts + 1; *p; p++) {
        if (!strcmp(*p, "server=on") || !strcmp(*p, "server")) {
            co.server = true;
        } else if (!strcmp(*p, "wait=off") || !strcmp(*p, "nowait")) {
            co.wait = false;
        } else if (strcmp(*p, "server=off") && strcmp(*p, "wait=on")) {
            error_setg(errp, "Invalid parameter '%s'", *p);
            return NULL;
        }
    }
    return qemu_chr_new(&co, errp);
}

/* True if @fp writes to /dev/null (then nothing is formatted for it). */
static bool is_dev_null(FILE *fp)
{
    struct stat st;

    return fstat(fileno(fp), &st) == 0 && S_ISCHR(st.st_mode) &&
           major(st.st_rdev) == 1 && minor(st.st_rdev) == 3;
}

bool qtest_server_init(const char *spec, const char *log, GError **errp)
{
    FILE *fp = stderr;
    Chardev *chr;

    g_assert(!server);
    if (log && !strcmp(log, "none")) {
        fp = NULL;
    } else if (log) {
        fp = qemu_log_fopen(log);
        if (!fp) {
            error_setg(errp, "cannot open qtest log '%s': %s", log,
                       qemu_log_open_error(errno));
            return false;
        }
    }
    chr = qtest_chr_from_spec(spec, errp);
    if (!chr) {
        if (fp && fp != stderr) {
            fclose(fp);
        }
        return false;
    }
    if (fp && fp != stderr && is_dev_null(fp)) {
        fclose(fp);
        fp = NULL;
    }
    server = qtest_session_new(fp);
    server->log_owned = fp && fp != stderr;
    server->chr = chr;
    qemu_chr_set_handlers(chr, qtest_can_read, qtest_read, qtest_event,
                          server);
    return true;
}

void qtest_server_cleanup(void)
{
    if (!server) {
        return;
    }
    qemu_chr_set_handlers(server->chr, NULL, NULL, NULL, NULL);
    server->chr = NULL;
    if (server->irq_dev) {
        /* intercepted lines still point at the session: keep it */
        server = NULL;
        return;
    }
    g_clear_pointer(&server, qtest_session_free);
}
