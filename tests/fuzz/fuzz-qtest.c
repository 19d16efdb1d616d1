/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for the qtest protocol parser (softmmu/qtest.c, through its
 * chardev-less session API in sysemu/qtest.h).
 *
 * The input is a stream of request lines, cut at '\n' and at a NUL as the
 * server does (at most 32 lines per input).  The machine is small: 64 KiB
 * of RAM at 0, 4 KiB of RAM at the very top of the address space (so that
 * ranges that wrap past 2^64 meet RAM), port I/O with nothing behind it,
 * the qtest accelerator's virtual clock, and a device with four GPIO
 * inputs at /sink for irq_intercept_in.
 * Checked: every request gets exactly one reply line that starts with
 * "OK", "FAIL " or "ERR ", asynchronous output is whole lines, and the
 * sanitizers see nothing.  The same lines are then fed again as one
 * stream cut into chunks (sizes taken from the input) through the
 * server's buffering (qtest_session_feed): one valid reply per line.  memset requests above 16 MiB are skipped: the
 * protocol allows any size and fills in 64 KiB steps, so a size near 2^64
 * runs for hours (see tests/fuzz/README.md, known issues).
 */
#include "qemu/osdep.h"
#include "exec/address-spaces.h"
#include "hw/qdev-core.h"
#include "sysemu/qtest.h"
#include "fuzz.h"

#define TYPE_FUZZ_IRQ_SINK "fuzz-irq-sink"
#define MAX_LINES 32
#define MEMSET_LIMIT (16 * MiB)

static QTestSession *sess;

static void sink_set_irq(void *opaque, int n, int level)
{
}

static void sink_initfn(Object *obj)
{
    qdev_init_gpio_in(DEVICE(obj), sink_set_irq, 4);
}

static const TypeInfo sink_info = {
    .name = TYPE_FUZZ_IRQ_SINK,
    .parent = TYPE_DEVICE,
    .instance_init = sink_initfn,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static MemoryRegion low, top;
    g_autoptr(GError) err = NULL;
    DeviceState *dev;

    qdev_register_types();
    type_register_static(&sink_info);
    g_assert_true(memory_region_init_ram(&low, NULL, "fuzz.low", 64 * KiB,
                                         &err));
    g_assert_true(memory_region_init_ram(&top, NULL, "fuzz.top", 4 * KiB,
                                         &err));
    memory_region_add_subregion(get_system_memory(), 0, &low);
    memory_region_add_subregion(get_system_memory(), UINT64_MAX - 4095,
                                &top);
    dev = qdev_new(TYPE_FUZZ_IRQ_SINK);
    object_property_add_child(object_get_root(), "sink", OBJECT(dev));
    object_unref(dev);
    qtest_accel_init();
    sess = qtest_session_new(NULL);
    return 0;
}

/* A memset whose size word is above MEMSET_LIMIT (see the top comment). */
static bool is_huge_memset(const char *line)
{
    g_auto(GStrv) words = g_strsplit_set(line, " \t", -1);
    int n = 0;

    for (char **w = words; *w; w++) {
        if (!**w) {
            continue;
        }
        if (n == 0 && strcmp(*w, "memset")) {
            return false;
        }
        if (n++ == 2) {
            return g_ascii_strtoull(*w, NULL, 0) > MEMSET_LIMIT;
        }
    }
    return false;
}

static void check_reply(const char *reply)
{
    g_assert_nonnull(reply);
    g_assert_null(strchr(reply, '\n'));
    g_assert_true(!strcmp(reply, "OK") || g_str_has_prefix(reply, "OK ") ||
                  g_str_has_prefix(reply, "FAIL ") ||
                  g_str_has_prefix(reply, "ERR "));
}

/* Feed @stream in chunks of 1..64 bytes chosen by @data; check replies. */
static void feed_in_chunks(GString *stream, int nlines, const uint8_t *data,
                           size_t size)
{
    g_autofree char *out = NULL;
    g_auto(GStrv) replies = NULL;
    int got = 0;

    g_free(qtest_session_take_async(sess));
    for (size_t off = 0, i = 0; off < stream->len; i++) {
        size_t n = MIN(stream->len - off, 1 + (size ? data[i % size] % 64
                                                     : 0));

        qtest_session_feed(sess, (const uint8_t *)stream->str + off, n);
        off += n;
    }
    out = qtest_session_take_async(sess);
    g_assert_true(!*out || g_str_has_suffix(out, "\n"));
    replies = g_strsplit(out, "\n", -1);
    for (char **r = replies; *r && **r; r++) {
        if (!g_str_has_prefix(*r, "IRQ ")) {
            check_reply(*r);
            got++;
        }
    }
    g_assert_cmpint(got, ==, nlines);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    g_autoptr(GString) stream = g_string_new(NULL);
    g_autofree char *async = NULL;
    int lines = 0, fed = 0;

    if (!sess) {
        LLVMFuzzerInitialize(NULL, NULL);
    }
    while (p < end && lines++ < MAX_LINES) {
        const char *nl = memchr(p, '\n', end - p);
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        g_autofree char *line = g_strndup(p, len);
        g_autofree char *reply = NULL;

        p += len + 1;
        if (is_huge_memset(line)) {
            continue;
        }
        reply = qtest_session_handle_line(sess, line);
        check_reply(reply);
        /* the server cuts a line at '\n' only; NUL ends its text */
        g_string_append(stream, line);
        g_string_append_c(stream, '\n');
        fed++;
    }
    async = qtest_session_take_async(sess);
    g_assert_true(!*async || g_str_has_suffix(async, "\n"));
    feed_in_chunks(stream, fed, data, size);
    return 0;
}
