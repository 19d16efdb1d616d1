/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for the number and size parsers of qemu/cutils.h: every
 * user-typed number on the command line, in QMP and in properties goes
 * through them.
 *
 * The input is one string (up to its first NUL).  Each parser runs on it
 * with and without @end, and its answer is checked against an independent
 * reference:
 *  - the integer parsers against the C library's strtoll()/strtoull() in
 *    the C locale, which is what QEMU's own parsers are built on;
 *  - the size parsers against a small grammar walk written here from the
 *    contract in cutils.h, with the value recomputed in long double (so
 *    an error in the exact 128-bit arithmetic shows as a mismatch);
 *  - shared rules: *end stays inside the string, a NULL @end accepts
 *    exactly what a non-NULL one accepts with nothing left over, failures
 *    leave or set *result as documented, and a size round-trips through
 *    its decimal and hex spellings and through size_to_str().
 * Inputs are short strings, so every check runs on every input.
 */
#include "qemu/osdep.h"
#include <ctype.h>
#include <math.h>
#include "qemu/cutils.h"
#include "fuzz.h"

static const int bases[] = { 0, 2, 8, 10, 16, 36 };

/* ---- integers --------------------------------------------------------- */

/* What the C library makes of @s in @base. */
typedef struct LibcNumber {
    bool valid;         /* at least one digit */
    bool range;         /* ERANGE */
    bool neg;           /* a '-' before the digits */
    size_t end;         /* offset after the digits */
    unsigned long long u;
    long long i;
    bool i_range;
} LibcNumber;

static void libc_parse(const char *s, int base, LibcNumber *ln)
{
    const char *p = s;
    char *e;

    memset(ln, 0, sizeof(*ln));
    errno = 0;
    ln->u = strtoull(s, &e, base);
    ln->range = errno == ERANGE;
    ln->valid = e != s;
    ln->end = ln->valid ? e - s : 0;
    errno = 0;
    ln->i = strtoll(s, &e, base);
    ln->i_range = errno == ERANGE;
    while (isspace((unsigned char)*p)) {
        p++;
    }
    ln->neg = *p == '-';
}

/* The @end / trailing-text rule both ways, for one parser's answers. */
static void check_end_rule(const char *s, const LibcNumber *ln, int ret,
                           const char *end, int ret_noend)
{
    bool trailing = ln->valid && s[ln->end] != '\0';

    if (!ln->valid) {
        g_assert_cmpint(ret, ==, -EINVAL);
        g_assert_true(end == s);
        g_assert_cmpint(ret_noend, ==, -EINVAL);
        return;
    }
    g_assert_cmpuint(end - s, ==, ln->end);
    g_assert_cmpint(ret_noend, ==, trailing ? -EINVAL : ret);
}

static void check_i64(const char *s, int base, const LibcNumber *ln)
{
    const char *end = NULL;
    int64_t v = 42, v2 = 42;
    int ret = qemu_strtoi64(s, &end, base, &v);
    int ret2 = qemu_strtoi64(s, NULL, base, &v2);

    check_end_rule(s, ln, ret, end, ret2);
    if (!ln->valid) {
        g_assert_cmpint(v, ==, 0);
        return;
    }
    g_assert_cmpint(ret, ==, ln->i_range ? -ERANGE : 0);
    g_assert_cmpint(v, ==, ln->i);
}

static void check_u64(const char *s, int base, const LibcNumber *ln)
{
    const char *end = NULL;
    uint64_t v = 42, v2 = 42;
    int ret = qemu_strtou64(s, &end, base, &v);
    int ret2 = qemu_strtou64(s, NULL, base, &v2);

    check_end_rule(s, ln, ret, end, ret2);
    if (!ln->valid) {
        g_assert_cmpuint(v, ==, 0);
        return;
    }
    g_assert_cmpint(ret, ==, ln->range ? -ERANGE : 0);
    g_assert_cmpuint(v, ==, ln->u);
}

static void check_int(const char *s, int base, const LibcNumber *ln)
{
    const char *end = NULL;
    int v = 42, v2 = 42;
    int ret = qemu_strtoi(s, &end, base, &v);
    int ret2 = qemu_strtoi(s, NULL, base, &v2);
    bool range = ln->i_range || ln->i < INT_MIN || ln->i > INT_MAX;

    check_end_rule(s, ln, ret, end, ret2);
    if (!ln->valid) {
        g_assert_cmpint(v, ==, 0);
        return;
    }
    g_assert_cmpint(ret, ==, range ? -ERANGE : 0);
    g_assert_cmpint(v, ==, range ? (ln->i < 0 ? INT_MIN : INT_MAX) :
                    (int)ln->i);
}

static void check_uint(const char *s, int base, const LibcNumber *ln)
{
    const char *end = NULL;
    unsigned int v = 42, v2 = 42;
    int ret = qemu_strtoui(s, &end, base, &v);
    int ret2 = qemu_strtoui(s, NULL, base, &v2);
    /* strtoull() already negated a '-' value; undo that for the range. */
    uint64_t mag = ln->neg ? -(uint64_t)ln->u : ln->u;
    bool range = ln->range || mag > UINT_MAX;

    check_end_rule(s, ln, ret, end, ret2);
    if (!ln->valid) {
        g_assert_cmpuint(v, ==, 0);
        return;
    }
    g_assert_cmpint(ret, ==, range ? -ERANGE : 0);
    g_assert_cmpuint(v, ==, range ? UINT_MAX : (unsigned int)ln->u);
}

static void check_long(const char *s, int base, const LibcNumber *ln)
{
    const char *end = NULL;
    long v = 42, v2 = 42;
    unsigned long uv = 42, uv2 = 42;
    int ret, ret2;

    /* long is 64 bits on the hosts we build for: same as strtoll. */
    G_STATIC_ASSERT(sizeof(long) == sizeof(long long));
    ret = qemu_strtol(s, &end, base, &v);
    ret2 = qemu_strtol(s, NULL, base, &v2);
    check_end_rule(s, ln, ret, end, ret2);
    if (ln->valid) {
        g_assert_cmpint(ret, ==, ln->i_range ? -ERANGE : 0);
        g_assert_cmpint(v, ==, ln->i);
    }

    ret = qemu_strtoul(s, &end, base, &uv);
    ret2 = qemu_strtoul(s, NULL, base, &uv2);
    check_end_rule(s, ln, ret, end, ret2);
    if (ln->valid) {
        g_assert_cmpint(ret, ==, ln->range ? -ERANGE : 0);
        g_assert_cmpuint(uv, ==, ln->u);
    }
}

static void check_integers(const char *s)
{
    for (size_t i = 0; i < G_N_ELEMENTS(bases); i++) {
        LibcNumber ln;

        libc_parse(s, bases[i], &ln);
        check_i64(s, bases[i], &ln);
        check_u64(s, bases[i], &ln);
        check_int(s, bases[i], &ln);
        check_uint(s, bases[i], &ln);
        check_long(s, bases[i], &ln);
    }
}

/* ---- sizes ------------------------------------------------------------ */

typedef int SizeParser(const char *nptr, const char **end, uint64_t *result);

/* The reference's reading of a size: where it ends and roughly its value. */
typedef struct RefSize {
    int ret;            /* 0, -EINVAL or -ERANGE (or 1: too close to call) */
    size_t end;
    long double approx; /* bytes */
} RefSize;

/* Powers of @unit for B K M G T P E, either case; 0 if @c is not one. */
static long double ref_suffix(char c, unsigned unit)
{
    const char *units = "BKMGTPE";
    const char *u = c ? strchr(units, g_ascii_toupper(c)) : NULL;

    return u ? powl(unit, u - units) : 0;
}

/* True if the first 19 fraction digits at @p (up to @q) are not all 0. */
static bool ref_fraction_nonzero(const char *p, const char *q)
{
    for (int n = 0; p < q && n < 19; p++, n++) {
        if (*p != '0') {
            return true;
        }
    }
    return false;
}

static void ref_strtosz(const char *s, char default_suffix, unsigned unit,
                        RefSize *ref)
{
    const char *p = s, *num, *frac = NULL, *frac_end = NULL;
    g_autofree char *digits = NULL;
    long double mul, limit = ldexpl(1, 64);
    bool hex;

    ref->ret = -EINVAL;
    ref->end = 0;
    ref->approx = 0;
    while (isspace((unsigned char)*p)) {
        p++;
    }
    if (*p == '+') {
        p++;
    }
    if (!g_ascii_isdigit(*p)) {
        return;
    }
    num = p;
    hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
        g_ascii_isxdigit(p[2]);
    if (hex) {
        for (p += 2; g_ascii_isxdigit(*p); p++) {
            ref->approx = ref->approx * 16 + g_ascii_xdigit_value(*p);
        }
        if (*p == '.') {
            return;
        }
    } else {
        while (g_ascii_isdigit(*p)) {
            p++;
        }
        if (*p == '.') {
            frac = ++p;
            while (g_ascii_isdigit(*p)) {
                p++;
            }
            frac_end = p;
        }
        /* Only the digits we took: strtold() would also read "e5". */
        digits = g_strndup(num, p - num);
        ref->approx = strtold(digits, NULL);
    }
    mul = ref_suffix(*p, unit);
    if (mul) {
        p++;
    } else {
        mul = ref_suffix(default_suffix, unit);
    }
    if (mul == 1 && frac && ref_fraction_nonzero(frac, frac_end)) {
        return;
    }
    ref->approx *= mul;
    ref->end = p - s;
    if (ref->approx >= limit + 2) {
        ref->ret = -ERANGE;
    } else if (ref->approx < limit - 2 - ldexpl(ref->approx, -56)) {
        ref->ret = 0;
    } else {
        ref->ret = 1;   /* within rounding of 2^64: either answer */
    }
}

static void check_size_value(uint64_t v, const RefSize *ref)
{
    /* 19 fraction digits and long double rounding: well under 2^-56. */
    long double tol = 1 + ldexpl(ref->approx, -56);

    g_assert_cmpfloat(fabsl((long double)v - ref->approx), <=, tol);
}

/* A size must read back the same from its decimal and hex spellings. */
static void check_size_round_trip(uint64_t v)
{
    g_autofree char *dec = g_strdup_printf("%" PRIu64, v);
    g_autofree char *hex = g_strdup_printf("0x%" PRIx64, v);
    g_autofree char *human = size_to_str(v);
    uint64_t back = 0;
    double shown;
    char *unit;
    int exp = 0;

    g_assert_cmpint(qemu_strtosz(dec, NULL, &back), ==, 0);
    g_assert_cmpuint(back, ==, v);
    g_assert_cmpint(qemu_strtosz(hex, NULL, &back), ==, 0);
    g_assert_cmpuint(back, ==, v);

    /* "<3 significant digits> <prefix>B", within rounding of @v. */
    shown = g_ascii_strtod(human, &unit);
    g_assert_cmpint(*unit, ==, ' ');
    unit++;
    if (*unit != 'B') {
        const char *prefixes = "KMGTPE";
        const char *pre = strchr(prefixes, *unit);

        g_assert_nonnull(pre);
        g_assert_cmpstr(unit + 1, ==, "iB");
        exp = 10 * (pre - prefixes + 1);
    } else {
        g_assert_cmpstr(unit, ==, "B");
    }
    g_assert_cmpfloat(fabs(ldexp(shown, exp) - (double)v), <=,
                      (double)v * 0.005 + 0.5);
}

static void check_size(const char *s, SizeParser *parse, char def_suffix,
                       unsigned unit)
{
    const char *end = NULL;
    uint64_t v = 42, v2 = 42;
    int ret = parse(s, &end, &v);
    int ret2 = parse(s, NULL, &v2);
    RefSize ref;

    ref_strtosz(s, def_suffix, unit, &ref);
    if (ref.ret == 1) {
        g_assert_true(ret == 0 || ret == -ERANGE);
    } else {
        g_assert_cmpint(ret, ==, ref.ret);
    }
    if (ret == -EINVAL) {
        g_assert_true(end == s);
        g_assert_cmpint(ret2, ==, -EINVAL);
    } else {
        g_assert_cmpuint(end - s, ==, ref.end);
        g_assert_cmpint(ret2, ==, *end ? -EINVAL : ret);
    }
    if (ret != 0) {
        g_assert_cmpuint(v, ==, 42);    /* unchanged on failure */
        return;
    }
    check_size_value(v, &ref);
    if (ret2 == 0) {
        g_assert_cmpuint(v2, ==, v);
    }
    check_size_round_trip(v);
}

static void check_sizes(const char *s)
{
    check_size(s, qemu_strtosz, 'B', 1024);
    check_size(s, qemu_strtosz_MiB, 'M', 1024);
    check_size(s, qemu_strtosz_metric, 'B', 1000);
}

/* ---- booleans --------------------------------------------------------- */

static void check_bool(const char *s)
{
    static const char *const words[] = {
        "on", "yes", "true", "y", "off", "no", "false", "n", NULL
    };
    bool b = false;
    bool ok = qemu_parse_bool(s, &b);

    g_assert_cmpint(ok, ==, g_strv_contains(words, s));
    if (ok) {
        g_assert_cmpint(b, ==, strchr("oty", s[0]) && strcmp(s, "off"));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *s = NULL;

    if (size > 256) {
        return 0;   /* numbers are short; long inputs only slow us down */
    }
    s = fuzz_strndup(data, size);
    check_integers(s);
    check_sizes(s);
    check_bool(s);
    return 0;
}
