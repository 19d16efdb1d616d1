/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Streaming JSON message splitter: cuts a byte stream into top-level JSON
 * texts, checking them on the way, before anything builds a tree.
 *
 * It lexes the stream the way QEMU's QMP does (RFC 8259 tokens, plus
 * strings in single quotes, which QEMU accepts as an extension) and
 * groups the tokens into messages by counting braces and brackets: a
 * message ends when neither count is positive (or one went negative), so
 * a top-level scalar is a message of its own.  Bytes may arrive in any
 * chunking.  Each complete text, or an error, goes to the callback in
 * stream order; the splitter then carries on with what follows.
 *
 * What is refused, with QEMU 7.2's wording:
 *  - a byte no token can start or continue (control characters, bytes
 *    0xFE/0xFF, '%', '/', uppercase words, a string broken by a
 *    newline, "0x10", "012", ...): "JSON parse error, stray '<token>'",
 *    reported at once; then input is skipped up to the next
 *    resynchronisation point (a control character other than TAB, a
 *    byte 0xFE/0xFF, or one of '{' '}' '[' ']'), which starts afresh.
 *    Sending a newline is therefore always a way back to a clean state.
 *  - a message that is lexically fine but not JSON (bad keyword, missing
 *    separator, bad escape, invalid UTF-8 in a string, a key twice in
 *    one object, ...): one error for the whole message, reported when it
 *    ends.
 *  - limits: more than JSON_SPLITTER_MAX_TOKENS tokens, more than
 *    max_size bytes of tokens, or nesting deeper than
 *    JSON_SPLITTER_MAX_DEPTH.  Unlike QEMU, which then reads the rest of
 *    the message as fresh input (one error reply per leftover token),
 *    the rest of the message is skipped up to its end, so one message
 *    gets one error.
 *
 * So a handed-on text is always plain RFC 8259 JSON (single-quoted
 * strings rewritten to double-quoted ones, runs of whitespace inside a
 * message collapsed to one space), which json-glib parses the same way
 * QEMU would.  Two things json-glib would still get wrong are refused or
 * rewritten here: "\u0000" (json-glib's C strings would cut the string;
 * QEMU 7.2 accepts it) and an integer outside int64 (handed on as a
 * double, as QEMU does beyond uint64, rather than wrapped around).
 *
 * Buffer capacity grown for a large message is given back when that
 * message is done.
 */
#ifndef MONITOR_JSON_SPLITTER_H
#define MONITOR_JSON_SPLITTER_H

#include "qemu/osdep.h"

#define JSON_SPLITTER_MAX_DEPTH 1024
#define JSON_SPLITTER_MAX_TOKENS (2 * 1024 * 1024)
#define JSON_SPLITTER_DEFAULT_MAX_SIZE (64 * MiB)
/* Buffers above this capacity are freed once their message is done. */
#define JSON_SPLITTER_KEEP_CAPACITY (64 * KiB)

/*
 * @text is a NUL-terminated message of @len bytes, or NULL with @err set
 * (the error is owned by the splitter).  Both are valid only during the
 * call.  The callback may call json_splitter_reset() (a peer that went
 * away while it was being answered).
 */
typedef void JsonSplitterFunc(void *opaque, const char *text, size_t len,
                              const GError *err);

typedef struct JsonSplitter {
    JsonSplitterFunc *emit;
    void *opaque;
    size_t max_size;
    GString *buf;       /* the message so far, then the current token */
    /* lexer */
    int state;          /* private: enum in json-splitter.c */
    size_t tok_start;   /* where the current token begins in buf */
    char quote;         /* '"' or '\'' while in a string */
    unsigned ulen;      /* characters of a \uXXXX escape so far */
    unsigned high;      /* a high surrogate awaiting its low half, or 0 */
    bool num_int;       /* the number token has no fraction/exponent */
    /* message */
    int braces, brackets;
    size_t ntokens;
    size_t size;        /* bytes of tokens so far (whitespace excluded) */
    bool skipping;      /* over a limit: skip to the end of the message */
    char *err;          /* the message's first syntax error, or NULL */
    int expect;         /* private: what the grammar allows next */
    GString *stack;     /* open containers, '{' or '[' each */
    GPtrArray *objects; /* per open '{': its keys so far (private) */
    bool key_pending;   /* the string token just checked is a key */
    char ubuf[4];       /* the characters of a \uXXXX escape so far */
    bool rewrite;       /* the string token needs rewriting (quotes) */
    size_t toklen;      /* bytes of the current token so far */
    bool in_emit;       /* inside the callback: keep buf's storage */
    bool released;      /* a large buffer was freed (for malloc_trim) */
} JsonSplitter;

/* Initialise @js; @max_size 0 means JSON_SPLITTER_DEFAULT_MAX_SIZE. */
void json_splitter_init(JsonSplitter *js, JsonSplitterFunc *emit,
                        void *opaque, size_t max_size);

/* Feed @len bytes; calls emit() for each message completed by them. */
void json_splitter_feed(JsonSplitter *js, const char *data, size_t len);

/*
 * Forget any partial message (the peer went away).  A partial text is
 * dropped silently; large buffers are released.
 */
void json_splitter_reset(JsonSplitter *js);

void json_splitter_destroy(JsonSplitter *js);

#endif /* MONITOR_JSON_SPLITTER_H */
