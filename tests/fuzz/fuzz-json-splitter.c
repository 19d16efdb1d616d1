/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for the streaming JSON splitter of monitor/json-splitter.h,
 * which frames every byte a QMP client sends.
 *
 * The input is the byte stream.  It is fed three ways: whole, one byte at
 * a time, and in pieces of pseudo-random sizes (including empty feeds)
 * drawn from a generator seeded with a hash of the input; a final blank
 * flushes a pending top-level scalar.  The property is differential: the
 * messages and errors emitted must be the same, in the same order, for
 * every chunking.  Each of the three runs is done with the default size
 * limit and with a tiny one (1..64 bytes, also from the generator) so
 * that the over-limit path is exercised too.  Also checked for every
 * message: it is non-empty, NUL-terminated at its length, within the
 * limit, and fed alone to a fresh splitter it comes out unchanged, as
 * exactly one message (framing is idempotent), and json-glib parses it
 * (the splitter hands on plain JSON only).  Finally, the input followed
 * by the reset "\xff\n" and "{}" must end with the message "{}": no
 * input can wedge the stream.
 * Inputs above 64 KiB are skipped to keep the byte-at-a-time run cheap.
 */
#include "qemu/osdep.h"
#include <json-glib/json-glib.h>
#include "monitor/json-splitter.h"
#include "fuzz.h"

/* What a splitter emitted: "T" + text, or "E" + error message, each. */
typedef struct Emitted {
    GPtrArray *items;   /* of GBytes */
    size_t max_size;
} Emitted;

static void record(void *opaque, const char *text, size_t len,
                   const GError *err)
{
    Emitted *out = opaque;
    GByteArray *item = g_byte_array_new();

    if (err) {
        g_assert_null(text);
        g_byte_array_append(item, (const guint8 *)"E", 1);
        g_byte_array_append(item, (const guint8 *)err->message,
                            strlen(err->message));
    } else {
        g_assert_nonnull(text);
        g_assert_cmpuint(len, >, 0);
        /* tokens within the limit, plus collapsed blanks and ".0"s */
        g_assert_cmpuint(len, <=, 3 * out->max_size);
        g_assert_cmpint(text[len], ==, '\0');
        g_byte_array_append(item, (const guint8 *)"T", 1);
        g_byte_array_append(item, (const guint8 *)text, len);
    }
    g_ptr_array_add(out->items, g_byte_array_free_to_bytes(item));
}

typedef enum {
    FEED_WHOLE,
    FEED_BYTES,
    FEED_PIECES,
} FeedMode;

static GPtrArray *split(const uint8_t *data, size_t size, size_t max_size,
                        FeedMode mode, FuzzRng *rng)
{
    Emitted out = {
        .items = g_ptr_array_new_with_free_func(
            (GDestroyNotify)g_bytes_unref),
        .max_size = max_size,
    };
    JsonSplitter js;
    size_t off = 0;

    json_splitter_init(&js, record, &out, max_size);
    while (off < size) {
        size_t n;

        switch (mode) {
        case FEED_WHOLE:
            n = size;
            break;
        case FEED_BYTES:
            n = 1;
            break;
        default:
            /* Mostly short pieces, now and then a long one or none. */
            n = fuzz_rng_below(rng, 8) ? fuzz_rng_below(rng, 17)
                                       : fuzz_rng_below(rng, 4096);
            n = MIN(n, size - off);
        }
        json_splitter_feed(&js, (const char *)data + off, n);
        off += n;
    }
    json_splitter_feed(&js, " ", 1);
    json_splitter_destroy(&js);
    return out.items;
}

static void check_same(GPtrArray *a, GPtrArray *b)
{
    g_assert_cmpuint(a->len, ==, b->len);
    for (guint i = 0; i < a->len; i++) {
        g_assert_true(g_bytes_equal(g_ptr_array_index(a, i),
                                    g_ptr_array_index(b, i)));
    }
}

/* Each message, fed again on its own, is framed as itself. */
static void check_idempotent(GPtrArray *items, size_t max_size)
{
    for (guint i = 0; i < items->len; i++) {
        GBytes *item = g_ptr_array_index(items, i);
        const uint8_t *p;
        size_t len;
        g_autoptr(GPtrArray) again = NULL;

        p = g_bytes_get_data(item, &len);
        if (p[0] != 'T') {
            continue;
        }
        {
            g_autoptr(JsonParser) parser = json_parser_new_immutable();
            g_autoptr(GError) err = NULL;

            json_parser_load_from_data(parser, (const char *)p + 1, len - 1,
                                       &err);
            g_assert_no_error(err);
        }
        again = split(p + 1, len - 1, max_size, FEED_WHOLE, NULL);
        g_assert_cmpuint(again->len, ==, 1);
        g_assert_true(g_bytes_equal(g_ptr_array_index(again, 0), item));
    }
}

static void check_chunkings(const uint8_t *data, size_t size,
                            size_t max_size, FuzzRng *rng)
{
    g_autoptr(GPtrArray) whole = split(data, size, max_size, FEED_WHOLE,
                                       NULL);
    g_autoptr(GPtrArray) bytes = split(data, size, max_size, FEED_BYTES,
                                       NULL);
    g_autoptr(GPtrArray) pieces = split(data, size, max_size, FEED_PIECES,
                                        rng);

    check_same(whole, bytes);
    check_same(whole, pieces);
    /*
     * Not with @max_size: a rewritten message can be a little longer
     * than the tokens it came from ("1e19" integers gain ".0").
     */
    check_idempotent(whole, JSON_SPLITTER_DEFAULT_MAX_SIZE);
}

/* Whatever came before, "\xff\n" resets: "{}" is then framed as itself. */
static void check_resync(const uint8_t *data, size_t size)
{
    static const char tail[] = "\xff\n{}";
    g_autofree uint8_t *buf = g_malloc(size + sizeof(tail) - 1);
    g_autoptr(GPtrArray) items = NULL;
    GBytes *last;
    size_t len;
    const char *p;

    memcpy(buf, data, size);
    memcpy(buf + size, tail, sizeof(tail) - 1);
    items = split(buf, size + sizeof(tail) - 1,
                  JSON_SPLITTER_DEFAULT_MAX_SIZE, FEED_WHOLE, NULL);
    g_assert_cmpuint(items->len, >, 0);
    last = g_ptr_array_index(items, items->len - 1);
    p = g_bytes_get_data(last, &len);
    g_assert_cmpuint(len, ==, 3);
    g_assert_true(!memcmp(p, "T{}", 3));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzRng rng;

    if (size > 64 * KiB) {
        return 0;
    }
    fuzz_rng_init(&rng, data, size);
    check_chunkings(data, size, JSON_SPLITTER_DEFAULT_MAX_SIZE, &rng);
    check_chunkings(data, size, 1 + fuzz_rng_below(&rng, 64), &rng);
    check_resync(data, size);
    return 0;
}
