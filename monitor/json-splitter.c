/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Streaming JSON splitter (see monitor/json-splitter.h for the contract).
 *
 * One pass per byte with a few bits of state; the message bytes are
 * collected in a GString that is reused between messages.  Tuned for QMP:
 * small messages at a human or script pace, with the occasional large one
 * bounded by max_size so a hostile peer cannot grow the buffer without
 * limit.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "monitor/json-splitter.h"
#include <math.h>

void json_splitter_init(JsonSplitter *js, JsonSplitterFunc *emit,
                        void *opaque, size_t max_size)
{
    memset(js, 0, sizeof(*js));
    js->emit = emit;
    js->opaque = opaque;
    js->max_size = max_size ? max_size : JSON_SPLITTER_DEFAULT_MAX_SIZE;
    js->buf = g_string_new(NULL);
}

void json_splitter_reset(JsonSplitter *js)
{
    g_string_truncate(js->buf, 0);
    js->depth = 0;
    js->in_string = js->escape = js->in_scalar = js->discarding = false;
    js->uhex_left = js->high = 0;
    js->in_number = false;
}

void json_splitter_destroy(JsonSplitter *js)
{
    if (js->buf) {
        g_string_free(js->buf, true);
        js->buf = NULL;
    }
}

static void splitter_error(JsonSplitter *js, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

static void splitter_error(JsonSplitter *js, const char *fmt, ...)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    err = g_error_new_literal(QEMU_ERROR, QEMU_ERROR_GENERIC, msg);
    js->emit(js->opaque, NULL, 0, err);
}

/* The current message ended: hand it over (unless we were skipping it). */
static void splitter_complete(JsonSplitter *js)
{
    if (js->discarding) {
        js->discarding = false;
    } else {
        js->emit(js->opaque, js->buf->str, js->buf->len, NULL);
    }
    g_string_truncate(js->buf, 0);
}

static void splitter_append(JsonSplitter *js, char c)
{
    if (js->discarding) {
        return;
    }
    if (js->buf->len >= js->max_size) {
        splitter_error(js, "JSON input exceeds the limit of %zu bytes",
                       js->max_size);
        js->discarding = true;
        g_string_truncate(js->buf, 0);
        return;
    }
    g_string_append_c(js->buf, c);
}

/* Give up on the current message with an error; keep tracking its end. */
static void splitter_reject(JsonSplitter *js, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

static void splitter_reject(JsonSplitter *js, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    js->high = 0;
    if (js->discarding) {
        return;
    }
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    splitter_error(js, "%s", msg);
    js->discarding = true;
    g_string_truncate(js->buf, 0);
}

/* A \uXXXX escape is complete: check it against its neighbours. */
static void splitter_unicode_escape(JsonSplitter *js)
{
    unsigned code = js->ucode;
    bool is_high = code >= 0xd800 && code <= 0xdbff;
    bool is_low = code >= 0xdc00 && code <= 0xdfff;

    if (js->high) {
        if (is_low) {
            js->high = 0;
        } else {
            splitter_reject(js, "JSON parse error, \\u%04x is not a valid "
                            "Unicode character", js->high);
        }
    } else if (is_high) {
        js->high = code;
    } else if (is_low) {
        splitter_reject(js, "JSON parse error, \\u%04x is not a valid "
                        "Unicode character", code);
    } else if (code == 0) {
        splitter_reject(js, "JSON parse error, \\u%04x (NUL) in a string "
                        "is not supported", code);
    }
}

/*
 * A byte inside a string.  Single-quoted strings are rewritten to the
 * standard double-quoted form on the fly ('it\'s "x"' -> "it's \"x\""),
 * so the JSON parser only ever sees standard JSON.
 */
static void splitter_string_byte(JsonSplitter *js, char c)
{
    bool single = js->quote == '\'';

    if (js->uhex_left) {
        if (g_ascii_isxdigit(c)) {
            splitter_append(js, c);
            js->ucode = js->ucode << 4 | g_ascii_xdigit_value(c);
            if (--js->uhex_left == 0) {
                splitter_unicode_escape(js);
            }
            return;
        }
        /* A short escape: json-glib reports it; go on with @c. */
        js->uhex_left = 0;
        js->high = 0;
    }
    if (js->high && !(js->escape ? c == 'u' : c == '\\')) {
        splitter_reject(js, "JSON parse error, \\u%04x is not a valid "
                        "Unicode character", js->high);
    }
    if (js->escape) {
        js->escape = false;
        if (!(single && c == '\'')) {
            splitter_append(js, '\\');
        }
        splitter_append(js, c);
        if (c == 'u') {
            js->uhex_left = 4;
            js->ucode = 0;
        }
        return;
    }
    if (c == '\\') {
        js->escape = true;      /* appended with the next byte */
        return;
    }
    if (c == js->quote) {
        splitter_append(js, '"');
        js->in_string = false;
        if (js->depth == 0) {
            splitter_complete(js);
        }
        return;
    }
    if (single && c == '"') {
        splitter_append(js, '\\');
    }
    splitter_append(js, c);
}

/*
 * A number token ended.  json-glib wraps integers beyond int64 around;
 * QEMU reads them as doubles (past uint64).  Make such a literal a
 * double by giving it a fraction.
 */
static void splitter_number_end(JsonSplitter *js)
{
    const char *text;

    js->in_number = false;
    if (js->discarding || js->num_start >= js->buf->len) {
        return;
    }
    text = js->buf->str + js->num_start;
    errno = 0;
    if (js->num_int) {
        g_ascii_strtoll(text, NULL, 10);
        if (errno == ERANGE) {
            splitter_append(js, '.');
            splitter_append(js, '0');
        }
    } else if (isinf(g_ascii_strtod(text, NULL))) {
        /* It would come back as "inf", which is not JSON at all. */
        splitter_reject(js, "JSON parse error, number out of range");
    }
}

/* Track number tokens outside strings, at any depth. */
static void splitter_number_byte(JsonSplitter *js, char c)
{
    bool digit = g_ascii_isdigit(c);
    bool part = digit || c == '-' || c == '+' || c == '.' || c == 'e' ||
                c == 'E';

    if (js->in_number) {
        if (!part) {
            splitter_number_end(js);
        } else if (!digit) {
            js->num_int = false;
        }
        return;
    }
    if ((digit || c == '-') && !js->in_scalar) {
        js->in_number = true;
        js->num_int = true;
        js->num_start = js->buf->len;
    }
}

static bool is_delimiter(char c)
{
    return g_ascii_isspace(c) || strchr("{}[]\"',:", c);
}

static void splitter_open(JsonSplitter *js, char c)
{
    splitter_append(js, c);
    js->depth++;
    if (js->depth > JSON_SPLITTER_MAX_DEPTH && !js->discarding) {
        splitter_error(js, "JSON nesting depth limit exceeded");
        js->discarding = true;
        g_string_truncate(js->buf, 0);
    }
}

static void splitter_close(JsonSplitter *js, char c)
{
    if (js->depth == 0) {
        splitter_error(js, "JSON parse error, stray '%c'", c);
        return;
    }
    splitter_append(js, c);
    js->depth--;
    if (js->depth == 0) {
        splitter_complete(js);
    }
}

static void splitter_byte(JsonSplitter *js, char c)
{
    if (js->in_string) {
        splitter_string_byte(js, c);
        return;
    }
    splitter_number_byte(js, c);
    if (js->in_scalar) {
        if (!is_delimiter(c)) {
            splitter_append(js, c);
            return;
        }
        js->in_scalar = false;
        splitter_complete(js);
    }
    switch (c) {
    case '"':
    case '\'':
        js->in_string = true;
        js->quote = c;
        splitter_append(js, '"');
        break;
    case '{':
    case '[':
        splitter_open(js, c);
        break;
    case '}':
    case ']':
        splitter_close(js, c);
        break;
    default:
        if (js->depth == 0 && g_ascii_isspace(c)) {
            break;
        }
        splitter_append(js, c);
        if (js->depth == 0) {
            js->in_scalar = true;
        }
    }
}

void json_splitter_feed(JsonSplitter *js, const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        splitter_byte(js, data[i]);
    }
}
