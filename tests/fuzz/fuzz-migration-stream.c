/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for the destination of a migration: the incoming thread of
 * migration/migration.c reading a stream (framing, checksums, the section
 * order rules), the RAM loader (migration/ram.c) and every device
 * section's check() and load() on a real machine: q35 with -accel qtest,
 * -incoming defer, a 256 MiB reserve=off memory-backend-ram "mem0"
 * behind virtio-mem-pci "vm0" (2 MiB blocks), edu at 04.0 and the UART,
 * built once by qemu_init() in LLVMFuzzerInitialize().  Each input runs in
 * a forked child (fuzz_fork_run()): the child writes the stream to a file
 * in a scratch directory, starts the incoming migration on it (fd:N),
 * runs the main loop until query-migrate says "completed" or "failed",
 * and exits.
 *
 * Input: u8 flags, then sections until the input ends, each
 *   u8 kind (1 config .. 4 end; any other value as is), u8 name,
 *   u8 version, u16 length (little-endian), the payload.
 * The name byte selects, modulo their number plus one, a registered
 * device section (its type goes with it), a RAM block id (type "ram") or
 * "/fuzz/none"; an end section gets "" and "".  The target writes the
 * framing and the crc32, so that the mutations reach the loaders.  Flags:
 * bit 0: no header and no configuration from the target (the input's
 * first section must be one); bit 1: append an end section; bit 2: break
 * the checksum of the last section.  Otherwise the stream starts with the
 * header and this machine's own configuration (mig_ram_describe() and
 * migration_state_describe_set(), what a source like it sends).
 *
 * Checked: the child exits 0 within 5 s, no signal, no sanitizer report;
 * the migration ends "completed" or "failed"; a failed one leaves the VM
 * in "inmigrate", not running; afterwards query-status and
 * query-memory-devices still answer.
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include "sysemu/sysemu.h"
#include "migration/migration.h"
#include "migration/stream.h"
#include "migration/vmstate.h"
#include "exec/ramblock.h"
#include "migration-internal.h"
#include "monitor-internal.h"
#include "fuzz.h"

#define TIMEOUT_MS   5000
#define MAX_INPUT_SIZE    (256 * 1024)
#define CONFIG_VERSION 1        /* migration/migration.c's */

static char *scratch;
static GPtrArray *names;        /* "name\0type" pairs, as two strings */

typedef struct Input {
    const uint8_t *data;
    size_t size;
} Input;

typedef struct Reply {
    unsigned lines;
    bool ok;
    char *status;               /* query-migrate's or query-status's */
} Reply;

static void on_line(void *opaque, const char *line)
{
    Reply *r = opaque;
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    g_autoptr(GError) err = NULL;
    JsonObject *resp, *ret;

    r->lines++;
    json_parser_load_from_data(parser, line, -1, &err);
    g_assert_no_error(err);
    resp = json_node_get_object(json_parser_get_root(parser));
    r->ok = json_object_has_member(resp, "return");
    g_clear_pointer(&r->status, g_free);
    if (r->ok && JSON_NODE_HOLDS_OBJECT(json_object_get_member(resp,
                                                               "return"))) {
        ret = json_object_get_object_member(resp, "return");
        if (json_object_has_member(ret, "status")) {
            r->status = g_strdup(json_object_get_string_member(ret,
                                                               "status"));
        }
    }
}

/* Run @cmd (no arguments) on @mon; its "status", NULL if none. */
static const char *ask(Monitor *mon, Reply *r, const char *cmd)
{
    g_autofree char *text = g_strdup_printf("{\"execute\": \"%s\"}\n", cmd);
    unsigned before = r->lines;

    monitor_feed_detached(mon, (const uint8_t *)text, strlen(text));
    g_assert_cmpuint(r->lines, ==, before + 1);
    g_assert_true(r->ok);
    return r->status;
}

static bool buf_write(void *opaque, const void *buf, size_t len,
                      GError **errp)
{
    g_byte_array_append(opaque, buf, len);
    return true;
}

/* The stream the input describes (see the top of the file). */
static GByteArray *build_stream(const uint8_t *data, size_t size)
{
    GByteArray *out = g_byte_array_new();
    uint8_t flags = size ? data[0] : 0;
    size_t pos = 1;

    if (!(flags & 1)) {
        g_autoptr(GByteArray) cfg = g_byte_array_new();

        mig_ram_describe(cfg);
        migration_state_describe_set(cfg);
        mig_stream_write_header(buf_write, out, NULL);
        mig_stream_write_section(buf_write, out, MIG_SECTION_CONFIG,
                                 "config", "config", CONFIG_VERSION,
                                 cfg->data, cfg->len, NULL);
    } else {
        mig_stream_write_header(buf_write, out, NULL);
    }
    while (pos + 5 <= size) {
        uint8_t kind = data[pos], sel = data[pos + 1];
        uint32_t version = data[pos + 2];
        size_t len = MIN(lduw_le_p(data + pos + 3), size - pos - 5);
        const char *name = "", *type = "";

        if (kind != MIG_SECTION_END) {
            guint n = names->len / 2;

            if (sel % (n + 1) < n) {
                name = g_ptr_array_index(names, 2 * (sel % (n + 1)));
                type = g_ptr_array_index(names, 2 * (sel % (n + 1)) + 1);
            } else {
                name = "/fuzz/none";
                type = "none";
            }
            if (kind == MIG_SECTION_CONFIG) {
                name = type = "config";
            }
        }
        mig_stream_write_section(buf_write, out, kind, name, type, version,
                                 data + pos + 5, len, NULL);
        pos += 5 + len;
    }
    if (flags & 4 && out->len) {
        out->data[out->len - 1] ^= 0x5a;
    }
    if (flags & 2) {
        mig_stream_write_section(buf_write, out, MIG_SECTION_END, "", "", 0,
                                 NULL, 0, NULL);
    }
    return out;
}

static void run_child(void *opaque)
{
    Input *in = opaque;
    g_autoptr(GByteArray) stream = build_stream(in->data, in->size);
    g_autofree char *path = g_build_filename(scratch, "stream", NULL);
    g_autofree char *uri = NULL;
    g_autoptr(GError) err = NULL;
    Reply r = { 0 };
    Monitor *mon = monitor_new_detached(on_line, &r);
    const char *st;
    int fd;

    ask(mon, &r, "qmp_capabilities");
    g_assert_true(g_file_set_contents(path, (const char *)stream->data,
                                      stream->len, NULL));
    fd = open(path, O_RDONLY | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    uri = g_strdup_printf("fd:%d", fd);
    g_assert_true(migration_incoming_start(uri, true, &err));
    for (;;) {
        st = ask(mon, &r, "query-migrate");
        if (st && (!strcmp(st, "completed") || !strcmp(st, "failed"))) {
            break;
        }
        g_main_context_iteration(NULL, TRUE);
    }
    if (!strcmp(st, "failed")) {
        /* A refused stream never runs. */
        g_assert_cmpstr(ask(mon, &r, "query-status"), ==, "inmigrate");
    } else {
        g_assert_nonnull(ask(mon, &r, "query-status"));
    }
    ask(mon, &r, "query-memory-devices");
    g_free(r.status);
    monitor_free_detached(mon);
    fuzz_child_exit(0);
}

static void remove_scratch(void)
{
    fuzz_empty_dir(scratch);
    g_rmdir(scratch);
}

static int add_block_name(RAMBlock *rb, void *opaque)
{
    const char *id = qemu_ram_get_idstr(rb);

    if (id[0]) {
        g_ptr_array_add(names, g_strdup(id));
        g_ptr_array_add(names, g_strdup("ram"));
    }
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char *args[] = {
        (char *)"qemu-system-x86_64", (char *)"-machine", (char *)"q35",
        (char *)"-m", (char *)"64M,maxmem=1G", (char *)"-accel",
        (char *)"qtest", (char *)"-display", (char *)"none",
        (char *)"-serial", (char *)"null",
        (char *)"-incoming", (char *)"defer", (char *)"-object",
        (char *)"memory-backend-ram,id=mem0,size=256M,reserve=off",
        (char *)"-device",
        (char *)"virtio-mem-pci,id=vm0,memdev=mem0,block-size=2M,"
        "requested-size=16M",
        (char *)"-device", (char *)"edu,id=e0,addr=04.0",
        NULL,
    };
    GPtrArray *entries;

    scratch = g_dir_make_tmp("fuzz-migration-XXXXXX", NULL);
    g_assert_nonnull(scratch);
    atexit(remove_scratch);     /* the parent's; children skip atexit */
    qemu_init(G_N_ELEMENTS(args) - 1, args);
    names = g_ptr_array_new_with_free_func(g_free);
    entries = migration_state_entries();
    for (guint i = 0; i < entries->len; i++) {
        MigStateEntry *e = g_ptr_array_index(entries, i);

        g_ptr_array_add(names, g_strdup(e->id));
        g_ptr_array_add(names, g_strdup(e->ops->type));
    }
    qemu_ram_foreach_block(add_block_name, NULL);
    if (getenv("FUZZ_MIGRATION_NAMES")) {
        for (guint i = 0; i < names->len; i += 2) {
            fprintf(stderr, "%u %s %s\n", i / 2,
                    (char *)g_ptr_array_index(names, i),
                    (char *)g_ptr_array_index(names, i + 1));
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Input in = { data, size };
    int status;

    if (size > MAX_INPUT_SIZE) {
        return 0;
    }
    status = fuzz_fork_run(run_child, &in, TIMEOUT_MS);
    fuzz_empty_dir(scratch);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "fuzz-migration-stream: child status %d\n", status);
        abort();
    }
    return 0;
}
