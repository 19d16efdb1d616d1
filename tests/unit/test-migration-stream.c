/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the migration stream format and the device-state
 * registry (migration/stream.c, migration/vmstate.c): round trips,
 * checksum and framing failures, and that a refused set of device
 * sections applies nothing.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/bswap.h"
#include "migration/stream.h"
#include "migration/vmstate.h"

typedef struct MemBuf {
    GByteArray *bytes;
    size_t pos;
} MemBuf;

static bool mem_write(void *opaque, const void *buf, size_t len,
                      GError **errp)
{
    MemBuf *m = opaque;

    g_byte_array_append(m->bytes, buf, len);
    return true;
}

static bool mem_read(void *opaque, void *buf, size_t len, GError **errp)
{
    MemBuf *m = opaque;

    if (len > m->bytes->len - m->pos) {
        error_setg(errp, "end of stream");
        return false;
    }
    memcpy(buf, m->bytes->data + m->pos, len);
    m->pos += len;
    return true;
}

static void write_sample(MemBuf *m)
{
    static const char payload[] = "device state bytes";

    m->bytes = g_byte_array_new();
    m->pos = 0;
    g_assert_true(mig_stream_write_header(mem_write, m, NULL));
    g_assert_true(mig_stream_write_section(mem_write, m, MIG_SECTION_DEVICE,
                                           "/machine/peripheral/vm0",
                                           "virtio-mem", 3, payload,
                                           sizeof(payload), NULL));
    g_assert_true(mig_stream_write_section(mem_write, m, MIG_SECTION_END,
                                           "", "", 0, NULL, 0, NULL));
}

static void test_crc_known_value(void)
{
    /* The standard check value of CRC-32/IEEE. */
    g_assert_cmphex(mig_crc32(0, "123456789", 9), ==, 0xcbf43926);
    g_assert_cmphex(mig_crc32(mig_crc32(0, "1234", 4), "56789", 5), ==,
                    0xcbf43926);
}

/* The 8-bytes-per-step crc against a byte-at-a-time reference. */
static uint32_t crc_bytewise(const uint8_t *p, size_t len)
{
    uint32_t crc = ~0u;

    while (len--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++) {
            crc = (crc & 1) ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
        }
    }
    return ~crc;
}

static void test_crc_long_buffers(void)
{
    uint8_t buf[1000];

    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = (i * 131 + 7) ^ (i >> 3);
    }
    for (size_t off = 0; off < 9; off++) {
        for (size_t len = 0; len + off <= sizeof(buf); len += 37) {
            g_assert_cmphex(mig_crc32(0, buf + off, len), ==,
                            crc_bytewise(buf + off, len));
        }
    }
    /* Split anywhere, the same value. */
    g_assert_cmphex(mig_crc32(mig_crc32(0, buf, 13), buf + 13, 987), ==,
                    crc_bytewise(buf, 1000));
}

static void test_round_trip(void)
{
    MemBuf m;
    MigSection s;
    GError *err = NULL;

    write_sample(&m);
    g_assert_true(mig_stream_read_header(mem_read, &m, &err));
    g_assert_true(mig_stream_read_section(mem_read, &m, &s, &err));
    g_assert_no_error(err);
    g_assert_cmpint(s.kind, ==, MIG_SECTION_DEVICE);
    g_assert_cmpstr(s.name, ==, "/machine/peripheral/vm0");
    g_assert_cmpstr(s.type, ==, "virtio-mem");
    g_assert_cmpuint(s.version, ==, 3);
    g_assert_cmpuint(s.len, ==, sizeof("device state bytes"));
    g_assert_cmpstr((char *)s.data, ==, "device state bytes");
    mig_section_clear(&s);
    g_assert_true(mig_stream_read_section(mem_read, &m, &s, &err));
    g_assert_cmpint(s.kind, ==, MIG_SECTION_END);
    mig_section_clear(&s);
    g_assert_cmpuint(m.pos, ==, m.bytes->len);
    g_byte_array_unref(m.bytes);
}

static void test_bad_magic(void)
{
    MemBuf m;
    GError *err = NULL;

    write_sample(&m);
    m.bytes->data[0] ^= 1;
    g_assert_false(mig_stream_read_header(mem_read, &m, &err));
    g_assert_nonnull(strstr(err->message, "bad magic"));
    g_error_free(err);
    g_byte_array_unref(m.bytes);
}

static void test_bad_version(void)
{
    MemBuf m;
    GError *err = NULL;

    write_sample(&m);
    m.bytes->data[MIG_STREAM_MAGIC_LEN] = 9;
    g_assert_false(mig_stream_read_header(mem_read, &m, &err));
    g_assert_nonnull(strstr(err->message, "version 9"));
    g_error_free(err);
    g_byte_array_unref(m.bytes);
}

/* Flipping any single payload bit is caught and the section named. */
static void test_checksum_catches_every_bit(void)
{
    MemBuf m;
    size_t hdr = MIG_STREAM_MAGIC_LEN + 4;
    size_t first_len;

    write_sample(&m);
    first_len = m.bytes->len - hdr - (2 + 2 + 2 + 4 + 8 + 4);
    for (size_t byte = hdr + 4 + 23 + 2 + 10 + 12; byte < hdr + first_len;
         byte++) {
        for (int bit = 0; bit < 8; bit++) {
            MigSection s;
            GError *err = NULL;

            m.pos = hdr;
            m.bytes->data[byte] ^= 1u << bit;
            g_assert_false(mig_stream_read_section(mem_read, &m, &s, &err));
            g_assert_nonnull(strstr(err->message, "vm0"));
            g_error_free(err);
            mig_section_clear(&s);
            m.bytes->data[byte] ^= 1u << bit;
        }
    }
    g_byte_array_unref(m.bytes);
}

static void test_truncated(void)
{
    MemBuf m;
    MigSection s;
    GError *err = NULL;

    write_sample(&m);
    g_byte_array_set_size(m.bytes, m.bytes->len - 30);
    g_assert_true(mig_stream_read_header(mem_read, &m, NULL));
    g_assert_false(mig_stream_read_section(mem_read, &m, &s, &err));
    g_assert_nonnull(err);
    g_error_free(err);
    mig_section_clear(&s);
    g_byte_array_unref(m.bytes);
}

static void test_oversized_length(void)
{
    g_autoptr(GByteArray) b = g_byte_array_new();
    MemBuf m = { .bytes = b };
    MigSection s;
    GError *err = NULL;

    mig_put_u8(b, MIG_SECTION_RAM);
    mig_put_u8(b, 0);
    mig_put_str(b, "pc.ram");
    mig_put_str(b, "ram");
    mig_put_u32(b, 1);
    mig_put_u64(b, UINT64_MAX);
    g_assert_false(mig_stream_read_section(mem_read, &m, &s, &err));
    g_assert_nonnull(strstr(err->message, "'pc.ram' claims"));
    g_error_free(err);
    mig_section_clear(&s);
}

static void test_cursor(void)
{
    g_autoptr(GByteArray) b = g_byte_array_new();
    MigCursor c;
    g_autofree char *str = NULL;
    GError *err = NULL;

    mig_put_u64(b, 0x1122334455667788ull);
    mig_put_str(b, "abc");
    mig_put_u32(b, 7);
    mig_cursor_init(&c, b->data, b->len);
    g_assert_cmphex(mig_get_u64(&c), ==, 0x1122334455667788ull);
    str = mig_get_str(&c);
    g_assert_cmpstr(str, ==, "abc");
    g_assert_cmpuint(mig_get_u32(&c), ==, 7);
    g_assert_true(mig_cursor_done(&c, "x", NULL));
    g_assert_cmpuint(mig_get_u8(&c), ==, 0);
    g_assert_false(mig_cursor_done(&c, "x", &err));
    g_assert_nonnull(strstr(err->message, "'x' is truncated"));
    g_error_free(err);
}

/* A fake device: state is one u64, check refuses values > limit. */
typedef struct FakeDev {
    uint64_t value;
    uint64_t limit;
    unsigned loads;
} FakeDev;

static bool fake_save(void *opaque, GByteArray *out, GError **errp)
{
    mig_put_u64(out, ((FakeDev *)opaque)->value);
    return true;
}

static bool fake_check(void *opaque, const uint8_t *data, size_t len,
                       uint32_t version, GError **errp)
{
    FakeDev *d = opaque;
    MigCursor c;
    uint64_t v;

    mig_cursor_init(&c, data, len);
    v = mig_get_u64(&c);
    if (!mig_cursor_done(&c, "fake", errp)) {
        return false;
    }
    if (v > d->limit) {
        error_setg(errp, "value %" PRIu64 " above %" PRIu64, v, d->limit);
        return false;
    }
    return true;
}

static bool fake_load(void *opaque, const uint8_t *data, size_t len,
                      uint32_t version, GError **errp)
{
    FakeDev *d = opaque;

    d->value = ldq_le_p(data);
    d->loads++;
    return true;
}

static const MigStateOps fake_ops = {
    .type = "fake-dev", .version = 2,
    .save = fake_save, .check = fake_check, .load = fake_load,
};

static MigSection *fake_section(const char *id, uint64_t v, uint32_t ver)
{
    MigSection *s = g_new0(MigSection, 1);
    GByteArray *b = g_byte_array_new();

    mig_put_u64(b, v);
    s->kind = MIG_SECTION_DEVICE;
    s->name = g_strdup(id);
    s->type = g_strdup("fake-dev");
    s->version = ver;
    s->len = b->len;
    s->data = g_byte_array_free(b, false);
    return s;
}

static void free_section(MigSection *s)
{
    mig_section_clear(s);
    g_free(s);
}

static void test_load_refusal_applies_nothing(void)
{
    FakeDev a = { .value = 1, .limit = 100 }, b = { .value = 2, .limit = 10 };
    MigSection *secs[2];
    GError *err = NULL;

    g_assert_true(migration_state_register("/dev/a", &fake_ops, &a, NULL));
    g_assert_true(migration_state_register("/dev/b", &fake_ops, &b, NULL));
    g_assert_false(migration_state_register("/dev/a", &fake_ops, &a, NULL));
    /* a's section is fine, b's is not: neither may change. */
    secs[0] = fake_section("/dev/a", 50, 2);
    secs[1] = fake_section("/dev/b", 50, 2);
    g_assert_false(migration_state_load_sections(secs, 2, &err));
    g_assert_nonnull(strstr(err->message, "section '/dev/b' (fake-dev)"));
    g_clear_error(&err);
    g_assert_cmpuint(a.value, ==, 1);
    g_assert_cmpuint(a.loads, ==, 0);
    g_assert_cmpuint(b.value, ==, 2);
    free_section(secs[1]);

    /* A newer version than this side knows is refused by name. */
    secs[1] = fake_section("/dev/b", 5, 3);
    g_assert_false(migration_state_load_sections(secs, 2, &err));
    g_assert_nonnull(strstr(err->message, "'/dev/b': version 3"));
    g_clear_error(&err);
    g_assert_cmpuint(a.loads, ==, 0);
    free_section(secs[1]);

    /* Unknown device. */
    secs[1] = fake_section("/dev/c", 5, 2);
    g_assert_false(migration_state_load_sections(secs, 2, &err));
    g_assert_nonnull(strstr(err->message, "'/dev/c'"));
    g_clear_error(&err);
    g_assert_cmpuint(a.loads, ==, 0);
    free_section(secs[1]);

    secs[1] = fake_section("/dev/b", 5, 2);
    g_assert_true(migration_state_load_sections(secs, 2, &err));
    g_assert_cmpuint(a.value, ==, 50);
    g_assert_cmpuint(b.value, ==, 5);
    free_section(secs[0]);
    free_section(secs[1]);
    migration_state_unregister("/dev/a");
    migration_state_unregister("/dev/b");
}

/*
 * Two sections for one device in a group: both would pass check() against
 * the state before either load, so the second is refused up front.
 */
static void test_repeated_section_refused(void)
{
    FakeDev a = { .value = 1, .limit = 100 };
    MigSection *secs[2];
    GError *err = NULL;

    g_assert_true(migration_state_register("/dev/a", &fake_ops, &a, NULL));
    secs[0] = fake_section("/dev/a", 50, 2);
    secs[1] = fake_section("/dev/a", 60, 2);
    g_assert_false(migration_state_load_sections(secs, 2, &err));
    g_assert_nonnull(strstr(err->message,
                            "section '/dev/a' (fake-dev) appears twice"));
    g_clear_error(&err);
    g_assert_cmpuint(a.loads, ==, 0);
    g_assert_cmpuint(a.value, ==, 1);
    free_section(secs[0]);
    free_section(secs[1]);
    migration_state_unregister("/dev/a");
}

static void test_device_set(void)
{
    FakeDev a = { .limit = 1 }, b = { .limit = 1 };
    g_autoptr(GByteArray) set = g_byte_array_new();
    MigCursor c;
    GError *err = NULL;

    g_assert_true(migration_state_register("/dev/a", &fake_ops, &a, NULL));
    g_assert_true(migration_state_register("/dev/b", &fake_ops, &b, NULL));
    migration_state_describe_set(set);
    mig_cursor_init(&c, set->data, set->len);
    g_assert_true(migration_state_check_set(&c, &err));
    g_assert_no_error(err);

    /* The destination lacks /dev/b. */
    migration_state_unregister("/dev/b");
    mig_cursor_init(&c, set->data, set->len);
    g_assert_false(migration_state_check_set(&c, &err));
    g_assert_nonnull(strstr(err->message, "'/dev/b' (fake-dev): no such"));
    g_clear_error(&err);

    /* The destination has one more device than the source. */
    g_assert_true(migration_state_register("/dev/b", &fake_ops, &b, NULL));
    g_assert_true(migration_state_register("/dev/c", &fake_ops, &b, NULL));
    mig_cursor_init(&c, set->data, set->len);
    g_assert_false(migration_state_check_set(&c, &err));
    g_assert_nonnull(strstr(err->message, "'/dev/c' (fake-dev): device "
                            "missing"));
    g_clear_error(&err);
    migration_state_unregister("/dev/a");
    migration_state_unregister("/dev/b");
    migration_state_unregister("/dev/c");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/migration/stream/crc32-check-value",
                    test_crc_known_value);
    g_test_add_func("/migration/stream/crc32-long-buffers",
                    test_crc_long_buffers);
    g_test_add_func("/migration/stream/round-trip", test_round_trip);
    g_test_add_func("/migration/stream/bad-magic-refused", test_bad_magic);
    g_test_add_func("/migration/stream/newer-version-refused",
                    test_bad_version);
    g_test_add_func("/migration/stream/checksum-catches-every-bit-flip",
                    test_checksum_catches_every_bit);
    g_test_add_func("/migration/stream/truncated-section-refused",
                    test_truncated);
    g_test_add_func("/migration/stream/oversized-length-refused",
                    test_oversized_length);
    g_test_add_func("/migration/stream/cursor-bounds", test_cursor);
    g_test_add_func("/migration/state/refusal-applies-nothing",
                    test_load_refusal_applies_nothing);
    g_test_add_func("/migration/state/repeated-section-refused",
                    test_repeated_section_refused);
    g_test_add_func("/migration/state/device-set-must-match",
                    test_device_set);
    return g_test_run();
}
