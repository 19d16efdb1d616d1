/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The migration stream format (docs/devel/migration.md): a header (magic,
 * format version), then checked sections, each one a configuration, a
 * device's state, a run of RAM pages of one block, or the end marker.
 *
 * Section layout, all integers little-endian:
 *
 *   u8  kind            MIG_SECTION_*
 *   u8  reserved        0
 *   u16 name length     then the name bytes (no NUL): a QOM path, a RAM
 *                       block id, "config" or ""
 *   u16 type length     then the type bytes: a QOM type, "ram", ...
 *   u32 version         of the section's payload layout
 *   u64 payload length  at most MIG_SECTION_MAX
 *   ... payload
 *   u32 crc32           (IEEE, reflected) of everything above, from kind
 *
 * A reader never hands out a section whose checksum or framing is wrong.
 * Writers and readers go through callbacks, so the same code serves
 * sockets, pipes and in-memory buffers (unit tests).
 */
#ifndef MIGRATION_STREAM_H
#define MIGRATION_STREAM_H

#include "qemu/osdep.h"

#define MIG_STREAM_MAGIC        "QELMIGR\n"     /* 8 bytes */
#define MIG_STREAM_MAGIC_LEN    8
#define MIG_STREAM_VERSION      1
#define MIG_SECTION_MAX         (64u << 20)
#define MIG_NAME_MAX            1024

typedef enum {
    MIG_SECTION_CONFIG = 1,     /* machine configuration, first */
    MIG_SECTION_DEVICE = 2,     /* one registered device state */
    MIG_SECTION_RAM = 3,        /* page runs of one RAM block */
    MIG_SECTION_END = 4,        /* nothing follows */
} MigSectionKind;

/* Write all of @buf or fail with @errp set. */
typedef bool MigWriteFn(void *opaque, const void *buf, size_t len,
                        GError **errp);
/* Read exactly @len bytes or fail with @errp set (EOF is a failure). */
typedef bool MigReadFn(void *opaque, void *buf, size_t len, GError **errp);

/* One decoded section; free with mig_section_clear(). */
typedef struct MigSection {
    MigSectionKind kind;
    char *name;
    char *type;
    uint32_t version;
    uint8_t *data;
    size_t len;
} MigSection;

/* crc32 (IEEE 802.3, as zlib's crc32()) of @len bytes continuing @crc. */
uint32_t mig_crc32(uint32_t crc, const void *buf, size_t len);

/* Write the stream header.  Returns false with @errp set on failure. */
bool mig_stream_write_header(MigWriteFn *fn, void *opaque, GError **errp);

/*
 * mig_stream_write_section: frame @len bytes of @data as one section.
 * @name, @type: NUL-terminated, each shorter than MIG_NAME_MAX.
 * @len: at most MIG_SECTION_MAX (a programming error otherwise).
 * Returns false with @errp set when @fn fails.
 */
bool mig_stream_write_section(MigWriteFn *fn, void *opaque,
                              MigSectionKind kind, const char *name,
                              const char *type, uint32_t version,
                              const void *data, size_t len, GError **errp);

/*
 * mig_stream_read_header: read and check the magic and format version.
 * Returns false with @errp set ("not a migration stream", "stream
 * version N, supported 1").
 */
bool mig_stream_read_header(MigReadFn *fn, void *opaque, GError **errp);

/*
 * mig_stream_read_section: read one section into @sec (which the caller
 * clears afterwards, also on failure).  Fails, naming the section when
 * its name was read, on a bad kind, oversized name or payload, or a
 * checksum mismatch; @sec then holds nothing the caller may apply.
 */
bool mig_stream_read_section(MigReadFn *fn, void *opaque, MigSection *sec,
                             GError **errp);

/* Free what @sec owns and zero it. */
void mig_section_clear(MigSection *sec);

/* --- Payload helpers: devices describe their state with these --- */

/* Append little-endian integers and counted strings to @out. */
void mig_put_u8(GByteArray *out, uint8_t v);
void mig_put_u32(GByteArray *out, uint32_t v);
void mig_put_u64(GByteArray *out, uint64_t v);
void mig_put_str(GByteArray *out, const char *s);
void mig_put_bytes(GByteArray *out, const void *p, size_t len);

/*
 * A bounds-checked reader over a payload.  Every get after an overrun
 * returns 0 / NULL and leaves @overrun set, so a decoder checks once at
 * the end (mig_cursor_done()).
 */
typedef struct MigCursor {
    const uint8_t *p;
    size_t len;
    size_t pos;
    bool overrun;
} MigCursor;

void mig_cursor_init(MigCursor *c, const void *p, size_t len);
uint8_t mig_get_u8(MigCursor *c);
uint32_t mig_get_u32(MigCursor *c);
uint64_t mig_get_u64(MigCursor *c);
/* A counted string, newly allocated (caller frees), or NULL on overrun. */
char *mig_get_str(MigCursor *c);
/* A pointer to @len bytes inside the payload, or NULL on overrun. */
const uint8_t *mig_get_bytes(MigCursor *c, size_t len);
/*
 * True if no overrun happened and every byte was consumed; otherwise
 * sets @errp naming @section.
 */
bool mig_cursor_done(MigCursor *c, const char *section, GError **errp);

#endif /* MIGRATION_STREAM_H */
