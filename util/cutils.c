/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Number and size parsing for the command line, QMP and properties, and
 * size formatting for messages.
 *
 * This file owns the rules for turning user text into integers: what is
 * junk, what overflows, which suffixes mean what.  The workload is a few
 * hundred short strings per run (options, property values), so clarity
 * and exact answers matter more than speed: sizes are computed in 128-bit
 * fixed point, never through a double, so "1.1E" and "15.5E" are exact.
 * Nothing here prints; callers turn -errno into a message once.
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qapi/error.h"

/* ---- integers --------------------------------------------------------- */

/*
 * Skip leading blanks as strtoull() does in the C locale: isspace(), which
 * unlike g_ascii_isspace() includes '\v' (QEMU 7.2 accepts "-m '\v512'").
 */
static const char *skip_blanks(const char *p)
{
    while (g_ascii_isspace(*p) || *p == '\v') {
        p++;
    }
    return p;
}

/*
 * Split @nptr into a sign and a magnitude parsed by strtoull().  Returns 0,
 * -EINVAL (no digits; *@ep is @nptr) or -ERANGE (magnitude above
 * UINT64_MAX; *@mag is UINT64_MAX).  *@ep is the end of the digits.
 */
static int parse_magnitude(const char *nptr, int base, const char **ep,
                           bool *neg, uint64_t *mag)
{
    const char *p = nptr;
    char *digits_end;
    int saved_errno = errno;
    int ret = 0;

    g_assert(base == 0 || (base >= 2 && base <= 36));
    *ep = nptr;
    *neg = false;
    *mag = 0;
    if (!nptr) {
        return -EINVAL;
    }
    p = skip_blanks(p);
    if (*p == '+' || *p == '-') {
        *neg = *p == '-';
        p++;
    }
    /* strtoull would accept a second sign or blanks here; we do not. */
    if (!g_ascii_isalnum(*p)) {
        return -EINVAL;
    }
    errno = 0;
    *mag = strtoull(p, &digits_end, base);
    if (digits_end == p) {
        errno = saved_errno;
        *mag = 0;
        return -EINVAL;
    }
    if (errno == ERANGE) {
        ret = -ERANGE;
    }
    errno = saved_errno;
    *ep = digits_end;
    return ret;
}

/* Apply the @end / trailing-junk rule shared by every parser. */
static int finish(const char *nptr, const char **end, const char *ep,
                  int ret)
{
    if (ret == -EINVAL) {
        ep = nptr;
    } else if (!end && *ep != '\0') {
        ret = -EINVAL;
        ep = nptr;
    }
    if (end) {
        *end = ep;
    }
    return ret;
}

/* Signed conversion of a sign + magnitude into [min, max]. */
static int to_signed(bool neg, uint64_t mag, int ret, int64_t min,
                     int64_t max, int64_t *result)
{
    if (ret == -EINVAL) {
        *result = 0;
        return ret;
    }
    if (neg) {
        if (ret == -ERANGE || mag > (uint64_t)-(min + 1) + 1) {
            *result = min;
            return -ERANGE;
        }
        *result = mag ? -(int64_t)(mag - 1) - 1 : 0;
        return 0;
    }
    if (ret == -ERANGE || mag > (uint64_t)max) {
        *result = max;
        return -ERANGE;
    }
    *result = (int64_t)mag;
    return 0;
}

/* Unsigned conversion: a negative value wraps modulo @max + 1. */
static int to_unsigned(bool neg, uint64_t mag, int ret, uint64_t max,
                       uint64_t *result)
{
    if (ret == -EINVAL) {
        *result = 0;
        return ret;
    }
    if (ret == -ERANGE || mag > max) {
        *result = max;
        return -ERANGE;
    }
    *result = neg ? (-mag) & max : mag;
    return 0;
}

/*
 * Parse a signed integer and clamp it to [@min, @max]: out of range gives
 * the nearest bound and -ERANGE (an -EINVAL from parsing is kept).
 */
static int strto_signed(const char *nptr, const char **end, int base,
                        int64_t min, int64_t max, int64_t *result)
{
    const char *ep;
    bool neg;
    uint64_t mag;
    int ret = parse_magnitude(nptr, base, &ep, &neg, &mag);

    ret = finish(nptr, end, ep, ret);
    return to_signed(neg, mag, ret, min, max, result);
}

/* Parse an unsigned integer no larger than @max (see to_unsigned()). */
static int strto_unsigned(const char *nptr, const char **end, int base,
                          uint64_t max, uint64_t *result)
{
    const char *ep;
    bool neg;
    uint64_t mag;
    int ret = parse_magnitude(nptr, base, &ep, &neg, &mag);

    ret = finish(nptr, end, ep, ret);
    return to_unsigned(neg, mag, ret, max, result);
}

int qemu_strtoi64(const char *nptr, const char **end, int base,
                  int64_t *result)
{
    return strto_signed(nptr, end, base, INT64_MIN, INT64_MAX, result);
}

int qemu_strtou64(const char *nptr, const char **end, int base,
                  uint64_t *result)
{
    return strto_unsigned(nptr, end, base, UINT64_MAX, result);
}

int qemu_strtoi(const char *nptr, const char **end, int base, int *result)
{
    int64_t v;
    int ret = strto_signed(nptr, end, base, INT_MIN, INT_MAX, &v);

    *result = (int)v;
    return ret;
}

int qemu_strtol(const char *nptr, const char **end, int base, long *result)
{
    int64_t v;
    int ret;

    G_STATIC_ASSERT(sizeof(long) <= sizeof(int64_t));
    ret = strto_signed(nptr, end, base, LONG_MIN, LONG_MAX, &v);
    *result = (long)v;
    return ret;
}

int qemu_strtoui(const char *nptr, const char **end, int base,
                 unsigned int *result)
{
    uint64_t v;
    int ret = strto_unsigned(nptr, end, base, UINT_MAX, &v);

    *result = (unsigned int)v;
    return ret;
}

int qemu_strtoul(const char *nptr, const char **end, int base,
                 unsigned long *result)
{
    uint64_t v;
    int ret = strto_unsigned(nptr, end, base, ULONG_MAX, &v);

    *result = (unsigned long)v;
    return ret;
}

/* ---- sizes ------------------------------------------------------------ */

/* Fraction digits kept: 10^19 still fits a uint64_t. */
#define SIZE_FRAC_DIGITS 19

/* A parsed "integer[.fraction]" before scaling. */
typedef struct SizeNumber {
    uint64_t whole;
    bool whole_overflow;
    uint64_t frac_num;      /* fraction = frac_num / frac_den */
    uint64_t frac_den;
} SizeNumber;

/* The multiplier for suffix @c, or 0 when @c is not a size suffix. */
static uint64_t suffix_mul(char c, uint64_t unit)
{
    static const char suffixes[] = "BKMGTPE";
    const char *s;
    uint64_t mul = 1;

    if (c == '\0') {
        return 0;
    }
    s = strchr(suffixes, g_ascii_toupper(c));
    if (!s) {
        return 0;
    }
    for (ptrdiff_t i = 0; i < s - suffixes; i++) {
        mul *= unit;
    }
    return mul;
}

/* Parse "0x" hex digits at @p (no fraction allowed).  Returns the end. */
static const char *parse_size_hex(const char *p, SizeNumber *n)
{
    const char *q = p + 2;

    if (!g_ascii_isxdigit(*q)) {
        /* "0x" alone: the number is the "0", the 'x' is trailing text. */
        return p + 1;
    }
    for (; g_ascii_isxdigit(*q); q++) {
        if (n->whole >> 60) {
            n->whole_overflow = true;
        }
        n->whole = (n->whole << 4) | g_ascii_xdigit_value(*q);
    }
    return q;
}

/* Parse decimal digits and an optional fraction at @p.  Returns the end. */
static const char *parse_size_decimal(const char *p, SizeNumber *n)
{
    for (; g_ascii_isdigit(*p); p++) {
        unsigned d = *p - '0';

        if (n->whole > (UINT64_MAX - d) / 10) {
            n->whole_overflow = true;
        }
        n->whole = n->whole * 10 + d;
    }
    if (*p != '.') {
        return p;
    }
    for (p++; g_ascii_isdigit(*p); p++) {
        if (n->frac_den < UINT64_C(10000000000000000000)) {
            n->frac_num = n->frac_num * 10 + (*p - '0');
            n->frac_den *= 10;
        }
    }
    return p;
}

/*
 * Scale @n by @mul into *@bytes, rounding the fraction to the nearest
 * byte (halves up).  Returns 0 or -ERANGE.
 */
static int scale_size(const SizeNumber *n, uint64_t mul, uint64_t *bytes)
{
    unsigned __int128 total, frac;

    if (n->whole_overflow) {
        return -ERANGE;
    }
    frac = (unsigned __int128)n->frac_num * mul;
    total = (unsigned __int128)n->whole * mul + frac / n->frac_den;
    if ((frac % n->frac_den) * 2 >= n->frac_den) {
        total++;
    }
    if (total > UINT64_MAX) {
        return -ERANGE;
    }
    *bytes = (uint64_t)total;
    return 0;
}

static int do_strtosz(const char *nptr, const char **end,
                      char default_suffix, uint64_t unit, uint64_t *result)
{
    SizeNumber n = { .frac_den = 1 };
    const char *p = nptr;
    bool hex;
    uint64_t mul, bytes = 0;
    int ret;

    if (!nptr) {
        return finish(nptr, end, nptr, -EINVAL);
    }
    p = skip_blanks(p);
    if (*p == '+') {
        p++;
    }
    if (!g_ascii_isdigit(*p)) {
        return finish(nptr, end, nptr, -EINVAL);
    }
    hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
    p = hex ? parse_size_hex(p, &n) : parse_size_decimal(p, &n);
    if (hex && *p == '.') {
        return finish(nptr, end, nptr, -EINVAL);
    }
    mul = suffix_mul(*p, unit);
    if (mul) {
        p++;
    } else {
        mul = suffix_mul(default_suffix, unit);
        g_assert(mul);
    }
    if (mul == 1 && n.frac_num) {
        /* A fraction of a byte: "1.5" or "1.5B". */
        return finish(nptr, end, nptr, -EINVAL);
    }
    ret = finish(nptr, end, p, scale_size(&n, mul, &bytes));
    if (ret == 0) {
        *result = bytes;
    }
    return ret;
}

int qemu_strtosz(const char *nptr, const char **end, uint64_t *result)
{
    return do_strtosz(nptr, end, 'B', 1024, result);
}

int qemu_strtosz_MiB(const char *nptr, const char **end, uint64_t *result)
{
    return do_strtosz(nptr, end, 'M', 1024, result);
}

int qemu_strtosz_metric(const char *nptr, const char **end,
                        uint64_t *result)
{
    return do_strtosz(nptr, end, 'B', 1000, result);
}

char *size_to_str(uint64_t val)
{
    static const char *const prefixes[] = {
        "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei",
    };
    unsigned i = 0;

    /* Move up a unit once the value reaches 1000 of the current one. */
    while (i + 1 < G_N_ELEMENTS(prefixes) &&
           val >= UINT64_C(1000) << (10 * i)) {
        i++;
    }
    return g_strdup_printf("%0.3g %sB",
                           (double)val / (double)(UINT64_C(1) << (10 * i)),
                           prefixes[i]);
}

/* ---- booleans --------------------------------------------------------- */

bool qemu_parse_bool(const char *s, bool *result)
{
    static const char *const yes[] = { "on", "yes", "true", "y" };
    static const char *const no[] = { "off", "no", "false", "n" };

    if (!s) {
        return false;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (strcmp(s, yes[i]) == 0) {
            *result = true;
            return true;
        }
        if (strcmp(s, no[i]) == 0) {
            *result = false;
            return true;
        }
    }
    return false;
}

bool qapi_bool_parse(const char *name, const char *value, bool *result,
                     GError **errp)
{
    if (qemu_parse_bool(value, result)) {
        return true;
    }
    error_setg(errp, "Parameter '%s' expects 'on' or 'off'", name);
    return false;
}
