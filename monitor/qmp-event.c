/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QMP events: serialization with a timestamp, broadcast to negotiated
 * monitors, and an optional per-event, per-key rate limiter.
 *
 * The limiter keeps one small state per (event, key) only while a window
 * is open, so a device that emits once and then goes quiet costs nothing
 * afterwards.  A window is a GLib timeout: the first event of a key goes
 * out at once and opens it; later ones inside it overwrite a single
 * pending slot; at the end of the window the pending event (if any) is
 * sent and a new window opens, else the state is dropped.
 *
 * Events whose data is costly to build (a QOM path, a JSON object) and
 * that come in bursts (virtio-mem: one per guest request) use the
 * deferred form: the caller names the key, and the data is built only
 * when the event actually goes out, so a burst inside a window costs two
 * hash lookups per event.
 */
#include "qemu/osdep.h"
#include "monitor-internal.h"

typedef struct EventLimit {
    char *name;
    unsigned period_ms;
    char *key_member;
    GHashTable *windows;    /* key -> EventWindow */
} EventLimit;

typedef struct EventWindow {
    EventLimit *limit;
    char *key;
    guint timer;
    JsonObject *pending;    /* latest data inside the window, or NULL */
    QmpEventBuilder *build; /* or: builds the latest data when sent */
    void *build_opaque;
    bool has_pending;
    int64_t pending_time;   /* its g_get_real_time() */
} EventWindow;

/* event name -> EventLimit; main loop thread only. */
static GHashTable *event_limits;
static QmpEventObserver *event_observer;
static void *event_observer_opaque;

void qmp_event_set_observer(QmpEventObserver *fn, void *opaque)
{
    event_observer = fn;
    event_observer_opaque = opaque;
}

static void event_emit(const char *name, JsonObject *data, int64_t now)
{
    JsonObject *ev = json_object_new();
    JsonObject *ts = json_object_new();
    g_autoptr(JsonNode) node = NULL;
    g_autofree char *line = NULL;

    json_object_set_int_member(ts, "seconds", now / G_USEC_PER_SEC);
    json_object_set_int_member(ts, "microseconds", now % G_USEC_PER_SEC);
    json_object_set_object_member(ev, "timestamp", ts);
    json_object_set_string_member(ev, "event", name);
    if (data) {
        json_object_set_object_member(ev, "data", json_object_ref(data));
    }
    node = qmp_node_take_object(ev);
    line = qmp_node_to_line(node);
    if (event_observer) {
        event_observer(line, event_observer_opaque);
    }
    monitor_broadcast_line(line);
}

static void window_free(gpointer p)
{
    EventWindow *w = p;

    if (w->timer) {
        g_source_remove(w->timer);
    }
    if (w->pending) {
        json_object_unref(w->pending);
    }
    g_free(w->key);
    g_free(w);
}

/* Turn a deferred pending event into its data. */
static void window_build(EventWindow *w)
{
    if (w->build) {
        w->pending = w->build(w->build_opaque);
        w->build = NULL;
        w->build_opaque = NULL;
    }
}

/* Forget the pending event (data or builder). */
static void window_clear_pending(EventWindow *w)
{
    g_clear_pointer(&w->pending, json_object_unref);
    w->build = NULL;
    w->build_opaque = NULL;
}

static gboolean window_expired(gpointer opaque)
{
    EventWindow *w = opaque;
    JsonObject *data;

    window_build(w);
    data = w->pending;
    if (!w->has_pending) {
        w->timer = 0;
        g_hash_table_remove(w->limit->windows, w->key);
        return G_SOURCE_REMOVE;
    }
    w->pending = NULL;
    w->has_pending = false;
    event_emit(w->limit->name, data, w->pending_time);
    if (data) {
        json_object_unref(data);
    }
    return G_SOURCE_CONTINUE;
}

static const char *event_key(EventLimit *limit, JsonObject *data)
{
    JsonNode *member;

    if (!data || !limit->key_member) {
        return "";
    }
    member = json_object_get_member(data, limit->key_member);
    if (!member || !JSON_NODE_HOLDS_VALUE(member) ||
        json_node_get_value_type(member) != G_TYPE_STRING) {
        return "";
    }
    return json_node_get_string(member);
}

static void event_send_limited(EventLimit *limit, JsonObject *data,
                               int64_t now)
{
    const char *key = event_key(limit, data);
    EventWindow *w = g_hash_table_lookup(limit->windows, key);

    if (w) {
        window_clear_pending(w);
        w->pending = data ? json_object_ref(data) : NULL;
        w->has_pending = true;
        w->pending_time = now;
        return;
    }
    event_emit(limit->name, data, now);
    w = g_new0(EventWindow, 1);
    w->limit = limit;
    w->key = g_strdup(key);
    w->timer = g_timeout_add(limit->period_ms, window_expired, w);
    g_hash_table_insert(limit->windows, w->key, w);
}

void qmp_event_send(const char *name, JsonObject *data)
{
    int64_t now = g_get_real_time();
    EventLimit *limit = event_limits ?
                        g_hash_table_lookup(event_limits, name) : NULL;

    if (limit) {
        event_send_limited(limit, data, now);
    } else {
        event_emit(name, data, now);
    }
    if (data) {
        json_object_unref(data);
    }
}

static EventWindow *open_window(const char *name, const char *key)
{
    EventLimit *limit = event_limits ?
                        g_hash_table_lookup(event_limits, name) : NULL;

    return limit ? g_hash_table_lookup(limit->windows, key) : NULL;
}

void qmp_event_send_deferred(const char *name, const char *key,
                             QmpEventBuilder *build, void *opaque)
{
    EventWindow *w = open_window(name, key);

    if (!w) {
        qmp_event_send(name, build(opaque));
        return;
    }
    window_clear_pending(w);
    w->build = build;
    w->build_opaque = opaque;
    w->has_pending = true;
    w->pending_time = g_get_real_time();
}

void qmp_event_flush_deferred(const char *name, const char *key)
{
    EventWindow *w = open_window(name, key);

    if (w) {
        window_build(w);
    }
}

void qmp_event_set_rate_limit(const char *name, unsigned period_ms,
                              const char *key_member)
{
    EventLimit *limit;

    g_assert(period_ms > 0);
    if (!event_limits) {
        event_limits = g_hash_table_new(g_str_hash, g_str_equal);
    }
    limit = g_hash_table_lookup(event_limits, name);
    if (limit) {
        /* the same limit again is a no-op; another is a bug */
        g_assert(limit->period_ms == period_ms &&
                 !g_strcmp0(limit->key_member, key_member));
        return;
    }
    limit = g_new0(EventLimit, 1);
    limit->name = g_strdup(name);
    limit->period_ms = period_ms;
    limit->key_member = g_strdup(key_member);
    limit->windows = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                           window_free);
    g_hash_table_insert(event_limits, limit->name, limit);
}
