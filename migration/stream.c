/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The migration stream's framing: header, sections with a length and a
 * crc32, and the payload helpers devices use to describe their state.
 * The layout is specified in include/migration/stream.h and
 * docs/devel/migration.md.
 *
 * Tuned for RAM sections of a few MiB: a section is read into one buffer
 * and checked before anyone sees it; the crc (CRC-32, zlib's) goes 8 bytes
 * per step with eight 256-entry tables built once ("slicing"), several
 * times faster than a byte per step over the MiBs of a RAM section.
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qapi/error.h"
#include "migration/stream.h"

#define SECTION_HEAD_FIXED  (1 + 1 + 2)     /* kind, reserved, name len */

/* crc_table[k][b]: the crc of byte b followed by k zero bytes. */
static uint32_t crc_table[8][256];
static GOnce crc_once = G_ONCE_INIT;

static gpointer crc_table_init(gpointer unused)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;

        for (int k = 0; k < 8; k++) {
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        }
        crc_table[0][i] = c;
    }
    for (int k = 1; k < 8; k++) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t prev = crc_table[k - 1][i];

            crc_table[k][i] = (prev >> 8) ^ crc_table[0][prev & 0xff];
        }
    }
    return NULL;
}

uint32_t mig_crc32(uint32_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    g_once(&crc_once, crc_table_init, NULL);
    crc = ~crc;
    for (; len >= 8; len -= 8, p += 8) {
        uint32_t lo = crc ^ ldl_le_p(p), hi = ldl_le_p(p + 4);

        crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
              crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
              crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
              crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
    }
    while (len--) {
        crc = crc_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    }
    return ~crc;
}

bool mig_stream_write_header(MigWriteFn *fn, void *opaque, GError **errp)
{
    uint8_t hdr[MIG_STREAM_MAGIC_LEN + 4];

    memcpy(hdr, MIG_STREAM_MAGIC, MIG_STREAM_MAGIC_LEN);
    stl_le_p(hdr + MIG_STREAM_MAGIC_LEN, MIG_STREAM_VERSION);
    return fn(opaque, hdr, sizeof(hdr), errp);
}

bool mig_stream_read_header(MigReadFn *fn, void *opaque, GError **errp)
{
    uint8_t hdr[MIG_STREAM_MAGIC_LEN + 4];
    uint32_t version;

    if (!fn(opaque, hdr, sizeof(hdr), errp)) {
        return false;
    }
    if (memcmp(hdr, MIG_STREAM_MAGIC, MIG_STREAM_MAGIC_LEN)) {
        error_setg(errp, "not a migration stream (bad magic)");
        return false;
    }
    version = ldl_le_p(hdr + MIG_STREAM_MAGIC_LEN);
    if (version != MIG_STREAM_VERSION) {
        error_setg(errp, "migration stream version %u, supported %u",
                   version, MIG_STREAM_VERSION);
        return false;
    }
    return true;
}

bool mig_stream_write_section(MigWriteFn *fn, void *opaque,
                              MigSectionKind kind, const char *name,
                              const char *type, uint32_t version,
                              const void *data, size_t len, GError **errp)
{
    size_t nlen = strlen(name), tlen = strlen(type);
    g_autoptr(GByteArray) head = g_byte_array_new();
    uint8_t crc_buf[4];
    uint32_t crc;

    g_assert(nlen < MIG_NAME_MAX && tlen < MIG_NAME_MAX);
    g_assert(len <= MIG_SECTION_MAX);
    mig_put_u8(head, kind);
    mig_put_u8(head, 0);
    mig_put_str(head, name);
    mig_put_str(head, type);
    mig_put_u32(head, version);
    mig_put_u64(head, len);
    crc = mig_crc32(0, head->data, head->len);
    crc = mig_crc32(crc, data, len);
    stl_le_p(crc_buf, crc);
    return fn(opaque, head->data, head->len, errp) &&
           (!len || fn(opaque, data, len, errp)) &&
           fn(opaque, crc_buf, 4, errp);
}

/* Read a u16-counted string into a new buffer, feeding the crc. */
static char *read_counted(MigReadFn *fn, void *opaque, uint32_t *crc,
                          const char *what, GError **errp)
{
    uint8_t lb[2];
    uint16_t n;
    char *s;

    if (!fn(opaque, lb, 2, errp)) {
        return NULL;
    }
    *crc = mig_crc32(*crc, lb, 2);
    n = lduw_le_p(lb);
    if (n >= MIG_NAME_MAX) {
        error_setg(errp, "migration stream: section %s of %u bytes is too "
                   "long", what, n);
        return NULL;
    }
    s = g_malloc(n + 1);
    if (!fn(opaque, s, n, errp)) {
        g_free(s);
        return NULL;
    }
    s[n] = 0;
    *crc = mig_crc32(*crc, s, n);
    if (strlen(s) != n) {
        error_setg(errp, "migration stream: section %s contains a NUL", what);
        g_free(s);
        return NULL;
    }
    return s;
}

bool mig_stream_read_section(MigReadFn *fn, void *opaque, MigSection *sec,
                             GError **errp)
{
    uint8_t kb[2], vl[12], cb[4];
    uint32_t crc = 0;
    uint64_t len;

    memset(sec, 0, sizeof(*sec));
    if (!fn(opaque, kb, 2, errp)) {
        return false;
    }
    crc = mig_crc32(crc, kb, 2);
    if (kb[0] < MIG_SECTION_CONFIG || kb[0] > MIG_SECTION_END || kb[1]) {
        error_setg(errp, "migration stream: unknown section kind %u", kb[0]);
        return false;
    }
    sec->kind = kb[0];
    sec->name = read_counted(fn, opaque, &crc, "name", errp);
    if (!sec->name) {
        return false;
    }
    sec->type = read_counted(fn, opaque, &crc, "type", errp);
    if (!sec->type) {
        return false;
    }
    if (!fn(opaque, vl, sizeof(vl), errp)) {
        return false;
    }
    crc = mig_crc32(crc, vl, sizeof(vl));
    sec->version = ldl_le_p(vl);
    len = ldq_le_p(vl + 4);
    if (len > MIG_SECTION_MAX) {
        error_setg(errp, "migration stream: section '%s' claims 0x%" PRIx64
                   " bytes, more than the limit 0x%x", sec->name, len,
                   MIG_SECTION_MAX);
        return false;
    }
    sec->len = len;
    sec->data = g_try_malloc(len ? len : 1);
    if (!sec->data) {
        error_setg(errp, "migration stream: section '%s': out of memory",
                   sec->name);
        return false;
    }
    if ((len && !fn(opaque, sec->data, len, errp)) ||
        !fn(opaque, cb, 4, errp)) {
        g_prefix_error(errp, "section '%s': ", sec->name);
        return false;
    }
    crc = mig_crc32(crc, sec->data, len);
    if (crc != ldl_le_p(cb)) {
        error_setg(errp, "migration stream: section '%s' fails its checksum "
                   "(0x%08x, expected 0x%08x)", sec->name, crc,
                   ldl_le_p(cb));
        return false;
    }
    return true;
}

void mig_section_clear(MigSection *sec)
{
    g_free(sec->name);
    g_free(sec->type);
    g_free(sec->data);
    memset(sec, 0, sizeof(*sec));
}

void mig_put_u8(GByteArray *out, uint8_t v)
{
    g_byte_array_append(out, &v, 1);
}

void mig_put_u32(GByteArray *out, uint32_t v)
{
    uint8_t b[4];

    stl_le_p(b, v);
    g_byte_array_append(out, b, 4);
}

void mig_put_u64(GByteArray *out, uint64_t v)
{
    uint8_t b[8];

    stq_le_p(b, v);
    g_byte_array_append(out, b, 8);
}

void mig_put_str(GByteArray *out, const char *s)
{
    size_t n = strlen(s);
    uint8_t b[2];

    g_assert(n < MIG_NAME_MAX);
    stw_le_p(b, n);
    g_byte_array_append(out, b, 2);
    g_byte_array_append(out, (const guint8 *)s, n);
}

void mig_put_bytes(GByteArray *out, const void *p, size_t len)
{
    g_byte_array_append(out, p, len);
}

void mig_cursor_init(MigCursor *c, const void *p, size_t len)
{
    c->p = p;
    c->len = len;
    c->pos = 0;
    c->overrun = false;
}

const uint8_t *mig_get_bytes(MigCursor *c, size_t len)
{
    const uint8_t *r;

    if (c->overrun || len > c->len - c->pos) {
        c->overrun = true;
        return NULL;
    }
    r = c->p + c->pos;
    c->pos += len;
    return r;
}

uint8_t mig_get_u8(MigCursor *c)
{
    const uint8_t *b = mig_get_bytes(c, 1);

    return b ? *b : 0;
}

uint32_t mig_get_u32(MigCursor *c)
{
    const uint8_t *b = mig_get_bytes(c, 4);

    return b ? ldl_le_p(b) : 0;
}

uint64_t mig_get_u64(MigCursor *c)
{
    const uint8_t *b = mig_get_bytes(c, 8);

    return b ? ldq_le_p(b) : 0;
}

char *mig_get_str(MigCursor *c)
{
    const uint8_t *lb = mig_get_bytes(c, 2);
    const uint8_t *s;
    uint16_t n;

    if (!lb) {
        return NULL;
    }
    n = lduw_le_p(lb);
    s = mig_get_bytes(c, n);
    if (!s || memchr(s, 0, n)) {
        c->overrun = true;
        return NULL;
    }
    return g_strndup((const char *)s, n);
}

bool mig_cursor_done(MigCursor *c, const char *section, GError **errp)
{
    if (c->overrun) {
        error_setg(errp, "migration: section '%s' is truncated", section);
        return false;
    }
    if (c->pos != c->len) {
        error_setg(errp, "migration: section '%s' has %zu unexpected "
                   "trailing bytes", section, c->len - c->pos);
        return false;
    }
    return true;
}
