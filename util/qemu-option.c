/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parser for QEMU's "key=value,..." option strings (see qemu/option.h).
 *
 * Owns the syntax only: splitting, ",," unescaping, the implied first key,
 * and typed conversion of one value.  Which keys an option accepts is the
 * caller's business (qemu_opts_validate()).  Option strings are short and
 * parsed once at start-up, so the representation is a plain array scanned
 * linearly from the end (last value wins).
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/cutils.h"
#include "qemu/option.h"

static void qemu_opt_free(gpointer p)
{
    QemuOpt *opt = p;

    g_free(opt->name);
    g_free(opt->value);
    g_free(opt);
}

bool is_help_option(const char *str)
{
    return str && (!strcmp(str, "help") || !strcmp(str, "?"));
}

/*
 * Copy text from *@p up to the first single @stop (or ',' or end),
 * turning ",," into ','.  Leaves *@p on the delimiter.
 */
static char *take_token(const char **p, char stop)
{
    GString *out = g_string_new(NULL);
    const char *s = *p;

    while (*s) {
        if (*s == ',') {
            if (s[1] != ',') {
                break;
            }
            s++;
        } else if (*s == stop) {
            break;
        }
        g_string_append_c(out, *s);
        s++;
    }
    *p = s;
    return g_string_free(out, false);
}

static void opts_append(QemuOpts *opts, char *name, char *value)
{
    QemuOpt *opt = g_new0(QemuOpt, 1);

    opt->name = name;
    opt->value = value;
    g_ptr_array_add(opts->opts, opt);
}

QemuOpts *qemu_opts_parse(const char *str, const char *implied_key,
                          GError **errp)
{
    QemuOpts *opts = g_new0(QemuOpts, 1);
    const char *p = str;
    bool first = true;

    opts->opts = g_ptr_array_new_with_free_func(qemu_opt_free);
    while (*p) {
        char *key = take_token(&p, '=');
        char *value = NULL;

        if (*p == '=') {
            p++;
            value = take_token(&p, 0);
        }
        if (*p == ',') {
            p++;
        }
        if (!value && is_help_option(key)) {
            opts->help = true;
            g_free(key);
        } else if (!value && first && implied_key) {
            opts_append(opts, g_strdup(implied_key), key);
        } else if (!value && g_str_has_prefix(key, "no") && key[2]) {
            /* Legacy flag spelling: "nowait" means wait=off. */
            opts_append(opts, g_strdup(key + 2), g_strdup("off"));
            g_free(key);
        } else if (!value && *key) {
            /* Legacy flag spelling: "server" means server=on. */
            opts_append(opts, key, g_strdup("on"));
        } else if (!*key) {
            error_setg(errp, "Invalid parameter ''");
            g_free(key);
            g_free(value);
            qemu_opts_free(opts);
            return NULL;
        } else {
            opts_append(opts, key, value);
        }
        first = false;
    }
    return opts;
}

void qemu_opts_free(QemuOpts *opts)
{
    if (!opts) {
        return;
    }
    g_ptr_array_unref(opts->opts);
    g_free(opts);
}

static const QemuOpt *opts_find(const QemuOpts *opts, const char *name)
{
    for (guint i = opts->opts->len; i > 0; i--) {
        const QemuOpt *opt = g_ptr_array_index(opts->opts, i - 1);

        if (!strcmp(opt->name, name)) {
            return opt;
        }
    }
    return NULL;
}

const char *qemu_opt_get(const QemuOpts *opts, const char *name)
{
    const QemuOpt *opt = opts_find(opts, name);

    return opt ? opt->value : NULL;
}

bool qemu_opt_has(const QemuOpts *opts, const char *name)
{
    return opts_find(opts, name) != NULL;
}

bool qemu_opt_parse_bool(const char *name, const char *str, bool *value,
                         GError **errp)
{
    static const char *const yes[] = { "on", "yes", "true" };
    static const char *const no[] = { "off", "no", "false" };

    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (!strcmp(str, yes[i])) {
            *value = true;
            return true;
        }
        if (!strcmp(str, no[i])) {
            *value = false;
            return true;
        }
    }
    error_setg(errp, "Parameter '%s' expects 'on' or 'off'", name);
    return false;
}

bool qemu_opt_get_bool(const QemuOpts *opts, const char *name, bool def,
                       bool *value, GError **errp)
{
    const char *str = qemu_opt_get(opts, name);

    if (!str) {
        *value = def;
        return true;
    }
    return qemu_opt_parse_bool(name, str, value, errp);
}

bool qemu_opt_get_number(const QemuOpts *opts, const char *name,
                         uint64_t def, uint64_t *value, GError **errp)
{
    const char *str = qemu_opt_get(opts, name);
    char *end = NULL;
    guint64 v;

    if (!str) {
        *value = def;
        return true;
    }
    errno = 0;
    v = g_ascii_strtoull(str, &end, 0);
    if (!*str || g_ascii_isspace(*str) || *str == '-' || *str == '+' ||
        *end || errno) {
        error_setg(errp, "Parameter '%s' expects a number", name);
        return false;
    }
    *value = v;
    return true;
}

void qemu_opt_size_error(const char *name, GError **errp)
{
    error_setg(errp, "Parameter '%s' expects a non-negative number "
               "below 2^64\nOptional suffix k, M, G, T, P or E means "
               "kilo-, mega-, giga-, tera-, peta-\nand exabytes, "
               "respectively.", name);
}

bool qemu_opt_get_size(const QemuOpts *opts, const char *name,
                       uint64_t def, uint64_t *value, GError **errp)
{
    const char *str = qemu_opt_get(opts, name);
    uint64_t v;
    int ret;

    if (!str) {
        *value = def;
        return true;
    }
    ret = qemu_strtosz(str, NULL, &v);
    if (ret == -ERANGE) {
        /* QEMU's wording for a well-formed size of 2^64 or more */
        error_setg(errp, "Value '%s' is out of range for parameter '%s'",
                   str, name);
        return false;
    }
    if (ret < 0) {
        qemu_opt_size_error(name, errp);
        return false;
    }
    *value = v;
    return true;
}

bool qemu_opts_validate(const QemuOpts *opts, const char *const *allowed,
                        GError **errp)
{
    for (guint i = 0; i < opts->opts->len; i++) {
        const QemuOpt *opt = g_ptr_array_index(opts->opts, i);

        if (!g_strv_contains(allowed, opt->name)) {
            error_setg(errp, "Invalid parameter '%s'", opt->name);
            return false;
        }
    }
    return true;
}

static void append_escaped(GString *out, const char *s)
{
    for (; *s; s++) {
        if (*s == ',') {
            g_string_append_c(out, ',');
        }
        g_string_append_c(out, *s);
    }
}

char *qemu_opts_to_string(const QemuOpts *opts)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < opts->opts->len; i++) {
        const QemuOpt *opt = g_ptr_array_index(opts->opts, i);

        if (i) {
            g_string_append_c(out, ',');
        }
        append_escaped(out, opt->name);
        g_string_append_c(out, '=');
        append_escaped(out, opt->value);
    }
    return g_string_free(out, false);
}
