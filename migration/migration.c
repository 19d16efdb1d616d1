/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Live migration: the QMP commands, -incoming, and the two transfer
 * threads (source and destination).  Owns the migration state machine
 * (none, setup, active, cancelling, cancelled, completed, failed) and the
 * parameters (max-bandwidth, downtime-limit).
 *
 * Threading (docs/devel/migration.md): each direction runs in a thread
 * of its own on a blocking descriptor, so the main loop keeps serving QMP
 * and qtest.  A thread takes the big lock only to touch VM state: to
 * harvest a chunk of dirty pages into a buffer, to save or load device
 * sections, to apply a RAM section, to stop or start the VM.  It never
 * holds the lock while writing or reading the stream, except during the
 * final pass, when the VM is stopped (the downtime).  QMP events are
 * posted to the main loop.  Status fields are written under the lock.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "monitor/qmp.h"
#include "sysemu/runstate.h"
#include "migration/migration.h"
#include "migration/stream.h"
#include "migration/vmstate.h"
#include "exec/ramblock.h"
#include "migration-internal.h"

#include <glib-unix.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define CHUNK_BYTES         (4u << 20)  /* page data per RAM section */
#define MAX_PASSES          30          /* then stop the VM regardless */
#define CONFIG_VERSION      1

typedef enum {
    MIG_NONE, MIG_SETUP, MIG_ACTIVE, MIG_CANCELLING, MIG_CANCELLED,
    MIG_COMPLETED, MIG_FAILED,
} MigStatus;

static const char *const status_names[] = {
    "none", "setup", "active", "cancelling", "cancelled", "completed",
    "failed",
};

/* Parameters (main thread writes, threads read under the big lock). */
static uint64_t max_bandwidth = 128 << 20;      /* bytes/s, QEMU's default */
static uint64_t downtime_limit = 300;           /* ms */

typedef struct MigSource {
    MigStatus status;
    GThread *thread;
    MigChannel ch;
    gint cancel;                /* atomic */
    MigRam *ram;
    char *error;
    int64_t start_ms, setup_ms, downtime_ms, total_ms;
    uint64_t remaining;         /* dirty bytes at the last estimate */
    uint64_t sent_at_estimate;  /* pages sent (data + zero) by then */
    uint64_t total, normal, zero, syncs;    /* kept when RAM state is freed */
    uint64_t dirty_rate;        /* pages/s in the last pass */
    uint64_t mbps;
    unsigned passes;
    RunState vm_state;          /* the run state when the final pass began */
    bool return_path;           /* wait for the destination's verdict */
} MigSource;

typedef struct MigIncoming {
    MigStatus status;
    bool requested;             /* -incoming given */
    bool deferred;              /* -incoming defer, migrate-incoming pending */
    bool got_vm_state;          /* the "runstate" section arrived */
    RunState vm_state;          /* the source's, from that section */
    bool send_verdict;          /* the "return-path" section asked for it */
    int listen_fd;
    guint listen_watch;
    GThread *thread;
    MigChannel ch;
    char *error;
} MigIncoming;

static MigSource src = { .status = MIG_NONE };
static MigIncoming in = { .status = MIG_NONE, .listen_fd = -1 };

/* ---- Events --------------------------------------------------------------- */

/* The capability state belongs to monitor/ (migrate-set-capabilities). */
static bool events_enabled(void)
{
    return migrate_capability_enabled("events");
}

typedef struct PostedEvent {
    char *name;
    JsonObject *data;
} PostedEvent;

static gboolean send_posted_event(gpointer opaque)
{
    PostedEvent *e = opaque;

    if (events_enabled()) {
        qmp_event_send(e->name, e->data);
    } else {
        json_object_unref(e->data);
    }
    g_free(e->name);
    g_free(e);
    return G_SOURCE_REMOVE;
}

/* Queue an event for the main loop (in order with other posted ones). */
static void post_event(const char *name, JsonObject *data)
{
    PostedEvent *e = g_new0(PostedEvent, 1);

    e->name = g_strdup(name);
    e->data = data;
    g_idle_add(send_posted_event, e);
}

static void post_status(MigStatus status)
{
    JsonObject *data = json_object_new();

    json_object_set_string_member(data, "status", status_names[status]);
    post_event("MIGRATION", data);
}

/* Status changes: big lock held. */
static void src_set_status(MigStatus status)
{
    src.status = status;
    post_status(status);
}

static void in_set_status(MigStatus status)
{
    in.status = status;
    post_status(status);
}

/*
 * "setup", set by migrate / migrate-incoming in the main thread: its
 * event goes out at once, before the command's reply, as QEMU 7.2's
 * does.  libvirt checks the job's state as soon as migrate returns and
 * gives up ("job 'migration out' is not active") when no MIGRATION
 * event has told it the migration started.
 */
static void send_setup_now(MigStatus *status)
{
    *status = MIG_SETUP;
    if (events_enabled()) {
        JsonObject *data = json_object_new();

        json_object_set_string_member(data, "status",
                                      status_names[MIG_SETUP]);
        qmp_event_send("MIGRATION", data);
    }
}

static bool is_active(MigStatus s)
{
    return s == MIG_SETUP || s == MIG_ACTIVE || s == MIG_CANCELLING;
}

/* ---- Source ---------------------------------------------------------------- */

static void config_payload(GByteArray *out)
{
    mig_ram_describe(out);
    migration_state_describe_set(out);
}

/* Save every registered section with early == @early into @secs. */
static bool save_devices(bool early, GPtrArray *secs, GError **errp)
{
    GPtrArray *a = migration_state_entries();

    for (guint i = 0; i < a->len; i++) {
        MigStateEntry *e = g_ptr_array_index(a, i);
        GByteArray *b;

        if (e->ops->early != early) {
            continue;
        }
        b = g_byte_array_new();
        if (!e->ops->save(e->opaque, b, errp)) {
            g_prefix_error(errp, "migration: section '%s': ", e->id);
            g_byte_array_unref(b);
            return false;
        }
        g_ptr_array_add(secs, e);
        g_ptr_array_add(secs, b);
    }
    return true;
}

/* Write pairs (entry, bytes) produced by save_devices(). */
static bool write_devices(GPtrArray *secs, GError **errp)
{
    for (guint i = 0; i < secs->len; i += 2) {
        MigStateEntry *e = g_ptr_array_index(secs, i);
        GByteArray *b = g_ptr_array_index(secs, i + 1);

        if (!mig_stream_write_section(mig_channel_write, &src.ch,
                                      MIG_SECTION_DEVICE, e->id,
                                      e->ops->type, e->ops->version,
                                      b->data, b->len, errp)) {
            return false;
        }
    }
    return true;
}

static void free_device_bytes(GPtrArray *secs)
{
    for (guint i = 1; i < secs->len; i += 2) {
        g_byte_array_unref(g_ptr_array_index(secs, i));
    }
    g_ptr_array_set_size(secs, 0);
}

static bool cancelled(GError **errp)
{
    if (g_atomic_int_get(&src.cancel)) {
        error_setg(errp, "migration cancelled");
        return true;
    }
    return false;
}

static bool src_setup(GError **errp)
{
    g_autoptr(GByteArray) cfg = g_byte_array_new();
    g_autoptr(GPtrArray) early = g_ptr_array_new();
    bool ok;

    bql_lock();
    config_payload(cfg);
    ok = save_devices(true, early, errp);
    bql_unlock();
    ok = ok && mig_stream_write_header(mig_channel_write, &src.ch, errp) &&
         mig_stream_write_section(mig_channel_write, &src.ch,
                                  MIG_SECTION_CONFIG, "config", "config",
                                  CONFIG_VERSION, cfg->data, cfg->len,
                                  errp) &&
         write_devices(early, errp);
    free_device_bytes(early);
    return ok;
}

/*
 * Sleep as needed to keep under max-bandwidth: a window (reset after
 * 100 ms) may not carry more than its length allows, whatever the size
 * of the sections written in it.  Sleeps in slices of at most 100 ms so
 * that migrate_cancel is noticed.
 */
static void rate_limit(int64_t *window_start, uint64_t *window_bytes,
                       size_t just_sent)
{
    uint64_t bw;
    int64_t elapsed;

    bql_lock();
    bw = max_bandwidth;
    bql_unlock();
    *window_bytes += just_sent;
    elapsed = g_get_monotonic_time() - *window_start;
    if (bw) {
        int64_t due = *window_bytes * G_USEC_PER_SEC / bw;

        while (due > elapsed && !g_atomic_int_get(&src.cancel)) {
            g_usleep(MIN(due - elapsed, 100000));
            elapsed = g_get_monotonic_time() - *window_start;
        }
    }
    if (elapsed >= 100000) {
        *window_start = g_get_monotonic_time();
        *window_bytes = 0;
    }
}

/* One RAM pass.  With @locked, the caller holds the big lock throughout. */
static bool src_ram_pass(GByteArray *buf, bool locked, GError **errp)
{
    int64_t window_start = g_get_monotonic_time();
    uint64_t window_bytes = 0;

    for (;;) {
        const char *id;
        g_autofree char *name = NULL;
        bool more;

        if (cancelled(errp)) {
            return false;
        }
        if (!locked) {
            bql_lock();
        }
        more = mig_ram_next_chunk(src.ram, buf, &id, CHUNK_BYTES);
        name = more ? g_strdup(id) : NULL;
        if (!locked) {
            bql_unlock();
        }
        if (!more) {
            return true;
        }
        if (!mig_stream_write_section(mig_channel_write, &src.ch,
                                      MIG_SECTION_RAM, name, "ram", 1,
                                      buf->data, buf->len, errp)) {
            return false;
        }
        if (!locked) {
            rate_limit(&window_start, &window_bytes, buf->len);
        }
    }
}

static void post_pass(unsigned pass)
{
    JsonObject *data = json_object_new();

    json_object_set_int_member(data, "pass", pass);
    post_event("MIGRATION_PASS", data);
}

/* Iterate until what is left fits the downtime limit. */
static bool src_iterate(GByteArray *buf, GError **errp)
{
    for (;;) {
        int64_t t0 = g_get_monotonic_time(), dt;
        uint64_t before = src.ch.bytes, pages0, bw, remaining;

        bql_lock();
        pages0 = mig_ram_normal_pages(src.ram) + mig_ram_zero_pages(src.ram);
        src.passes++;
        bql_unlock();
        post_pass(src.passes);
        if (!src_ram_pass(buf, false, errp)) {
            return false;
        }
        dt = MAX(g_get_monotonic_time() - t0, 1);
        bql_lock();
        remaining = mig_ram_remaining(src.ram);
        src.remaining = remaining;
        src.sent_at_estimate = mig_ram_normal_pages(src.ram) +
                               mig_ram_zero_pages(src.ram);
        bw = (src.ch.bytes - before) * G_USEC_PER_SEC / dt;
        src.mbps = bw * 8 / 1000000;
        if (src.passes > 1) {
            src.dirty_rate = (mig_ram_normal_pages(src.ram) +
                              mig_ram_zero_pages(src.ram) - pages0) *
                             G_USEC_PER_SEC / dt;
        }
        bw = MIN(MAX(bw, 1), max_bandwidth ? max_bandwidth : bw);
        if (remaining <= bw * downtime_limit / 1000 ||
            src.passes >= MAX_PASSES) {
            bql_unlock();
            return true;
        }
        bql_unlock();
    }
}

/* Stop the VM and send the rest.  Returns with the big lock held. */
static bool src_complete(GByteArray *buf, bool *stopped, GError **errp)
{
    g_autoptr(GPtrArray) late = g_ptr_array_new();
    int64_t t0;
    bool ok;

    bql_lock();
    t0 = g_get_monotonic_time();
    /* QEMU 7.2: "finish-migrate" whether or not the VM was running. */
    src.vm_state = runstate_get();
    if (runstate_is_running()) {
        vm_stop_reason(RUN_STATE_FINISH_MIGRATE);
        *stopped = true;
    } else {
        runstate_set(RUN_STATE_FINISH_MIGRATE);
    }
    /* The last estimate's sync came before the stop. */
    mig_ram_sync_before_next_pass(src.ram);
    post_pass(++src.passes);
    ok = src_ram_pass(buf, true, errp) && save_devices(false, late, errp) &&
         write_devices(late, errp) &&
         mig_stream_write_section(mig_channel_write, &src.ch,
                                  MIG_SECTION_END, "", "", 0, NULL, 0, errp);
    free_device_bytes(late);
    src.downtime_ms = (g_get_monotonic_time() - t0) / 1000;
    return ok;
}

/*
 * Join the ended source thread @opaque and close its channel, unless
 * that already happened (a new migrate found it ended and did it).
 */
static guint src_generation;  /* bumped per started source thread */
static guint in_generation;

static gboolean src_finish_in_main(gpointer opaque)
{
    if (src.thread && GPOINTER_TO_UINT(opaque) == src_generation) {
        g_thread_join(src.thread);
        src.thread = NULL;
        mig_channel_close(&src.ch);
    }
    return G_SOURCE_REMOVE;
}

/*
 * exec: "completed" means the command has everything: close its input
 * and wait for it to exit (status 0), without the big lock, so QMP
 * (migrate_cancel: it kills the command) is served meanwhile.  Called
 * and returns with the big lock held.
 */
static bool src_wait_command(GError **errp)
{
    if (!src.ch.child) {
        return true;
    }
    mig_channel_end_output(&src.ch);
    bql_unlock();
    mig_channel_wait_exit(&src.ch);
    bql_lock();
    if (!mig_channel_reap(&src.ch, errp)) {
        return false;
    }
    return !cancelled(errp);
}

/*
 * The return path: with the "return-path" capability the source asks
 * (early section "return-path") for the destination's verdict, one byte
 * written back on the same connection once it has loaded everything
 * (RETURN_PATH_OK) or failed (RETURN_PATH_FAILED); "completed" waits
 * for it, so a destination that could not load fails the migration here
 * and the VM resumes.  Called and returns with the big lock held; reads
 * without it (migrate_cancel shuts the socket down to end the wait).
 */
#define RETURN_PATH_OK      0
#define RETURN_PATH_FAILED  1

static bool src_wait_verdict(GError **errp)
{
    uint8_t verdict;
    ssize_t n;

    if (!src.return_path) {
        return true;
    }
    bql_unlock();
    do {
        n = read(src.ch.fd, &verdict, 1);
    } while (n < 0 && errno == EINTR);
    bql_lock();
    if (cancelled(errp)) {
        return false;
    }
    if (n < 0) {
        error_setg_errno(errp, errno, "migration: return path: read failed");
        return false;
    }
    if (n == 0) {
        error_setg(errp, "migration: return path: the destination closed "
                   "the connection without a verdict");
        return false;
    }
    if (verdict != RETURN_PATH_OK) {
        error_setg(errp, "migration: return path: the destination failed "
                   "to load the migration");
        return false;
    }
    return true;
}

static gpointer src_thread(gpointer opaque)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();
    GError *err = NULL;
    bool stopped = false, ok;

    ok = src_setup(&err);
    if (ok) {
        bql_lock();
        src.setup_ms = g_get_monotonic_time() / 1000 - src.start_ms;
        if (src.status == MIG_SETUP) {
            src_set_status(MIG_ACTIVE);
        }
        bql_unlock();
        ok = src_iterate(buf, &err);
        if (ok) {
            /* Takes the big lock, and keeps it also on failure. */
            ok = src_complete(buf, &stopped, &err) &&
                 src_wait_command(&err) && src_wait_verdict(&err);
        } else {
            bql_lock();
        }
    } else {
        bql_lock();
    }
    /* The big lock is held here. */
    src.total_ms = g_get_monotonic_time() / 1000 - src.start_ms;
    src.remaining = ok ? 0 : mig_ram_remaining(src.ram);
    src.sent_at_estimate = mig_ram_normal_pages(src.ram) +
                           mig_ram_zero_pages(src.ram);
    /* The counts include the final pass: keep them past the free. */
    src.total = mig_ram_total(src.ram);
    src.normal = mig_ram_normal_pages(src.ram);
    src.zero = mig_ram_zero_pages(src.ram);
    src.syncs = mig_ram_sync_count(src.ram);
    mig_ram_free(src.ram);
    src.ram = NULL;
    migration_state_set_migrating(false);
    if (ok) {
        runstate_set(RUN_STATE_POSTMIGRATE);
        src_set_status(MIG_COMPLETED);
    } else {
        if (stopped) {
            vm_start(NULL);
        } else if (runstate_get() == RUN_STATE_FINISH_MIGRATE) {
            /* It was not running: QEMU 7.2 leaves it in postmigrate. */
            runstate_set(RUN_STATE_POSTMIGRATE);
        }
        g_free(src.error);
        src.error = g_strdup(err->message);
        src_set_status(g_atomic_int_get(&src.cancel) ? MIG_CANCELLED
                                                     : MIG_FAILED);
        error_report("%s", err->message);
        g_error_free(err);
    }
    bql_unlock();
    g_idle_add(src_finish_in_main, opaque);
    return NULL;
}

static bool channel_is_socket(MigChannel *ch)
{
    struct stat st;

    return fstat(ch->fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

static bool qmp_migrate(JsonObject *args, JsonNode **ret, GError **errp)
{
    const char *uri = json_object_get_string_member(args, "uri");

    if (src.thread && !is_active(src.status)) {
        /* It ended; its join is still queued for the main loop. */
        src_finish_in_main(GUINT_TO_POINTER(src_generation));
    }
    if (is_active(src.status) || src.thread) {
        error_setg(errp, "There's a migration process in progress");
        return false;
    }
    if (is_active(in.status) || in.requested) {
        error_setg(errp, "Guest is waiting for an incoming migration");
        return false;
    }
    /* "resume" continues a paused postcopy migration: there never is one. */
    if (json_object_has_member(args, "resume") &&
        json_object_get_boolean_member(args, "resume")) {
        error_setg(errp, "Cannot resume if there is no paused migration");
        return false;
    }
    if (migrate_capability_enabled("return-path") &&
        g_str_has_prefix(uri, "exec:")) {
        error_setg(errp, "The return-path capability needs a connection "
                   "that can be read back (unix:, tcp:, fd:), not exec:");
        return false;
    }
    if (!mig_channel_connect(uri, &src.ch, errp)) {
        return false;
    }
    src.return_path = migrate_capability_enabled("return-path");
    if (src.return_path && !channel_is_socket(&src.ch)) {
        /* A pipe would let the source resume after a complete stream. */
        mig_channel_close(&src.ch);
        error_setg(errp, "The return-path capability needs a connection "
                   "that can be read back: '%s' is not a socket", uri);
        return false;
    }
    g_clear_pointer(&src.error, g_free);
    g_atomic_int_set(&src.cancel, 0);
    src.start_ms = g_get_monotonic_time() / 1000;
    src.setup_ms = src.downtime_ms = src.total_ms = 0;
    src.dirty_rate = src.mbps = 0;
    src.passes = 0;
    src.ram = mig_ram_setup();
    src.remaining = mig_ram_remaining(src.ram);
    src.sent_at_estimate = 0;
    migration_state_set_migrating(true);
    send_setup_now(&src.status);
    src.thread = g_thread_new("migration", src_thread,
                              GUINT_TO_POINTER(++src_generation));
    return true;
}

static bool qmp_migrate_cancel(JsonObject *args, JsonNode **ret,
                               GError **errp)
{
    if (!is_active(src.status)) {
        return true;    /* QEMU: no-op when nothing runs */
    }
    g_atomic_int_set(&src.cancel, 1);
    if (src.status != MIG_CANCELLING) {
        src_set_status(MIG_CANCELLING);
    }
    /* Unblock a write the peer does not read. */
    shutdown(src.ch.fd, SHUT_RDWR);
    if (src.ch.child) {
        kill(src.ch.child, SIGTERM);
    }
    return true;
}

/* ---- Destination ---------------------------------------------------------- */

static bool in_read_config(MigSection *cfg, GError **errp)
{
    MigCursor c;
    bool ok;

    if (!mig_stream_read_header(mig_channel_read, &in.ch, errp) ||
        !mig_stream_read_section(mig_channel_read, &in.ch, cfg, errp)) {
        return false;
    }
    if (cfg->kind != MIG_SECTION_CONFIG || strcmp(cfg->name, "config")) {
        error_setg(errp, "migration: section '%s': expected the "
                   "configuration first", cfg->name);
        return false;
    }
    if (cfg->version != CONFIG_VERSION) {
        error_setg(errp, "migration: section 'config': version %u, "
                   "supported %u", cfg->version, CONFIG_VERSION);
        return false;
    }
    mig_cursor_init(&c, cfg->data, cfg->len);
    bql_lock();
    ok = mig_ram_check_config(&c, errp) &&
         migration_state_check_set(&c, errp) &&
         mig_cursor_done(&c, "config", errp);
    bql_unlock();
    return ok;
}

/* Load the collected device sections (all checked first). */
static bool in_load_devices(GPtrArray *secs, GError **errp)
{
    bool ok;

    bql_lock();
    ok = migration_state_load_sections((MigSection *const *)secs->pdata,
                                       secs->len, errp);
    bql_unlock();
    g_ptr_array_set_size(secs, 0);
    return ok;
}

static void section_free(gpointer p)
{
    mig_section_clear(p);
    g_free(p);
}

/*
 * A device section @s as it arrives: it must name a registered section,
 * come once in the whole stream (@seen: the names so far) and, for an
 * early one (virtio-mem: it scrubs what it plugs), before the first RAM
 * section (@ram_started).  So what is held until the next load is at
 * most one payload per registered device, and nothing is loaded over
 * pages or state already applied.
 */
static bool in_accept_device(const MigSection *s, GHashTable *seen,
                             bool ram_started, GError **errp)
{
    MigStateEntry *e;
    bool early;

    bql_lock();
    e = migration_state_find(s->name);
    early = e && e->ops->early;
    bql_unlock();
    if (!e) {
        error_setg(errp, "migration: section '%s' (%s): no such device "
                   "on the destination", s->name, s->type);
        return false;
    }
    if (!g_hash_table_add(seen, g_strdup(s->name))) {
        error_setg(errp, "migration: section '%s' (%s) appears twice",
                   s->name, s->type);
        return false;
    }
    if (early && ram_started) {
        error_setg(errp, "migration: section '%s' (%s) comes after RAM "
                   "sections, it must come before them", s->name, s->type);
        return false;
    }
    return true;
}

/* At the end marker: every registered device sent its section. */
static bool in_all_devices_seen(GHashTable *seen, GError **errp)
{
    GPtrArray *a;
    bool ok = true;

    bql_lock();
    a = migration_state_entries();
    for (guint i = 0; i < a->len && ok; i++) {
        MigStateEntry *e = g_ptr_array_index(a, i);

        if (!g_hash_table_contains(seen, e->id)) {
            error_setg(errp, "migration: section '%s' (%s): missing from "
                       "the stream", e->id, e->ops->type);
            ok = false;
        }
    }
    bql_unlock();
    return ok;
}

static bool in_receive(GError **errp)
{
    g_autoptr(GPtrArray) devs = g_ptr_array_new_with_free_func(section_free);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash,
                                                       g_str_equal, g_free,
                                                       NULL);
    MigSection cfg = { 0 };
    bool ram_started = false, ok = false, advised = false;

    if (!in_read_config(&cfg, errp)) {
        goto out;
    }
    bql_lock();
    in_set_status(MIG_ACTIVE);
    bql_unlock();
    for (;;) {
        MigSection *s = g_new0(MigSection, 1);

        if (!mig_stream_read_section(mig_channel_read, &in.ch, s, errp)) {
            section_free(s);
            goto out;
        }
        if (s->kind == MIG_SECTION_DEVICE) {
            if (!in_accept_device(s, seen, ram_started, errp)) {
                section_free(s);
                goto out;
            }
            g_ptr_array_add(devs, s);
            continue;
        }
        if (s->kind == MIG_SECTION_CONFIG) {
            error_setg(errp, "migration: section '%s': a second "
                       "configuration", s->name);
            section_free(s);
            goto out;
        }
        if (!ram_started) {
            /* Early sections (virtio-mem) plug before pages land. */
            MigCursor c;

            ram_started = true;
            mig_cursor_init(&c, cfg.data, cfg.len);
            if (!in_load_devices(devs, errp)) {
                section_free(s);
                goto out;
            }
            bql_lock();
            ok = mig_ram_prepare(&c, errp);
            if (ok) {
                /* Zero runs touch only what may hold something. */
                mig_ram_incoming_start();
                advised = true;
            }
            bql_unlock();
            if (!ok) {
                section_free(s);
                goto out;
            }
            ok = false;
        }
        if (s->kind == MIG_SECTION_END) {
            section_free(s);
            ok = in_all_devices_seen(seen, errp) &&
                 in_load_devices(devs, errp);
            goto out;
        }
        bql_lock();
        ok = mig_ram_load_section(s, errp);
        bql_unlock();
        section_free(s);
        if (!ok) {
            goto out;
        }
        ok = false;
    }
out:
    if (advised) {
        bql_lock();
        mig_ram_incoming_end();
        bql_unlock();
    }
    mig_section_clear(&cfg);
    return ok;
}

/*
 * The completed destination takes the source's run state, as QEMU 7.2
 * does: a running source resumes here unless -S (or stop while
 * "inmigrate") said otherwise, then it is "paused"; any other state is
 * copied ("paused", "prelaunch", ...).  Big lock held.
 */
static void in_set_runstate(void)
{
    RunState want = in.got_vm_state ? in.vm_state : RUN_STATE_RUNNING;

    if (want == RUN_STATE_RUNNING) {
        if (runstate_autostart()) {
            vm_start(NULL);
        } else {
            runstate_set(RUN_STATE_PAUSED);
        }
    } else {
        runstate_set(want);
    }
}

static gboolean in_finish_in_main(gpointer opaque)
{
    if (in.thread && GPOINTER_TO_UINT(opaque) == in_generation) {
        g_thread_join(in.thread);
        in.thread = NULL;
        mig_channel_close(&in.ch);
    }
    return G_SOURCE_REMOVE;
}

/* Tell the source how the load ended, if it asked (src_wait_verdict()). */
static void in_send_verdict(bool ok)
{
    uint8_t verdict = ok ? RETURN_PATH_OK : RETURN_PATH_FAILED;
    ssize_t n;

    if (!in.send_verdict) {
        return;
    }
    do {
        n = write(in.ch.fd, &verdict, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1) {
        warn_report("migration: return path: cannot send the verdict: %s",
                    n < 0 ? g_strerror(errno) : "short write");
    }
}

static gpointer in_thread(gpointer opaque)
{
    GError *err = NULL;
    bool ok = in_receive(&err);

    in_send_verdict(ok);

    bql_lock();
    migration_state_set_migrating(false);
    if (ok) {
        in_set_status(MIG_COMPLETED);
        in_set_runstate();
    } else {
        /*
         * QEMU 7.2 exits here, in "inmigrate"; we stay in it (the VM never
         * runs a half-loaded state) so that query-migrate can say why.
         */
        g_free(in.error);
        in.error = g_strdup(err->message);
        in_set_status(MIG_FAILED);
        error_report("load of migration failed: %s", err->message);
        g_error_free(err);
    }
    in.requested = false;
    bql_unlock();
    g_idle_add(in_finish_in_main, opaque);
    return NULL;
}

static void in_start_thread(void)
{
    in.got_vm_state = false;
    in.send_verdict = false;
    migration_state_set_migrating(true);
    in.thread = g_thread_new("migration-in", in_thread,
                             GUINT_TO_POINTER(++in_generation));
}

static gboolean in_accept_ready(gint fd, GIOCondition cond, gpointer opaque)
{
    GError *err = NULL;

    if (!mig_channel_accept(fd, &in.ch, &err)) {
        warn_report_err(err);
        return G_SOURCE_CONTINUE;
    }
    close(in.listen_fd);
    in.listen_fd = -1;
    in.listen_watch = 0;
    in_start_thread();
    return G_SOURCE_REMOVE;
}

static bool in_listen(const char *uri, GError **errp)
{
    int fd = mig_channel_listen(uri, &in.ch, errp);

    if (fd == -1) {
        return false;
    }
    in.deferred = false;
    send_setup_now(&in.status);
    if (fd == -2) {
        in_start_thread();
        return true;
    }
    in.listen_fd = fd;
    in.listen_watch = g_unix_fd_add(fd, G_IO_IN, in_accept_ready, NULL);
    return true;
}

bool migration_incoming_start(const char *uri, bool autostart,
                              GError **errp)
{
    in.requested = true;
    runstate_set_autostart(autostart);
    if (!strcmp(uri, "defer")) {
        in.deferred = true;
        return true;
    }
    return in_listen(uri, errp);
}

static bool qmp_migrate_incoming(JsonObject *args, JsonNode **ret,
                                 GError **errp)
{
    const char *uri = json_object_get_string_member(args, "uri");

    if (!in.requested) {
        error_setg(errp, "'-incoming' was not specified on the command "
                   "line");
        return false;
    }
    if (!in.deferred) {
        error_setg(errp, "The incoming migration has already been started");
        return false;
    }
    return in_listen(uri, errp);
}

/* ---- query-migrate and parameters ------------------------------------------ */

/*
 * The "ram" member, meaning what QEMU 7.2's does: pages sent so far as
 * data (normal, normal-bytes) and as zero pages (duplicate), final pass
 * included; remaining is the dirty bytes found by the last estimate less
 * what was sent since (0 once completed); total is what is populated
 * (7.2: every RAM block's size); dirty-sync-count the dirty-log syncs,
 * the final pass's included.  Big lock held.
 */
static JsonObject *ram_info(void)
{
    JsonObject *ram = json_object_new();
    uint64_t normal = src.ram ? mig_ram_normal_pages(src.ram) : src.normal;
    uint64_t zero = src.ram ? mig_ram_zero_pages(src.ram) : src.zero;
    uint64_t total = src.ram ? mig_ram_total(src.ram) : src.total;
    uint64_t sent = (normal + zero - src.sent_at_estimate) *
                    RAM_DIRTY_PAGE_SIZE;

    json_object_set_int_member(ram, "transferred", src.ch.bytes);
    json_object_set_int_member(ram, "remaining",
                               src.remaining > sent ? src.remaining - sent
                                                    : 0);
    json_object_set_int_member(ram, "total", total);
    json_object_set_int_member(ram, "duplicate", zero);
    json_object_set_int_member(ram, "normal", normal);
    json_object_set_int_member(ram, "normal-bytes",
                               normal * RAM_DIRTY_PAGE_SIZE);
    json_object_set_int_member(ram, "dirty-pages-rate", src.dirty_rate);
    json_object_set_int_member(ram, "dirty-sync-count",
                               src.ram ? mig_ram_sync_count(src.ram)
                                       : src.syncs);
    json_object_set_int_member(ram, "page-size", RAM_DIRTY_PAGE_SIZE);
    json_object_set_double_member(ram, "mbps", src.mbps);
    return ram;
}

static bool qmp_query_migrate(JsonObject *args, JsonNode **ret,
                              GError **errp)
{
    JsonObject *o = json_object_new();
    int64_t now = g_get_monotonic_time() / 1000;

    if (in.status != MIG_NONE && src.status == MIG_NONE) {
        json_object_set_string_member(o, "status", status_names[in.status]);
        if (in.status == MIG_FAILED && in.error) {
            json_object_set_string_member(o, "error-desc", in.error);
        }
    } else if (src.status != MIG_NONE) {
        JsonObject *ram = ram_info();

        json_object_set_string_member(o, "status", status_names[src.status]);
        json_object_set_int_member(o, "setup-time", src.setup_ms);
        json_object_set_int_member(o, "total-time", is_active(src.status) ?
                                   now - src.start_ms : src.total_ms);
        if (src.status == MIG_COMPLETED) {
            json_object_set_int_member(o, "downtime", src.downtime_ms);
        } else if (is_active(src.status)) {
            json_object_set_int_member(o, "expected-downtime",
                                       downtime_limit);
        }
        if (src.status == MIG_FAILED && src.error) {
            json_object_set_string_member(o, "error-desc", src.error);
        }
        json_object_set_object_member(o, "ram", ram);
    }
    *ret = qmp_node_take_object(o);
    return true;
}

static bool qmp_migrate_set_parameters(JsonObject *args, JsonNode **ret,
                                       GError **errp)
{
    int64_t bw = max_bandwidth, dl = downtime_limit;

    if (json_object_has_member(args, "max-bandwidth")) {
        bw = json_object_get_int_member(args, "max-bandwidth");
        if (bw < 0) {
            error_setg(errp, "Parameter 'max_bandwidth' expects an integer "
                       "in the range of 0 to %" PRIu64 " bytes/second",
                       (uint64_t)SIZE_MAX);
            return false;
        }
    }
    if (json_object_has_member(args, "downtime-limit")) {
        dl = json_object_get_int_member(args, "downtime-limit");
        if (dl < 0 || dl > 2000000) {
            error_setg(errp, "Parameter 'downtime_limit' expects an integer "
                       "in the range of 0 to 2000000 milliseconds");
            return false;
        }
    }
    max_bandwidth = bw;
    downtime_limit = dl;
    return true;
}

static bool qmp_query_migrate_parameters(JsonObject *args, JsonNode **ret,
                                         GError **errp)
{
    JsonObject *o = json_object_new();

    json_object_set_int_member(o, "max-bandwidth", max_bandwidth);
    json_object_set_int_member(o, "downtime-limit", downtime_limit);
    *ret = qmp_node_take_object(o);
    return true;
}

static const QmpArgSpec migrate_args[] = {
    { "uri", QMP_ARG_STRING, false },
    { "detach", QMP_ARG_BOOL, true },   /* always detached, as QEMU */
    { "resume", QMP_ARG_BOOL, true },   /* libvirt sends false */
    { NULL },
};

static const QmpArgSpec incoming_args[] = {
    { "uri", QMP_ARG_STRING, false },
    { NULL },
};

static const QmpArgSpec params_args[] = {
    { "max-bandwidth", QMP_ARG_INT, true },
    { "downtime-limit", QMP_ARG_INT, true },
    { NULL },
};

/* ---- The run state section ------------------------------------------------ */

/*
 * A late section "runstate" carries the source's run state as it was
 * when the final pass began (QEMU sends the same in its global state),
 * so that the destination ends in the same one (in_set_runstate()).
 */
static bool runstate_save(void *opaque, GByteArray *out, GError **errp)
{
    mig_put_str(out, runstate_name(src.vm_state));
    return true;
}

static bool runstate_parse(const uint8_t *data, size_t len, RunState *st,
                           GError **errp)
{
    MigCursor c;
    g_autofree char *name = NULL;

    mig_cursor_init(&c, data, len);
    name = mig_get_str(&c);
    if (!mig_cursor_done(&c, "runstate", errp)) {
        return false;
    }
    if (!runstate_from_name(name, st) || *st == RUN_STATE_INMIGRATE ||
        *st == RUN_STATE_FINISH_MIGRATE) {
        error_setg(errp, "run state '%s' cannot be migrated", name);
        return false;
    }
    return true;
}

static bool runstate_check(void *opaque, const uint8_t *data, size_t len,
                           uint32_t version, GError **errp)
{
    RunState st;

    return runstate_parse(data, len, &st, errp);
}

static bool runstate_load(void *opaque, const uint8_t *data, size_t len,
                          uint32_t version, GError **errp)
{
    if (!runstate_parse(data, len, &in.vm_state, errp)) {
        return false;
    }
    in.got_vm_state = true;
    return true;
}

static const MigStateOps runstate_ops = {
    .type = "runstate", .version = 1,
    .save = runstate_save, .check = runstate_check, .load = runstate_load,
};

/* ---- The return-path section ---------------------------------------------- */

/*
 * An early section "return-path": one byte, 1 when the source waits for
 * the destination's verdict (src_wait_verdict()), 0 otherwise.  Early,
 * so that a destination failing on RAM or late sections still knows.
 */
static bool return_path_save(void *opaque, GByteArray *out, GError **errp)
{
    uint8_t b = src.return_path;

    g_byte_array_append(out, &b, 1);
    return true;
}

static bool return_path_check(void *opaque, const uint8_t *data, size_t len,
                              uint32_t version, GError **errp)
{
    if (len != 1 || data[0] > 1) {
        error_setg(errp, "expected one byte 0 or 1");
        return false;
    }
    return true;
}

static bool return_path_load(void *opaque, const uint8_t *data, size_t len,
                             uint32_t version, GError **errp)
{
    if (!return_path_check(opaque, data, len, version, errp)) {
        return false;
    }
    in.send_verdict = data[0];
    return true;
}

static const MigStateOps return_path_ops = {
    .type = "return-path", .version = 1, .early = true,
    .save = return_path_save, .check = return_path_check,
    .load = return_path_load,
};

void migration_register_commands(void)
{
    bool ok = migration_state_register("runstate", &runstate_ops, NULL,
                                       NULL) &&
              migration_state_register("return-path", &return_path_ops,
                                       NULL, NULL);

    g_assert(ok);
    qmp_register_command("migrate", qmp_migrate, migrate_args, 0);
    qmp_register_command("migrate-incoming", qmp_migrate_incoming,
                         incoming_args, 0);
    qmp_register_command("migrate_cancel", qmp_migrate_cancel, NULL, 0);
    qmp_register_command("query-migrate", qmp_query_migrate, NULL, 0);
    qmp_register_command("migrate-set-parameters",
                         qmp_migrate_set_parameters, params_args, 0);
    qmp_register_command("query-migrate-parameters",
                         qmp_query_migrate_parameters, NULL, 0);
}

void migration_cleanup(void)
{
    if (is_active(src.status)) {
        g_atomic_int_set(&src.cancel, 1);
        shutdown(src.ch.fd, SHUT_RDWR);
    }
    if (in.ch.fd > 0) {
        shutdown(in.ch.fd, SHUT_RDWR);
    }
    if (in.listen_watch) {
        g_source_remove(in.listen_watch);
        in.listen_watch = 0;
    }
    if (in.listen_fd >= 0) {
        close(in.listen_fd);
        in.listen_fd = -1;
    }
}
