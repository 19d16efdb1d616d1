/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests for util/cutils.c: size parsing (table-driven, with the overflow
 * boundaries and rounding cases), integer parsing, size formatting and
 * booleans.  Expected values for sizes were checked against QEMU 7.2.
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qapi/error.h"

#define UNCHANGED UINT64_C(0xdeadbeefdeadbeef)

typedef struct SizeCase {
    const char *in;
    int ret;
    uint64_t val;       /* expected on success; UNCHANGED otherwise */
    int end_off;        /* expected *end - in when parsed with an end */
} SizeCase;

/* Parsed with end == NULL: the whole string must be a size. */
static const SizeCase strtosz_whole[] = {
    { "0", 0, 0 },
    { "12345", 0, 12345 },
    { "+1K", 0, KiB },
    { " \t512M", 0, 512 * MiB },
    { "1b", 0, 1 },
    { "1B", 0, 1 },
    { "8k", 0, 8 * KiB },
    { "64G", 0, 64 * GiB },
    { "64g", 0, 64 * GiB },
    { "1T", 0, TiB },
    { "1P", 0, 1024 * TiB },
    { "1E", 0, UINT64_C(1) << 60 },
    { "1.5G", 0, 3 * GiB / 2 },
    { "1.5k", 0, 1536 },
    { "1.K", 0, KiB },
    { "5.k", 0, 5 * KiB },
    { "1.0", 0, 1 },
    { "1.0B", 0, 1 },
    { "0.5K", 0, 512 },
    /* fractions that do not land on a byte round to nearest, halves up */
    { "1.0000001K", 0, 1024 },          /* 1024.0001 */
    { "0.0004K", 0, 0 },                /* 0.4096 */
    { "0.0005K", 0, 1 },                /* 0.512 */
    { "1.9999999999K", 0, 2048 },
    { "0.00048828125K", 0, 1 },         /* exactly 0.5 byte: up */
    { "0.00048828124K", 0, 0 },         /* just below half */
    { "1.1E", 0, UINT64_C(1268213655067531674) }, /* 1.1 * 2^60, rounded */
    { "0x1000", 0, 4096 },
    { "0X10k", 0, 16 * KiB },           /* hex + suffix: QEMU 7.2 accepts */
    { "0x10M", 0, 16 * MiB },
    { "0xffffffffffffffff", 0, UINT64_MAX },
    { "18446744073709551615", 0, UINT64_MAX },
    { "17179869183.999999999G", 0, UINT64_MAX },   /* 2^64 - 1.07 */
    { "15E", 0, UINT64_C(15) << 60 },
    /* overflow */
    { "16E", -ERANGE, UNCHANGED },
    { "16384P", -ERANGE, UNCHANGED },
    { "18446744073709551616", -ERANGE, UNCHANGED },
    { "0x10000000000000000", -ERANGE, UNCHANGED },
    { "99999999999999999999999", -ERANGE, UNCHANGED },
    { "15.9999999999999999999E", -ERANGE, UNCHANGED }, /* 2^64 - 0.115 */
    { "15.99999999999999999999E", -ERANGE, UNCHANGED }, /* 20th ignored */
    { "17179869183.9999999999G", -ERANGE, UNCHANGED }, /* rounds to 2^64 */
    /* junk */
    { "", -EINVAL, UNCHANGED },
    { "   ", -EINVAL, UNCHANGED },
    { "-1", -EINVAL, UNCHANGED },
    { "-0", -EINVAL, UNCHANGED },
    { " -1K", -EINVAL, UNCHANGED },
    { "+-1", -EINVAL, UNCHANGED },
    { "1.5", -EINVAL, UNCHANGED },      /* fraction of a byte */
    { "1.5B", -EINVAL, UNCHANGED },
    { "1.5b", -EINVAL, UNCHANGED },
    { ".5K", -EINVAL, UNCHANGED },
    { "0x1.8K", -EINVAL, UNCHANGED },
    { "0x10.0", -EINVAL, UNCHANGED },
    { "0x", -EINVAL, UNCHANGED },
    { "00x10", -EINVAL, UNCHANGED },
    { "1e3", -EINVAL, UNCHANGED },
    { "1k5", -EINVAL, UNCHANGED },
    { "1KiB", -EINVAL, UNCHANGED },
    { "1 K", -EINVAL, UNCHANGED },
    { "1K ", -EINVAL, UNCHANGED },
    { "1X", -EINVAL, UNCHANGED },
    { "K", -EINVAL, UNCHANGED },
    { "abc", -EINVAL, UNCHANGED },
    { "1.2.3K", -EINVAL, UNCHANGED },
};

/* Parsed with an end pointer: trailing text is allowed and located. */
static const SizeCase strtosz_end[] = {
    { "123foo", 0, 123, 3 },
    { "1Kfoo", 0, KiB, 2 },
    { "1K ", 0, KiB, 2 },
    { "1 K", 0, 1, 1 },
    { "1KiB", 0, KiB, 2 },
    { "0x", 0, 0, 1 },
    { "12,34", 0, 12, 2 },
    { "1.5Mx", 0, 3 * MiB / 2, 4 },
    { "16Ex", -ERANGE, UNCHANGED, 3 },
    { "x1", -EINVAL, UNCHANGED, 0 },
    { "-5K", -EINVAL, UNCHANGED, 0 },
    { "1.5x", -EINVAL, UNCHANGED, 0 },
};

static void check_size_case(const SizeCase *c, bool with_end,
                            int (*fn)(const char *, const char **,
                                      uint64_t *))
{
    const char *end = NULL;
    uint64_t val = UNCHANGED;
    int ret = fn(c->in, with_end ? &end : NULL, &val);

    if (ret != c->ret || val != c->val) {
        g_test_message("input '%s': ret %d val %" PRIu64, c->in, ret, val);
    }
    g_assert_cmpint(ret, ==, c->ret);
    g_assert_cmpuint(val, ==, c->val);
    if (with_end) {
        g_assert_cmpint(end - c->in, ==, c->end_off);
    }
}

static void test_strtosz_whole(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(strtosz_whole); i++) {
        check_size_case(&strtosz_whole[i], false, qemu_strtosz);
    }
}

static void test_strtosz_end(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(strtosz_end); i++) {
        check_size_case(&strtosz_end[i], true, qemu_strtosz);
    }
}

static void test_strtosz_whole_with_end(void)
{
    /* A complete size parsed with an end pointer ends at the terminator. */
    for (size_t i = 0; i < G_N_ELEMENTS(strtosz_whole); i++) {
        SizeCase c = strtosz_whole[i];

        if (c.ret == 0) {
            c.end_off = strlen(c.in);
            check_size_case(&c, true, qemu_strtosz);
        }
    }
}

static void test_strtosz_null(void)
{
    uint64_t val = UNCHANGED;
    const char *end = "x";

    g_assert_cmpint(qemu_strtosz(NULL, NULL, &val), ==, -EINVAL);
    g_assert_cmpint(qemu_strtosz(NULL, &end, &val), ==, -EINVAL);
    g_assert_null(end);
    g_assert_cmpuint(val, ==, UNCHANGED);
}

static const SizeCase strtosz_mib[] = {
    { "512", 0, 512 * MiB },
    { "1.5", 0, 3 * MiB / 2 },
    { "0.5", 0, MiB / 2 },
    { "4G", 0, 4 * GiB },
    { "4096B", 0, 4096 },
    { "0x10", 0, 16 * MiB },
    { "17592186044415", 0, UINT64_C(17592186044415) * MiB },
    { "17592186044416", -ERANGE, UNCHANGED },     /* 2^44 MiB = 2^64 */
    { "1.5B", -EINVAL, UNCHANGED },
    { "", -EINVAL, UNCHANGED },
};

static void test_strtosz_mib(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(strtosz_mib); i++) {
        check_size_case(&strtosz_mib[i], false, qemu_strtosz_MiB);
    }
}

static void test_strtosz_metric(void)
{
    static const SizeCase cases[] = {
        { "1K", 0, 1000 },
        { "1.5M", 0, 1500000 },
        { "12", 0, 12 },
        { "18E", 0, UINT64_C(18000000000000000000) },
        { "19E", -ERANGE, UNCHANGED },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        check_size_case(&cases[i], false, qemu_strtosz_metric);
    }
}

/* ---- integers --------------------------------------------------------- */

static void test_strtou64(void)
{
    uint64_t v;
    const char *end;
    const char *s;

    g_assert_cmpint(qemu_strtou64("42", NULL, 10, &v), ==, 0);
    g_assert_cmpuint(v, ==, 42);
    g_assert_cmpint(qemu_strtou64("0x1f", NULL, 0, &v), ==, 0);
    g_assert_cmpuint(v, ==, 31);
    g_assert_cmpint(qemu_strtou64("0x1f", NULL, 16, &v), ==, 0);
    g_assert_cmpuint(v, ==, 31);
    g_assert_cmpint(qemu_strtou64("017", NULL, 0, &v), ==, 0);
    g_assert_cmpuint(v, ==, 15);
    g_assert_cmpint(qemu_strtou64("18446744073709551615", NULL, 10, &v),
                    ==, 0);
    g_assert_cmpuint(v, ==, UINT64_MAX);
    g_assert_cmpint(qemu_strtou64("18446744073709551616", NULL, 10, &v),
                    ==, -ERANGE);
    g_assert_cmpuint(v, ==, UINT64_MAX);
    g_assert_cmpint(qemu_strtou64("-1", NULL, 10, &v), ==, 0);
    g_assert_cmpuint(v, ==, UINT64_MAX);
    g_assert_cmpint(qemu_strtou64("  7", NULL, 10, &v), ==, 0);
    g_assert_cmpuint(v, ==, 7);

    for (size_t i = 0; i < 7; i++) {
        static const char *const bad[] = {
            "", "   ", "x", "7 ", "7x", "- 1", "--1",
        };

        v = 99;
        g_assert_cmpint(qemu_strtou64(bad[i], NULL, 10, &v), ==, -EINVAL);
        g_assert_cmpuint(v, ==, 0);
    }
    g_assert_cmpint(qemu_strtou64(NULL, NULL, 10, &v), ==, -EINVAL);

    s = "123abc";
    g_assert_cmpint(qemu_strtou64(s, &end, 10, &v), ==, 0);
    g_assert_cmpuint(v, ==, 123);
    g_assert_true(end == s + 3);
    s = "   ";
    g_assert_cmpint(qemu_strtou64(s, &end, 10, &v), ==, -EINVAL);
    g_assert_true(end == s);
    s = "99999999999999999999z";
    g_assert_cmpint(qemu_strtou64(s, &end, 10, &v), ==, -ERANGE);
    g_assert_true(end == s + 20);
}

static void test_strtoi64(void)
{
    int64_t v;

    g_assert_cmpint(qemu_strtoi64("-42", NULL, 10, &v), ==, 0);
    g_assert_cmpint(v, ==, -42);
    g_assert_cmpint(qemu_strtoi64("9223372036854775807", NULL, 10, &v),
                    ==, 0);
    g_assert_cmpint(v, ==, INT64_MAX);
    g_assert_cmpint(qemu_strtoi64("-9223372036854775808", NULL, 10, &v),
                    ==, 0);
    g_assert_cmpint(v, ==, INT64_MIN);
    g_assert_cmpint(qemu_strtoi64("9223372036854775808", NULL, 10, &v),
                    ==, -ERANGE);
    g_assert_cmpint(v, ==, INT64_MAX);
    g_assert_cmpint(qemu_strtoi64("-9223372036854775809", NULL, 10, &v),
                    ==, -ERANGE);
    g_assert_cmpint(v, ==, INT64_MIN);
    g_assert_cmpint(qemu_strtoi64("-0x10", NULL, 0, &v), ==, 0);
    g_assert_cmpint(v, ==, -16);
    g_assert_cmpint(qemu_strtoi64("1.5", NULL, 10, &v), ==, -EINVAL);
    g_assert_cmpint(v, ==, 0);
}

static void test_strtoi_strtoul(void)
{
    int i;
    unsigned int ui;
    long l;
    unsigned long ul;

    g_assert_cmpint(qemu_strtoi("2147483647", NULL, 10, &i), ==, 0);
    g_assert_cmpint(i, ==, INT_MAX);
    g_assert_cmpint(qemu_strtoi("2147483648", NULL, 10, &i), ==, -ERANGE);
    g_assert_cmpint(i, ==, INT_MAX);
    g_assert_cmpint(qemu_strtoi("-2147483649", NULL, 10, &i), ==, -ERANGE);
    g_assert_cmpint(i, ==, INT_MIN);
    g_assert_cmpint(qemu_strtoi("junk", NULL, 10, &i), ==, -EINVAL);
    g_assert_cmpint(i, ==, 0);

    g_assert_cmpint(qemu_strtoui("4294967295", NULL, 10, &ui), ==, 0);
    g_assert_cmpuint(ui, ==, UINT_MAX);
    g_assert_cmpint(qemu_strtoui("-1", NULL, 10, &ui), ==, 0);
    g_assert_cmpuint(ui, ==, UINT_MAX);
    g_assert_cmpint(qemu_strtoui("4294967296", NULL, 10, &ui), ==, -ERANGE);
    g_assert_cmpuint(ui, ==, UINT_MAX);
    g_assert_cmpint(qemu_strtoui("-4294967296", NULL, 10, &ui), ==,
                    -ERANGE);

    g_assert_cmpint(qemu_strtol("-12", NULL, 10, &l), ==, 0);
    g_assert_cmpint(l, ==, -12);
    g_assert_cmpint(qemu_strtoul("0xff", NULL, 16, &ul), ==, 0);
    g_assert_cmpuint(ul, ==, 255);
    g_assert_cmpint(qemu_strtoul("", NULL, 16, &ul), ==, -EINVAL);
}

/* ---- formatting and booleans ------------------------------------------ */

static void test_size_to_str(void)
{
    static const struct {
        uint64_t val;
        const char *str;
    } cases[] = {
        { 0, "0 B" },
        { 512, "512 B" },
        { 999, "999 B" },
        { 1000, "0.977 KiB" },
        { KiB, "1 KiB" },
        { 3 * MiB / 2, "1.5 MiB" },
        { GiB, "1 GiB" },
        { 64 * GiB, "64 GiB" },
        { TiB, "1 TiB" },
        { UINT64_C(1) << 60, "1 EiB" },
        { UINT64_MAX, "16 EiB" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *s = size_to_str(cases[i].val);

        g_assert_cmpstr(s, ==, cases[i].str);
    }
}

static void test_parse_bool(void)
{
    static const char *const on[] = { "on", "yes", "true", "y" };
    static const char *const off[] = { "off", "no", "false", "n" };
    static const char *const bad[] = {
        "", "ON", "Yes", "1", "0", "onn", "of", " on", "on ",
    };
    g_autoptr(GError) err = NULL;
    bool b;

    for (size_t i = 0; i < G_N_ELEMENTS(on); i++) {
        b = false;
        g_assert_true(qemu_parse_bool(on[i], &b));
        g_assert_true(b);
        g_assert_true(qemu_parse_bool(off[i], &b));
        g_assert_false(b);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        b = true;
        g_assert_false(qemu_parse_bool(bad[i], &b));
        g_assert_true(b);
    }
    g_assert_false(qemu_parse_bool(NULL, &b));
    g_assert_false(qapi_bool_parse("share", "maybe", &b, &err));
    g_assert_cmpstr(err->message, ==,
                    "Parameter 'share' expects 'on' or 'off'");
    g_assert_false(qapi_bool_parse("share", "maybe", &b, NULL));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cutils/strtosz/whole-string", test_strtosz_whole);
    g_test_add_func("/cutils/strtosz/trailing-text-with-end",
                    test_strtosz_end);
    g_test_add_func("/cutils/strtosz/end-at-terminator",
                    test_strtosz_whole_with_end);
    g_test_add_func("/cutils/strtosz/null-string", test_strtosz_null);
    g_test_add_func("/cutils/strtosz/mib-default-unit", test_strtosz_mib);
    g_test_add_func("/cutils/strtosz/metric-units", test_strtosz_metric);
    g_test_add_func("/cutils/strtou64/errors-and-bounds", test_strtou64);
    g_test_add_func("/cutils/strtoi64/errors-and-bounds", test_strtoi64);
    g_test_add_func("/cutils/strtoi-strtoul/narrow-ranges",
                    test_strtoi_strtoul);
    g_test_add_func("/cutils/size-to-str/binary-prefixes", test_size_to_str);
    g_test_add_func("/cutils/parse-bool/qemu-set", test_parse_bool);
    return g_test_run();
}
