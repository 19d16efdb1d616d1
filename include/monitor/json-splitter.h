/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Streaming JSON message splitter: cuts a byte stream into top-level JSON
 * texts without parsing them.
 *
 * It tracks string/escape state (strings in double or, as QEMU allows,
 * single quotes) and the depth of '{' '[' nesting; a
 * message ends when the depth returns to 0 (or, for a top-level scalar,
 * at the next whitespace or structural character).  Bytes may arrive in
 * any chunking: several messages per feed, or one message over many.
 * Whitespace between messages is skipped.  Single-quoted strings are
 * handed on rewritten as standard double-quoted ones.  Each complete text, or an
 * error, is handed to the callback in stream order; after an error the
 * splitter has discarded the offending text and carries on.
 *
 * Limits (each gives an error, not a crash): a message longer than
 * max_size bytes, or nested deeper than JSON_SPLITTER_MAX_DEPTH.  The
 * over-long text is skipped until its depth returns to 0.
 *
 * Two things json-glib would get wrong are dealt with here, where the
 * raw text is seen: "\u0000" (json-glib's C strings would silently cut
 * the string there) and a lone UTF-16 surrogate escape (which json-glib
 * turns into invalid UTF-8) are refused with an error naming them; and
 * an integer literal outside int64 is handed on as a double ("1e20"
 * rather than json-glib's wrapped-around value), as QEMU does beyond
 * uint64.
 */
#ifndef MONITOR_JSON_SPLITTER_H
#define MONITOR_JSON_SPLITTER_H

#include "qemu/osdep.h"

#define JSON_SPLITTER_MAX_DEPTH 1024
#define JSON_SPLITTER_DEFAULT_MAX_SIZE (64 * MiB)

/*
 * @text is a NUL-terminated message of @len bytes, or NULL with @err set
 * (the error is owned by the splitter).  Both are valid only during the
 * call.
 */
typedef void JsonSplitterFunc(void *opaque, const char *text, size_t len,
                              const GError *err);

typedef struct JsonSplitter {
    JsonSplitterFunc *emit;
    void *opaque;
    size_t max_size;
    GString *buf;       /* the message being collected */
    unsigned depth;
    bool in_string;
    bool escape;
    char quote;         /* '"' or '\'' (QEMU also accepts the latter) */
    bool in_scalar;     /* a top-level number/literal being collected */
    bool discarding;    /* skipping the rest of an over-limit message */
    unsigned uhex_left; /* hex digits still due in a \uXXXX escape */
    unsigned ucode;     /* the code unit collected so far */
    unsigned high;      /* a high surrogate awaiting its low half, or 0 */
    bool in_number;     /* a number token at buf[num_start..] */
    bool num_int;       /* ... that has only digits (and a leading '-') */
    size_t num_start;
} JsonSplitter;

/* Initialise @js; @max_size 0 means JSON_SPLITTER_DEFAULT_MAX_SIZE. */
void json_splitter_init(JsonSplitter *js, JsonSplitterFunc *emit,
                        void *opaque, size_t max_size);

/* Feed @len bytes; calls emit() for each message completed by them. */
void json_splitter_feed(JsonSplitter *js, const char *data, size_t len);

/*
 * Forget any partial message (the peer went away).  A partial text is
 * dropped silently.
 */
void json_splitter_reset(JsonSplitter *js);

void json_splitter_destroy(JsonSplitter *js);

#endif /* MONITOR_JSON_SPLITTER_H */
