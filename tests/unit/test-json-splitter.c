/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for the streaming JSON splitter in monitor/json-splitter.c. */
#include "qemu/osdep.h"
#include "monitor/json-splitter.h"

/* What the splitter emitted: texts, and "ERR:<message>" for errors. */
typedef struct Out {
    GPtrArray *items;
} Out;

static void collect(void *opaque, const char *text, size_t len,
                    const GError *err)
{
    Out *out = opaque;

    if (err) {
        g_ptr_array_add(out->items, g_strdup_printf("ERR:%s", err->message));
    } else {
        g_assert_cmpuint(strlen(text), ==, len);
        g_ptr_array_add(out->items, g_strdup(text));
    }
}

static GPtrArray *split_chunks(const char *input, size_t chunk,
                               size_t max_size)
{
    Out out = { g_ptr_array_new_with_free_func(g_free) };
    JsonSplitter js;
    size_t len = strlen(input);

    json_splitter_init(&js, collect, &out, max_size);
    for (size_t off = 0; off < len; off += chunk) {
        json_splitter_feed(&js, input + off, MIN(chunk, len - off));
    }
    json_splitter_destroy(&js);
    return out.items;
}

static void assert_items(GPtrArray *items, const char *const *expected)
{
    guint n = g_strv_length((char **)expected);

    g_assert_cmpuint(items->len, ==, n);
    for (guint i = 0; i < n; i++) {
        g_assert_cmpstr(g_ptr_array_index(items, i), ==, expected[i]);
    }
}

static void test_several_per_feed(void)
{
    static const char *const want[] = {
        "{\"a\":1}", "{\"b\":[1,{}]}", "[2]", NULL
    };
    g_autoptr(GPtrArray) items =
        split_chunks("{\"a\":1}{\"b\":[1,{}]}\n  [2]\r\n", 4096, 0);

    assert_items(items, want);
}

static void test_byte_at_a_time(void)
{
    static const char *const want[] = {
        "{\"execute\": \"x\", \"id\": \"}{\\\"[\"}", "{}", NULL
    };
    g_autoptr(GPtrArray) items =
        split_chunks("{\"execute\": \"x\", \"id\": \"}{\\\"[\"} {}", 1, 0);

    assert_items(items, want);
}

static void test_single_quotes(void)
{
    static const char *const want[] = {
        "{\"a\": \"}'\\\"\"}", "\"x\"", "\"\\n\"", NULL
    };
    g_autoptr(GPtrArray) items =
        split_chunks("{'a': '}\\'\"'} 'x' '\\n'", 2, 0);

    assert_items(items, want);
}

static void test_top_level_scalars(void)
{
    static const char *const want[] = {
        "\"s{\"", "12", "true", "{}", "null", NULL
    };
    g_autoptr(GPtrArray) items =
        split_chunks("\"s{\" 12 true{} null\n", 3, 0);

    assert_items(items, want);
}

static void test_stray_close_then_recovers(void)
{
    static const char *const want[] = {
        "ERR:JSON parse error, expecting value", "{\"ok\":1}", NULL
    };
    g_autoptr(GPtrArray) items = split_chunks("} {\"ok\":1}", 2, 0);

    assert_items(items, want);
}

static void test_size_limit_then_recovers(void)
{
    g_autofree char *input = NULL;
    g_autoptr(GPtrArray) items = NULL;
    g_autofree char *big = g_strnfill(200, 'x');

    /* Braces inside the skipped string must not confuse the depth. */
    input = g_strdup_printf("{\"id\": \"%s}}}{{\"} {\"next\":1}", big);
    items = split_chunks(input, 7, 64);
    g_assert_cmpuint(items->len, ==, 2);
    g_assert_true(g_str_has_prefix(g_ptr_array_index(items, 0), "ERR:"));
    g_assert_nonnull(strstr(g_ptr_array_index(items, 0), "limit"));
    g_assert_cmpstr(g_ptr_array_index(items, 1), ==, "{\"next\":1}");
}

static void test_depth_limit_then_recovers(void)
{
    guint depth = JSON_SPLITTER_MAX_DEPTH + 10;
    g_autofree char *open = g_strnfill(depth, '[');
    g_autofree char *close = g_strnfill(depth, ']');
    g_autofree char *input = g_strconcat(open, close, "{}", NULL);
    g_autoptr(GPtrArray) items = split_chunks(input, 100, 0);
    g_autofree char *ok_open = g_strnfill(JSON_SPLITTER_MAX_DEPTH, '[');
    g_autofree char *ok_close = g_strnfill(JSON_SPLITTER_MAX_DEPTH, ']');
    g_autofree char *ok = g_strconcat(ok_open, ok_close, NULL);
    g_autoptr(GPtrArray) ok_items = split_chunks(ok, 100, 0);

    g_assert_cmpuint(items->len, ==, 2);
    g_assert_cmpstr(g_ptr_array_index(items, 0), ==,
                    "ERR:JSON nesting depth limit exceeded");
    g_assert_cmpstr(g_ptr_array_index(items, 1), ==, "{}");
    /* Exactly at the limit is still fine. */
    g_assert_cmpuint(ok_items->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(ok_items, 0), ==, ok);
}

static void test_reset_drops_partial(void)
{
    Out out = { g_ptr_array_new_with_free_func(g_free) };
    static const char *const want[] = { "{\"b\":2}", NULL };
    JsonSplitter js;

    json_splitter_init(&js, collect, &out, 0);
    json_splitter_feed(&js, "{\"a\":\"{", 7);
    json_splitter_reset(&js);
    json_splitter_feed(&js, "{\"b\":2}", 7);
    json_splitter_destroy(&js);
    assert_items(out.items, want);
    g_ptr_array_unref(out.items);
}

/* Random nested JSON text built from a small grammar. */
static void random_json(GRand *r, GString *s, int depth)
{
    switch (depth > 4 ? 3 + g_rand_int_range(r, 0, 2) :
            g_rand_int_range(r, 0, 5)) {
    case 0: {
        int n = g_rand_int_range(r, 0, 4);

        g_string_append_c(s, '{');
        for (int i = 0; i < n; i++) {
            g_string_append_printf(s, "%s\"k%d\\\"}\": ", i ? ", " : "", i);
            random_json(r, s, depth + 1);
        }
        g_string_append_c(s, '}');
        break;
    }
    case 1: {
        int n = g_rand_int_range(r, 0, 4);

        g_string_append_c(s, '[');
        for (int i = 0; i < n; i++) {
            if (i) {
                g_string_append(s, ",");
            }
            random_json(r, s, depth + 1);
        }
        g_string_append_c(s, ']');
        break;
    }
    case 2:
    case 3:
        g_string_append(s, "\"a]\\\\\"");
        break;
    default:
        g_string_append_printf(s, "%d", g_rand_int_range(r, 0, 1000));
        break;
    }
}

static void test_random_chunking_model(void)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(42);

    for (int round = 0; round < 200; round++) {
        g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GString) stream = g_string_new(NULL);
        g_autoptr(GPtrArray) got = NULL;

        for (int i = 0; i < 5; i++) {
            GString *msg = g_string_new(NULL);

            random_json(r, msg, 0);
            g_string_append(stream, msg->str);
            g_string_append(stream, i % 2 ? "\n" : " ");
            g_ptr_array_add(want, g_string_free(msg, false));
        }
        got = split_chunks(stream->str, g_rand_int_range(r, 1, 40), 0);
        g_assert_cmpuint(got->len, ==, want->len);
        for (guint i = 0; i < want->len; i++) {
            g_assert_cmpstr(g_ptr_array_index(got, i), ==,
                            g_ptr_array_index(want, i));
        }
    }
}

static void test_unicode_escapes_checked(void)
{
    static const char *const want[] = {
        "{\"a\":\"\\ud834\\udd1e\\u00e9\"}",
        "ERR:JSON parse error, \\u0000 (NUL) in a string is not supported",
        "ERR:JSON parse error, \\udd1e is not a valid Unicode character",
        "ERR:JSON parse error, \\ud834 is not a valid Unicode character",
        "ERR:JSON parse error, \\ud834 is not a valid Unicode character",
        "ERR:JSON parse error, \\ud834 is not a valid Unicode character",
        "ERR:JSON parse error, \\u12 is not a valid Unicode character",
        "[1]",
        NULL
    };

    /* every chunking gives the same answer */
    for (size_t chunk = 1; chunk <= 8; chunk++) {
        g_autoptr(GPtrArray) items = split_chunks(
            "{\"a\":\"\\ud834\\udd1e\\u00e9\"}"
            "{\"a\":\"x\\u0000y\"}"
            "{\"a\":\"\\udd1e\"}"
            "['\\ud834x']"
            "{\"a\":\"\\ud834\\u0041\"}"
            "{\"a\":\"\\ud834\"}"
            "{\"b\":\"\\u12\"}"
            "[1]", chunk, 0);

        assert_items(items, want);
    }
}

static void test_number_ranges(void)
{
    static const char *const want[] = {
        "{\"a\":9223372036854775807,\"b\":-9223372036854775808}",
        "{\"a\":9223372036854775808.0,\"b\":[-9223372036854775809.0]}",
        "[18446744073709551616.0,1e300,1.5,\"99999999999999999999\"]",
        "123456789012345678901234.0",
        "-0",
        /* the double would be printed back as "inf", which is not JSON */
        "ERR:JSON parse error, number out of range",
        "ERR:JSON parse error, number out of range",
        "[-1e308]",
        NULL
    };
    g_autoptr(GPtrArray) items = split_chunks(
        "{\"a\":9223372036854775807,\"b\":-9223372036854775808}"
        "{\"a\":9223372036854775808,\"b\":[-9223372036854775809]}"
        "[18446744073709551616,1e300,1.5,\"99999999999999999999\"]"
        "123456789012345678901234 -0 "
        "{\"id\":1e400}[-1E+999][-1e308]", 3, 0);

    assert_items(items, want);
}

/*
 * Issue 10 item 8: one bad byte must not wedge the stream.  Each case is
 * QEMU 7.2's answer (-qmp stdio), byte for byte; the valid command after
 * it must come through in every chunking.
 */
static void test_stray_bytes_resync(void)
{
    static const struct {
        const char *input;
        const char *errors[3];
    } cases[] = {
        { "{\xff", { "ERR:JSON parse error, stray '\xff'" } },
        { "{\x01", { "ERR:JSON parse error, stray '\x01'" } },
        { "{'bad \xff", { "ERR:JSON parse error, stray ''bad \xff'" } },
        { "{\"execute\":\"query-st\natus\"}",
          { "ERR:JSON parse error, stray '\"query-st\n'",
            "ERR:JSON parse error, expecting value" } },
        { "%p", { "ERR:JSON parse error, stray '%'" } },
        /* skipped up to the next brace, spaces and all */
        { "% 1 'x' ", { "ERR:JSON parse error, stray '%'" } },
        { "[1.}", { "ERR:JSON parse error, stray '1.}'" } },
        { "-x", { "ERR:JSON parse error, stray '-x'" } },
        { "1.5e+ ", { "ERR:JSON parse error, stray '1.5e+ '" } },
        { "\"a\tb\"", { "ERR:JSON parse error, stray '\"a\t'" } },
        { "tru\x01", { "ERR:JSON parse error, invalid keyword 'tru'",
                       "ERR:JSON parse error, stray '\x01'" } },
        { "{\"a\":1}}", { "{\"a\":1}",
                          "ERR:JSON parse error, expecting value" } },
        { "[}", { "ERR:JSON parse error, expecting value" } },
    };
    const char *cmd = "{\"execute\":\"query-status\"}";

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *input = g_strconcat(cases[i].input, cmd, NULL);

        for (size_t chunk = 1; chunk <= 5; chunk++) {
            g_autoptr(GPtrArray) items = split_chunks(input, chunk, 0);
            guint n = g_strv_length((char **)cases[i].errors);

            g_assert_cmpuint(items->len, ==, n + 1);
            for (guint j = 0; j < n; j++) {
                g_assert_cmpstr(g_ptr_array_index(items, j), ==,
                                cases[i].errors[j]);
            }
            g_assert_cmpstr(g_ptr_array_index(items, n), ==, cmd);
        }
    }
}

/*
 * Issue 15 item 5: what json-glib would take but is not JSON gets QEMU
 * 7.2's error, and never reaches a parser.
 */
static void test_not_json_refused(void)
{
    static const char *const want[] = {
        "ERR:JSON parse error, expected separator in dict",
        "ERR:JSON parse error, stray '00'",
        "ERR:JSON parse error, expecting value",
        "ERR:JSON parse error, stray '/'",
        "ERR:JSON parse error, expecting value",
        "ERR:JSON parse error, stray '/'",
        "{}",
        "ERR:JSON parse error, expecting value",
        "ERR:JSON parse error, stray 'T'",
        "ERR:JSON parse error, expecting value",
        "ERR:JSON parse error, invalid keyword 'nul'",
        "ERR:JSON parse error, expected separator in list",
        "ERR:JSON parse error, missing : in object pair",
        "ERR:JSON parse error, key is not a string in object",
        "ERR:JSON parse error, invalid escape sequence in string",
        "ERR:JSON parse error, \\u12x4 is not a valid Unicode character",
        "ERR:JSON parse error, invalid UTF-8 sequence in string",
        "ERR:JSON parse error, expected separator in list",
        "{\"a\":\"it's \\\"q\\\"\",\"b\":\"'\"}",
        "ERR:JSON parse error, duplicate key",
        "ERR:JSON parse error, duplicate key",
        "ERR:JSON parse error, duplicate key",
        "ERR:JSON parse error, missing : in object pair",
        "{\"a\":1,\"b\":{\"a\":[{\"a\":1},{\"a\":2}]}}",
        NULL
    };
    g_autoptr(GPtrArray) items = split_chunks(
        "{\"value\": 0x200000}"
        "{\"id\":00012}"
        "{\"execute\":/*c*/\"x\"}"
        "// x\n{}"
        "[1,]"
        "[True]"
        "[nul]"
        "[1 2]"
        "{\"a\" 1}"
        "{1:2}"
        "[\"\\x\"]"
        "[\"\\u12x4\"]"
        "[\"\xc3\x28\"]"
        "[0e5]"
        "{'a':'it\\'s \"q\"',\"b\":\"\\'\"}"
        /* keys compare decoded, at any depth, once the member is whole */
        "{\"execute\":1,\"\\u0065xecute\":2}"
        "{\"a\":{\"b\":1,'b':[2]}}"
        "{\"\\ud834\\udd1e\":1,\"\xf0\x9d\x84\x9e\":2}"
        "{\"a\":1,\"a\" 2}"
        "{\"a\":1,\"b\":{\"a\":[{\"a\":1},{\"a\":2}]}}", 3, 0);

    assert_items(items, want);
}

/* One message of more than 2 Mi tokens is refused (QEMU's limit). */
static void test_token_count_limit(void)
{
    size_t k = JSON_SPLITTER_MAX_TOKENS / 2 - 2;
    g_autoptr(GString) ok = g_string_new("[");
    g_autoptr(GString) over = g_string_new("[");
    g_autoptr(GString) input = g_string_new(NULL);
    g_autoptr(GPtrArray) items = NULL;

    for (size_t i = 0; i < k; i++) {
        g_string_append(ok, "0,");
        g_string_append(over, "0,");
    }
    g_string_append(ok, "[]]");              /* exactly the limit */
    g_string_append(over, "0,0]");           /* one token more */
    g_string_append_printf(input, "%s%s{}", ok->str, over->str);
    items = split_chunks(input->str, 65536, 0);
    /* (no cmpstr: a failure would print megabytes) */
    g_assert_cmpuint(items->len, ==, 3);
    g_assert_true(g_str_equal(g_ptr_array_index(items, 0), ok->str));
    g_assert_true(g_str_equal(g_ptr_array_index(items, 1),
                              "ERR:JSON token count limit exceeded"));
    g_assert_true(g_str_equal(g_ptr_array_index(items, 2), "{}"));
}

static void count_only(void *opaque, const char *text, size_t len,
                       const GError *err)
{
    (*(int *)opaque)++;
}

/* Issue 15 item 4: a large message does not leave a large buffer. */
static void test_large_message_buffer_released(void)
{
    g_autofree char *big = g_strnfill(4 * MiB, 'x');
    g_autofree char *msg = g_strdup_printf("{\"a\":\"%s\"}", big);
    JsonSplitter js;
    int n = 0;

    json_splitter_init(&js, count_only, &n, 0);
    json_splitter_feed(&js, msg, strlen(msg));
    g_assert_cmpint(n, ==, 1);
    g_assert_cmpuint(js.buf->allocated_len, <=,
                     JSON_SPLITTER_KEEP_CAPACITY);
    /* refused by the size limit, and cut off mid-string: the same */
    json_splitter_destroy(&js);
    json_splitter_init(&js, count_only, &n, 2 * MiB);
    json_splitter_feed(&js, msg, strlen(msg));
    g_assert_cmpint(n, ==, 2);
    g_assert_cmpuint(js.buf->allocated_len, <=,
                     JSON_SPLITTER_KEEP_CAPACITY);
    json_splitter_feed(&js, msg, 3 * MiB);
    json_splitter_reset(&js);
    g_assert_cmpuint(js.buf->allocated_len, <=,
                     JSON_SPLITTER_KEEP_CAPACITY);
    json_splitter_destroy(&js);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/json-splitter/several-per-feed",
                    test_several_per_feed);
    g_test_add_func("/json-splitter/byte-at-a-time", test_byte_at_a_time);
    g_test_add_func("/json-splitter/single-quotes", test_single_quotes);
    g_test_add_func("/json-splitter/top-level-scalars",
                    test_top_level_scalars);
    g_test_add_func("/json-splitter/stray-close-then-recovers",
                    test_stray_close_then_recovers);
    g_test_add_func("/json-splitter/size-limit-then-recovers",
                    test_size_limit_then_recovers);
    g_test_add_func("/json-splitter/depth-limit-then-recovers",
                    test_depth_limit_then_recovers);
    g_test_add_func("/json-splitter/reset-drops-partial",
                    test_reset_drops_partial);
    g_test_add_func("/json-splitter/random-chunking-matches-model",
                    test_random_chunking_model);
    g_test_add_func("/json-splitter/unicode-escapes-checked",
                    test_unicode_escapes_checked);
    g_test_add_func("/json-splitter/numbers/beyond-int64-double-"
                    "beyond-double-refused", test_number_ranges);
    g_test_add_func("/json-splitter/stray-bytes-resync",
                    test_stray_bytes_resync);
    g_test_add_func("/json-splitter/not-json-refused",
                    test_not_json_refused);
    g_test_add_func("/json-splitter/token-count-limit",
                    test_token_count_limit);
    g_test_add_func("/json-splitter/large-message-buffer-released",
                    test_large_message_buffer_released);
    return g_test_run();
}
