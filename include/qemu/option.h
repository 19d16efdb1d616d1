/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QEMU's command-line option syntax: "key=value,key=value" lists.
 *
 * Syntax (what users type after -m, -object, -chardev ...):
 *  - elements are separated by ','; a literal ',' inside a value is ",,";
 *  - the first element may omit "key=" when the option has an implied key
 *    ("-m 1G" is "size=1G", "-object memory-backend-ram,..." is
 *    "qom-type=memory-backend-ram,...");
 *  - a bare "help" or "?" element asks for help (see qemu_opts_has_help());
 *  - any other bare element is a legacy flag: "server" is server=on and
 *    "nowait" is wait=off;
 *  - a key may repeat; lookups return the last value.
 *
 * Values are kept as strings in the order given; typed getters convert on
 * demand and name the offending key in their errors.
 */
#ifndef QEMU_OPTION_H
#define QEMU_OPTION_H

#include "qemu/osdep.h"

typedef struct QemuOpt {
    char *name;
    char *value;
} QemuOpt;

typedef struct QemuOpts {
    GPtrArray *opts;    /* of QemuOpt *, in the order given */
    bool help;          /* a "help" or "?" element was present */
} QemuOpts;

/**
 * qemu_opts_parse: parse an option string.
 * @str: the text after the option name, e.g. "1G,slots=2,maxmem=4G"
 * @implied_key: key for a first element without '=', or NULL if the
 *               option has none (then such an element is an error)
 * @errp: error for empty keys or a key-less element without implied key
 *
 * Returns: a new QemuOpts (free with qemu_opts_free()), or NULL on error.
 */
QemuOpts *qemu_opts_parse(const char *str, const char *implied_key,
                          GError **errp);

/* Free @opts and its strings.  @opts may be NULL. */
void qemu_opts_free(QemuOpts *opts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QemuOpts, qemu_opts_free)

/* The last value of @name, or NULL.  Owned by @opts. */
const char *qemu_opt_get(const QemuOpts *opts, const char *name);

/* True if @name was given at least once. */
bool qemu_opt_has(const QemuOpts *opts, const char *name);

/**
 * qemu_opt_get_bool: the last value of @name as a boolean.
 * Accepts on/off, yes/no, true/false; a missing key gives @def.
 * Returns: false with @errp set ("Parameter 'x' expects 'on' or 'off'")
 * for anything else, else true with *@value set.
 */
bool qemu_opt_get_bool(const QemuOpts *opts, const char *name, bool def,
                       bool *value, GError **errp);

/**
 * qemu_opt_get_number: the last value of @name as an unsigned decimal,
 * hex (0x) or octal (0) number; a missing key gives @def.
 * Returns: false with @errp set ("Parameter 'x' expects a number") on
 * trailing garbage, a sign or overflow.
 */
bool qemu_opt_get_number(const QemuOpts *opts, const char *name,
                         uint64_t def, uint64_t *value, GError **errp);

/**
 * qemu_opt_get_size: the last value of @name as a size with an optional
 * suffix (k, M, G, T, P, E; bytes without one); a missing key gives @def.
 * Returns: false with @errp set ("Parameter 'x' expects a non-negative
 * number below 2^64" and a hint line) on bad text.
 */
bool qemu_opt_get_size(const QemuOpts *opts, const char *name,
                       uint64_t def, uint64_t *value, GError **errp);

/*
 * Set @errp to the error qemu_opt_get_size() gives for a bad @name
 * (for callers that parse sizes with other defaults).
 */
void qemu_opt_size_error(const char *name, GError **errp);

/**
 * qemu_opts_validate: reject keys that are not in @allowed.
 * @allowed: NULL-terminated list of accepted keys
 * Returns: false with @errp set ("Invalid parameter 'x'") for the first
 * unknown key.
 */
bool qemu_opts_validate(const QemuOpts *opts, const char *const *allowed,
                        GError **errp);

/* True if a "help"/"?" element was given. */
static inline bool qemu_opts_has_help(const QemuOpts *opts)
{
    return opts->help;
}

/* True if @str is "help" or "?". */
bool is_help_option(const char *str);

/**
 * qemu_opt_parse_bool: parse on/off, yes/no, true/false.
 * @name: key named in the error message
 * Returns: false with @errp set for other text.
 */
bool qemu_opt_parse_bool(const char *name, const char *str, bool *value,
                         GError **errp);

/*
 * Render @opts back into option syntax ("key=value,..." with ',' doubled);
 * caller frees with g_free().
 */
char *qemu_opts_to_string(const QemuOpts *opts);

#endif /* QEMU_OPTION_H */
