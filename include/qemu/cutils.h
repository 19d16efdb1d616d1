/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * String to number conversions with strict error reporting, size parsing
 * with unit suffixes, and human-readable size formatting.
 *
 * All parsers share one contract:
 *  - they return 0 on success or a negative errno: -EINVAL when the text is
 *    not a number of the expected form (empty, only blanks, junk after the
 *    number when @end is NULL, NULL @nptr), -ERANGE when it is a number that
 *    does not fit;
 *  - if @end is not NULL, *@end is set to the first character after the
 *    number (to @nptr itself on -EINVAL) and trailing text is the caller's
 *    business; if @end is NULL, the whole string must be the number;
 *  - leading blanks (isspace) are skipped, trailing ones are not.
 */
#ifndef QEMU_CUTILS_H
#define QEMU_CUTILS_H

#include "qemu/osdep.h"

/*
 * qemu_strtoi64: parse a signed 64-bit integer in @base (0 or 2..36, as
 * strtoll; base 0 accepts 0x hex and 0 octal prefixes).
 *
 * On -ERANGE *@result is clamped to INT64_MIN or INT64_MAX; on -EINVAL it
 * is set to 0.
 */
int qemu_strtoi64(const char *nptr, const char **end, int base,
                  int64_t *result);

/*
 * qemu_strtou64: parse an unsigned 64-bit integer in @base.
 *
 * As with strtoull(), a leading '-' is accepted and the value wraps
 * ("-1" gives UINT64_MAX); QEMU's qemu_strtou64 behaves the same.  On
 * -ERANGE *@result is UINT64_MAX; on -EINVAL it is 0.
 */
int qemu_strtou64(const char *nptr, const char **end, int base,
                  uint64_t *result);

/* qemu_strtoi: like qemu_strtoi64 for an int (clamped to INT_MIN/INT_MAX). */
int qemu_strtoi(const char *nptr, const char **end, int base, int *result);

/*
 * qemu_strtoui: like qemu_strtou64 for an unsigned int.  "-1" gives
 * UINT_MAX; values above UINT_MAX, or below -UINT_MAX, give -ERANGE.
 */
int qemu_strtoui(const char *nptr, const char **end, int base,
                 unsigned int *result);

/* qemu_strtol / qemu_strtoul: the same for long and unsigned long. */
int qemu_strtol(const char *nptr, const char **end, int base, long *result);
int qemu_strtoul(const char *nptr, const char **end, int base,
                 unsigned long *result);

/*
 * qemu_strtosz: parse a byte count such as "4096", "512M", "1.5G", "64g",
 * "0x1000" or "0x10M".
 *
 * Grammar (QEMU's, as in 7.2):
 *   [blanks] ['+'] number [suffix]
 *   number = decimal ['.' [decimal-digits]] | ('0x' | '0X') hex-digits
 *   suffix = one of B K M G T P E, either case (powers of 1024)
 * - No sign other than '+': "-0" is -EINVAL.
 * - A fraction needs at least one digit before the point (".5K" is
 *   -EINVAL) and a unit larger than a byte ("1.5" and "1.5B" are -EINVAL,
 *   "1.0" is 1).  The result is rounded to the nearest byte, halves up
 *   ("0.0005K" is 1).  Fraction digits after the 19th are checked but
 *   ignored.
 * - Hex takes no fraction ("0x1.8K" is -EINVAL).  Hex with a suffix is
 *   accepted as QEMU 7.2 does (it warns there; util/ never prints).
 * - A value of 2^64 or more, after scaling and rounding, is -ERANGE
 *   ("16E", "18446744073709551616").
 *
 * On success *@result is the size in bytes; on failure it is unchanged.
 */
int qemu_strtosz(const char *nptr, const char **end, uint64_t *result);

/*
 * qemu_strtosz_MiB: like qemu_strtosz but a number without a suffix counts
 * MiB (the -m option: "-m 512" is 512 MiB; "-m 1.5" is 1.5 MiB).
 */
int qemu_strtosz_MiB(const char *nptr, const char **end, uint64_t *result);

/*
 * qemu_strtosz_metric: like qemu_strtosz with powers of 1000 for the
 * suffixes ("1K" is 1000).
 */
int qemu_strtosz_metric(const char *nptr, const char **end,
                        uint64_t *result);

/*
 * size_to_str: format @val bytes for humans with binary prefixes and three
 * significant digits: "512 B", "0.977 KiB", "1.5 MiB", "1 GiB", "16 EiB".
 * A unit is used once the value reaches 1000 of the unit below.
 *
 * Returns: a new string; the caller frees it with g_free().
 */
char *size_to_str(uint64_t val);

/*
 * qemu_parse_bool: parse a command-line boolean.  Accepts exactly (case
 * sensitive, QEMU's set): "on", "yes", "true", "y" for true and "off",
 * "no", "false", "n" for false.
 *
 * Returns: true and sets *@result on success; false (with *@result
 * unchanged) for anything else, including NULL.
 */
bool qemu_parse_bool(const char *s, bool *result);

/*
 * qapi_bool_parse: qemu_parse_bool with an error naming the parameter:
 * "Parameter '@name' expects 'on' or 'off'".
 *
 * Returns: true on success, false with @errp set on failure.
 */
bool qapi_bool_parse(const char *name, const char *value, bool *result,
                     GError **errp);

#endif /* QEMU_CUTILS_H */
