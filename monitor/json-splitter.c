/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Streaming JSON splitter (see monitor/json-splitter.h for the contract).
 *
 * Three layers, all driven one byte at a time so that any chunking gives
 * the same result:
 *  - a lexer (a state per partial token) that knows QEMU's token
 *    grammar, reports a byte that fits no token as "stray" and then
 *    skips to a resynchronisation point;
 *  - a grammar check on each completed token (an explicit stack of open
 *    containers, so nesting costs no C recursion) that records the
 *    message's first syntax error with QEMU's wording;
 *  - message framing by brace and bracket counts, with the token count,
 *    token size and nesting limits.
 * The message text is kept in one GString, reused between messages and
 * released when a large message has grown it.  Once a message has an
 * error its text is no longer needed: the buffer then holds only the
 * current token (for a "stray" report).
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "monitor/json-splitter.h"
#include <math.h>

/* Lexer states: where in a token the last byte left us. */
enum {
    LX_START,           /* between tokens */
    LX_RECOVER,         /* after a stray byte: skipping */
    LX_STRING,
    LX_ESCAPE,          /* after a backslash in a string */
    LX_UHEX,            /* in the four characters after \u */
    LX_MINUS,           /* number: '-' */
    LX_ZERO,            /* number: a leading 0 (no digit may follow) */
    LX_INT,
    LX_DOT,             /* number: '.' seen, a digit must follow */
    LX_FRAC,
    LX_EXP,             /* number: 'e' seen */
    LX_EXP_SIGN,
    LX_EXP_DIGITS,
    LX_WORD,            /* a keyword: lowercase letters */
};

enum {
    TK_LBRACE, TK_RBRACE, TK_LBRACKET, TK_RBRACKET, TK_COLON, TK_COMMA,
    TK_STRING, TK_NUMBER, TK_KEYWORD,
};

/* What the grammar allows as the next token of the message. */
enum {
    EX_VALUE,
    EX_VALUE_OR_CLOSE,  /* just after '[' */
    EX_KEY,             /* after ',' in an object */
    EX_KEY_OR_CLOSE,    /* just after '{' */
    EX_COLON,
    EX_SEP_OR_CLOSE,    /* after a member or element */
    EX_DONE,            /* the top-level value is complete */
};

/* An open object: the keys of its members, for "duplicate key". */
typedef struct JsonObjectKeys {
    GHashTable *keys;   /* decoded key strings */
    char *pending;      /* the key whose value is being read, or NULL */
} JsonObjectKeys;

static void object_keys_free(gpointer p)
{
    JsonObjectKeys *o = p;

    g_hash_table_unref(o->keys);
    g_free(o->pending);
    g_free(o);
}

/* How much of a token is kept for a "stray" report once it is not. */
#define STRAY_KEEP 256

void json_splitter_init(JsonSplitter *js, JsonSplitterFunc *emit,
                        void *opaque, size_t max_size)
{
    memset(js, 0, sizeof(*js));
    js->emit = emit;
    js->opaque = opaque;
    js->max_size = max_size ? max_size : JSON_SPLITTER_DEFAULT_MAX_SIZE;
    js->buf = g_string_new(NULL);
    js->stack = g_string_new(NULL);
    js->objects = g_ptr_array_new_with_free_func(object_keys_free);
    js->state = LX_START;
    js->expect = EX_VALUE;
}

/* Forget the message (not the lexer state); give back a large buffer. */
static void msg_reset(JsonSplitter *js)
{
    if (js->buf->allocated_len > JSON_SPLITTER_KEEP_CAPACITY &&
        !js->in_emit) {
        g_string_free(js->buf, true);
        js->buf = g_string_new(NULL);
        js->released = true;
    } else {
        g_string_truncate(js->buf, 0);
    }
    g_string_truncate(js->stack, 0);
    g_ptr_array_set_size(js->objects, 0);
    js->tok_start = 0;
    js->braces = js->brackets = 0;
    js->ntokens = 0;
    js->size = 0;
    js->skipping = false;
    g_clear_pointer(&js->err, g_free);
    js->expect = EX_VALUE;
}

void json_splitter_reset(JsonSplitter *js)
{
    msg_reset(js);
    js->state = LX_START;
    js->high = 0;
    js->ulen = 0;
    js->toklen = 0;
    js->rewrite = false;
}

void json_splitter_destroy(JsonSplitter *js)
{
    if (js->buf) {
        g_string_free(js->buf, true);
        js->buf = NULL;
    }
    if (js->stack) {
        g_string_free(js->stack, true);
        js->stack = NULL;
    }
    if (js->objects) {
        g_ptr_array_unref(js->objects);
        js->objects = NULL;
    }
    g_clear_pointer(&js->err, g_free);
}

static void emit_error(JsonSplitter *js, const char *msg)
{
    g_autoptr(GError) err = g_error_new_literal(QEMU_ERROR,
                                                QEMU_ERROR_GENERIC, msg);

    js->in_emit = true;
    js->emit(js->opaque, NULL, 0, err);
    js->in_emit = false;
}

/*
 * Record the message's first syntax error; from now on only the current
 * token is kept in the buffer.
 */
static void set_err(JsonSplitter *js, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

static void set_err(JsonSplitter *js, const char *fmt, ...)
{
    va_list ap;

    if (js->err || js->skipping) {
        return;
    }
    va_start(ap, fmt);
    js->err = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_string_erase(js->buf, 0, js->tok_start);
    js->tok_start = 0;
}

/* A limit is exceeded: report it and skip the rest of the message. */
static void limit_hit(JsonSplitter *js, const char *msg)
{
    g_clear_pointer(&js->err, g_free);
    js->skipping = true;
    g_string_truncate(js->buf, 0);
    js->tok_start = 0;
    emit_error(js, msg);
}

static void tok_begin(JsonSplitter *js)
{
    js->tok_start = js->buf->len;
    js->toklen = 0;
}

/* Store one byte of the current token. */
static void put(JsonSplitter *js, char c)
{
    js->toklen++;
    if (!js->skipping && js->size + js->toklen + 1 > js->max_size) {
        limit_hit(js, "JSON token size limit exceeded");
    }
    if ((js->skipping || js->err) && js->buf->len >= STRAY_KEEP) {
        return;
    }
    g_string_append_c(js->buf, c);
}

/* A byte that fits no token: report it with the token so far. */
static void lex_error(JsonSplitter *js, char c)
{
    g_autofree char *msg = NULL;

    g_string_append_c(js->buf, c);
    msg = g_strdup_printf("JSON parse error, stray '%s'",
                          js->buf->str + MIN(js->tok_start, js->buf->len));
    json_splitter_reset(js);
    js->state = LX_RECOVER;
    emit_error(js, msg);
}

/* The message is complete (or was cut short by a limit). */
static void msg_done(JsonSplitter *js)
{
    if (js->skipping) {
        /* its error was reported when the limit was hit */
    } else if (js->err) {
        g_autofree char *err = g_steal_pointer(&js->err);
        g_autofree char *msg = g_strdup_printf("JSON parse error, %s", err);

        msg_reset(js);
        emit_error(js, msg);
    } else if (js->ntokens) {
        js->in_emit = true;
        js->emit(js->opaque, js->buf->str, js->buf->len, NULL);
        js->in_emit = false;
    }
    msg_reset(js);
}

static JsonObjectKeys *top_object(JsonSplitter *js)
{
    return g_ptr_array_index(js->objects, js->objects->len - 1);
}

/*
 * The grammar after a complete value.  A member of an object is
 * complete only now: QEMU checks for a duplicate key at this point (so a
 * bad value, or a missing ':', is reported first).
 */
static void after_value(JsonSplitter *js)
{
    if (js->stack->len && js->stack->str[js->stack->len - 1] == '{') {
        JsonObjectKeys *o = top_object(js);
        char *key = g_steal_pointer(&o->pending);

        if (!g_hash_table_add(o->keys, key)) {
            set_err(js, "duplicate key");
        }
    }
    js->expect = js->stack->len ? EX_SEP_OR_CLOSE : EX_DONE;
}

static void close_container(JsonSplitter *js)
{
    if (js->stack->str[js->stack->len - 1] == '{') {
        g_ptr_array_set_size(js->objects, js->objects->len - 1);
    }
    g_string_truncate(js->stack, js->stack->len - 1);
    after_value(js);
}

static gunichar hex4(const char *p)
{
    gunichar u = 0;

    for (int i = 0; i < 4; i++) {
        u = u << 4 | g_ascii_xdigit_value(p[i]);
    }
    return u;
}

/*
 * The value of the string token at buf[tok_start..], which is in the
 * standard form by now (double quotes, escapes checked, no \u0000).
 */
static char *decode_string(JsonSplitter *js)
{
    const char *s = js->buf->str + js->tok_start + 1;
    const char *end = js->buf->str + js->buf->len - 1;
    GString *out = g_string_sized_new(end - s);

    while (s < end) {
        gunichar u;

        if (*s != '\\') {
            g_string_append_c(out, *s++);
            continue;
        }
        s++;
        switch (*s) {
        case 'b':
            g_string_append_c(out, '\b');
            break;
        case 'f':
            g_string_append_c(out, '\f');
            break;
        case 'n':
            g_string_append_c(out, '\n');
            break;
        case 'r':
            g_string_append_c(out, '\r');
            break;
        case 't':
            g_string_append_c(out, '\t');
            break;
        case 'u':
            u = hex4(s + 1);
            s += 4;
            if (u >= 0xd800 && u <= 0xdbff && s + 6 < end &&
                s[1] == '\\' && s[2] == 'u') {
                gunichar lo = hex4(s + 3);

                u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
                s += 6;
            }
            g_string_append_unichar(out, u);
            break;
        default:                /* " \ / */
            g_string_append_c(out, *s);
        }
        s++;
    }
    return g_string_free(out, false);
}

static bool is_value_start(int type)
{
    return type == TK_STRING || type == TK_NUMBER || type == TK_KEYWORD ||
           type == TK_LBRACE || type == TK_LBRACKET;
}

static bool keyword_ok(JsonSplitter *js)
{
    const char *word = js->buf->str + js->tok_start;

    if (!strcmp(word, "true") || !strcmp(word, "false") ||
        !strcmp(word, "null")) {
        return true;
    }
    set_err(js, "invalid keyword '%s'", js->buf->str + js->tok_start);
    return false;
}

/* A value token where a value is allowed. */
static void accept_value(JsonSplitter *js, int type)
{
    if (type == TK_KEYWORD && !keyword_ok(js)) {
        return;
    }
    if (type == TK_LBRACE || type == TK_LBRACKET) {
        if (type == TK_LBRACE) {
            JsonObjectKeys *o = g_new0(JsonObjectKeys, 1);

            o->keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                            NULL);
            g_ptr_array_add(js->objects, o);
        }
        g_string_append_c(js->stack, type == TK_LBRACE ? '{' : '[');
        js->expect = type == TK_LBRACE ? EX_KEY_OR_CLOSE : EX_VALUE_OR_CLOSE;
    } else {
        after_value(js);
    }
}

/* Check @type against the grammar; record the first error. */
static void check_grammar(JsonSplitter *js, int type)
{
    bool in_object = js->stack->len &&
                     js->stack->str[js->stack->len - 1] == '{';

    switch (js->expect) {
    case EX_VALUE_OR_CLOSE:
        if (type == TK_RBRACKET) {
            close_container(js);
            return;
        }
        /* fall through */
    case EX_VALUE:
        if (!is_value_start(type)) {
            set_err(js, "expecting value");
            return;
        }
        accept_value(js, type);
        return;
    case EX_KEY_OR_CLOSE:
        if (type == TK_RBRACE) {
            close_container(js);
            return;
        }
        /* fall through */
    case EX_KEY:
        if (type == TK_STRING) {
            js->expect = EX_COLON;
            js->key_pending = true;     /* decoded once checked */
        } else if (!is_value_start(type)) {
            set_err(js, "expecting value");
        } else if (type != TK_KEYWORD || keyword_ok(js)) {
            set_err(js, "key is not a string in object");
        }
        return;
    case EX_COLON:
        if (type == TK_COLON) {
            js->expect = EX_VALUE;
        } else {
            set_err(js, "missing : in object pair");
        }
        return;
    case EX_SEP_OR_CLOSE:
        if (type == TK_COMMA) {
            js->expect = in_object ? EX_KEY : EX_VALUE;
        } else if (type == (in_object ? TK_RBRACE : TK_RBRACKET)) {
            close_container(js);
        } else {
            set_err(js, "expected separator in %s", in_object ? "dict" : "list");
        }
        return;
    default:
        set_err(js, "expecting value");
    }
}

/*
 * A string token is complete and needs rewriting into a standard one:
 * single quotes become double quotes, a double quote inside gets a
 * backslash, and the escape \' (QEMU accepts it in both kinds) becomes a
 * plain '.
 */
static void rewrite_string(JsonSplitter *js)
{
    const char *s = js->buf->str + js->tok_start;
    size_t len = js->buf->len - js->tok_start;
    g_autoptr(GString) out = g_string_sized_new(len + 8);

    g_string_append_c(out, '"');
    for (size_t i = 1; i + 1 < len; i++) {
        if (s[i] == '\\') {
            i++;
            if (s[i] != '\'') {
                g_string_append_c(out, '\\');
            }
            g_string_append_c(out, s[i]);
        } else {
            if (s[i] == '"') {
                g_string_append_c(out, '\\');
            }
            g_string_append_c(out, s[i]);
        }
    }
    g_string_append_c(out, '"');
    g_string_truncate(js->buf, js->tok_start);
    g_string_append_len(js->buf, out->str, out->len);
}

/*
 * A number token is complete.  json-glib wraps integers beyond int64
 * around; QEMU reads them as doubles (past uint64).  Make such a literal
 * a double by giving it a fraction.  A double out of range would come
 * back as "inf", which is not JSON at all: refuse it.
 */
static void fix_number(JsonSplitter *js)
{
    const char *text = js->buf->str + js->tok_start;

    errno = 0;
    if (js->num_int) {
        g_ascii_strtoll(text, NULL, 10);
        if (errno == ERANGE) {
            g_string_append(js->buf, ".0");
        }
    } else if (isinf(g_ascii_strtod(text, NULL))) {
        set_err(js, "number out of range");
    }
}

static void token_done(JsonSplitter *js, int type)
{
    if (type == TK_STRING && js->high) {
        set_err(js, "\\u%04x is not a valid Unicode character", js->high);
    }
    js->high = 0;
    switch (type) {
    case TK_LBRACE:
        js->braces++;
        break;
    case TK_RBRACE:
        js->braces--;
        break;
    case TK_LBRACKET:
        js->brackets++;
        break;
    case TK_RBRACKET:
        js->brackets--;
        break;
    }
    if (!js->skipping) {
        /* QEMU's order of checks, and its limits */
        if (js->size + js->toklen + 1 > js->max_size) {
            limit_hit(js, "JSON token size limit exceeded");
        } else if (js->ntokens + 1 > JSON_SPLITTER_MAX_TOKENS) {
            limit_hit(js, "JSON token count limit exceeded");
        } else if (js->braces + js->brackets > JSON_SPLITTER_MAX_DEPTH) {
            limit_hit(js, "JSON nesting depth limit exceeded");
        }
    }
    if (!js->skipping) {
        if (!js->err) {
            check_grammar(js, type);
        }
        if (!js->err && type == TK_STRING) {
            if (!g_utf8_validate(js->buf->str + js->tok_start,
                                 js->buf->len - js->tok_start, NULL)) {
                set_err(js, "invalid UTF-8 sequence in string");
            } else if (js->rewrite) {
                rewrite_string(js);
            }
        } else if (!js->err && type == TK_NUMBER) {
            fix_number(js);
        }
        if (js->key_pending) {
            js->key_pending = false;
            if (!js->err) {
                top_object(js)->pending = decode_string(js);
            }
        }
        js->ntokens++;
        js->size += js->toklen;
    }
    if (js->skipping || js->err) {
        g_string_truncate(js->buf, 0);
    }
    js->tok_start = js->buf->len;
    js->toklen = 0;
    js->rewrite = false;
    if ((js->braces > 0 || js->brackets > 0) &&
        js->braces >= 0 && js->brackets >= 0) {
        return;
    }
    msg_done(js);
}

static void structural(JsonSplitter *js, char c, int type)
{
    tok_begin(js);
    put(js, c);
    token_done(js, type);
}

static void start_byte(JsonSplitter *js, unsigned char c)
{
    switch (c) {
    case ' ':
    case '\t':
    case '\r':
    case '\n':
        /* inside a message: keep one space for readable errors */
        if (js->ntokens && !js->err && !js->skipping &&
            js->buf->len && js->buf->str[js->buf->len - 1] != ' ') {
            g_string_append_c(js->buf, ' ');
        }
        return;
    case '{':
        structural(js, c, TK_LBRACE);
        return;
    case '}':
        structural(js, c, TK_RBRACE);
        return;
    case '[':
        structural(js, c, TK_LBRACKET);
        return;
    case ']':
        structural(js, c, TK_RBRACKET);
        return;
    case ':':
        structural(js, c, TK_COLON);
        return;
    case ',':
        structural(js, c, TK_COMMA);
        return;
    }
    tok_begin(js);
    if (c == '"' || c == '\'') {
        js->quote = c;
        js->rewrite = c == '\'';
        put(js, c);
        js->state = LX_STRING;
    } else if (c == '-' || g_ascii_isdigit(c)) {
        put(js, c);
        js->num_int = true;
        js->state = c == '-' ? LX_MINUS : c == '0' ? LX_ZERO : LX_INT;
    } else if (c >= 'a' && c <= 'z') {
        put(js, c);
        js->state = LX_WORD;
    } else {
        lex_error(js, c);
    }
}

/* Can @c appear unescaped in a string at all? */
static bool string_char_ok(unsigned char c)
{
    return c >= 0x20 && c < 0xfe;
}

/* A complete \uXXXX escape (the characters in js->ubuf). */
static void unicode_escape(JsonSplitter *js)
{
    unsigned code = 0;
    bool is_high, is_low;

    for (int i = 0; i < 4; i++) {
        if (!g_ascii_isxdigit(js->ubuf[i])) {
            set_err(js, "\\u%.4s is not a valid Unicode character",
                    js->ubuf);
            js->high = 0;
            return;
        }
        code = code << 4 | g_ascii_xdigit_value(js->ubuf[i]);
    }
    is_high = code >= 0xd800 && code <= 0xdbff;
    is_low = code >= 0xdc00 && code <= 0xdfff;
    if (js->high) {
        if (!is_low) {
            set_err(js, "\\u%04x is not a valid Unicode character",
                    js->high);
        }
        js->high = 0;
    } else if (is_high) {
        js->high = code;
    } else if (is_low) {
        set_err(js, "\\u%04x is not a valid Unicode character", code);
    } else if (code == 0) {
        /* QEMU takes it; json-glib's C strings would cut the string */
        set_err(js, "\\u0000 (NUL) in a string is not supported");
    }
}

static void string_byte(JsonSplitter *js, unsigned char c)
{
    if (!string_char_ok(c)) {
        lex_error(js, c);
        return;
    }
    put(js, c);
    if (c == '\\') {
        js->state = LX_ESCAPE;
        return;
    }
    if (js->high) {
        set_err(js, "\\u%04x is not a valid Unicode character", js->high);
        js->high = 0;
    }
    if (c == js->quote) {
        js->state = LX_START;
        token_done(js, TK_STRING);
    } else if (c == '"') {
        js->rewrite = true;     /* in a single-quoted string */
    }
}

static void escape_byte(JsonSplitter *js, unsigned char c)
{
    if (!string_char_ok(c)) {
        lex_error(js, c);
        return;
    }
    put(js, c);
    js->state = LX_STRING;
    if (js->high && c != 'u') {
        set_err(js, "\\u%04x is not a valid Unicode character", js->high);
        js->high = 0;
    }
    if (c == 'u') {
        js->ulen = 0;
        js->state = LX_UHEX;
    } else if (c == '\'') {
        js->rewrite = true;
    } else if (!strchr("\"\\/bfnrt", c)) {
        set_err(js, "invalid escape sequence in string");
    }
}

static void uhex_byte(JsonSplitter *js, unsigned char c)
{
    if (!string_char_ok(c) || c == '\\' || c == js->quote) {
        /* cut short: report what there is, then lex @c normally */
        js->ubuf[js->ulen] = 0;
        set_err(js, "\\u%s is not a valid Unicode character", js->ubuf);
        js->high = 0;
        js->state = LX_STRING;
        string_byte(js, c);
        return;
    }
    put(js, c);
    js->ubuf[js->ulen++] = c;
    if (js->ulen == 4) {
        js->state = LX_STRING;
        unicode_escape(js);
    }
}

/* The number or keyword ended at @c, which starts whatever follows. */
static void end_then_start(JsonSplitter *js, int type, unsigned char c)
{
    js->state = LX_START;
    token_done(js, type);
    if (js->state == LX_START) {
        start_byte(js, c);
    }
}

static void number_byte(JsonSplitter *js, unsigned char c)
{
    bool digit = g_ascii_isdigit(c);

    switch (js->state) {
    case LX_MINUS:
        if (!digit) {
            lex_error(js, c);
            return;
        }
        js->state = c == '0' ? LX_ZERO : LX_INT;
        break;
    case LX_ZERO:
        if (digit) {
            lex_error(js, c);
            return;
        }
        if (c != '.') {
            end_then_start(js, TK_NUMBER, c);
            return;
        }
        js->state = LX_DOT;
        break;
    case LX_INT:
    case LX_FRAC:
        if (c == '.' && js->state == LX_INT) {
            js->state = LX_DOT;
        } else if (c == 'e' || c == 'E') {
            js->state = LX_EXP;
        } else if (!digit) {
            end_then_start(js, TK_NUMBER, c);
            return;
        }
        break;
    case LX_DOT:
        if (!digit) {
            lex_error(js, c);
            return;
        }
        js->state = LX_FRAC;
        break;
    case LX_EXP:
        if (c == '+' || c == '-') {
            js->state = LX_EXP_SIGN;
            break;
        }
        /* fall through */
    case LX_EXP_SIGN:
        if (!digit) {
            lex_error(js, c);
            return;
        }
        js->state = LX_EXP_DIGITS;
        break;
    case LX_EXP_DIGITS:
        if (!digit) {
            end_then_start(js, TK_NUMBER, c);
            return;
        }
        break;
    }
    if (!digit) {
        js->num_int = false;
    }
    put(js, c);
}

/*
 * After a stray byte: skip up to a control character other than TAB, a
 * byte that cannot occur in UTF-8, or a bracket or brace, where lexing
 * starts afresh (with that byte).
 */
static bool is_resync_point(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c >= 0xfe ||
           c == '{' || c == '}' || c == '[' || c == ']';
}

static void splitter_byte(JsonSplitter *js, unsigned char c)
{
    switch (js->state) {
    case LX_RECOVER:
        if (is_resync_point(c)) {
            js->state = LX_START;
            start_byte(js, c);
        }
        return;
    case LX_START:
        start_byte(js, c);
        return;
    case LX_STRING:
        string_byte(js, c);
        return;
    case LX_ESCAPE:
        escape_byte(js, c);
        return;
    case LX_UHEX:
        uhex_byte(js, c);
        return;
    case LX_WORD:
        if (c >= 'a' && c <= 'z') {
            put(js, c);
        } else {
            end_then_start(js, TK_KEYWORD, c);
        }
        return;
    default:
        number_byte(js, c);
    }
}

void json_splitter_feed(JsonSplitter *js, const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        splitter_byte(js, data[i]);
    }
}
