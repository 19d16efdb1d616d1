/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * KVM's binary statistics (KVM_GET_STATS_FD) and QMP query-stats for
 * them, as QEMU 7.2 answers it for provider "kvm": target "vm" gives one
 * entry for the VM, target "vcpu" one per vCPU, each {"provider": "kvm",
 * "stats": [{"name": ..., "value": N or [N, ...]}]}, optionally limited
 * to some names.  vCPUs have no QOM object here, so their entries carry
 * no "qom-path" (optional in QEMU's schema) and the "vcpus" filter is
 * refused.
 *
 * A stats fd is opened when its VM or vCPU is created (the vCPU ioctl
 * takes the vCPU's mutex, which KVM_RUN holds); reading it is a pread of
 * the data block, safe while the vCPU runs.  Descriptors are read once.
 */
#include "qemu/osdep.h"
#include <sys/ioctl.h>
#include "qapi/error.h"
#include "monitor/qmp.h"
#include "kvm-internal.h"

struct KVMStatsFile {
    int fd;
    struct kvm_stats_header hdr;
    GPtrArray *names;           /* of char * */
    GArray *descs;              /* of struct kvm_stats_desc (no name) */
};

KVMStatsFile *kvm_stats_open(int kvm_fd)
{
    int fd = ioctl(kvm_fd, KVM_GET_STATS_FD, NULL);
    KVMStatsFile *f;
    size_t dsize;
    g_autofree uint8_t *buf = NULL;

    if (fd < 0) {
        return NULL;
    }
    f = g_new0(KVMStatsFile, 1);
    f->fd = fd;
    f->names = g_ptr_array_new_with_free_func(g_free);
    f->descs = g_array_new(false, false, sizeof(struct kvm_stats_desc));
    if (pread(fd, &f->hdr, sizeof(f->hdr), 0) != sizeof(f->hdr)) {
        goto fail;
    }
    dsize = sizeof(struct kvm_stats_desc) + f->hdr.name_size;
    buf = g_malloc(dsize * f->hdr.num_desc);
    if (pread(fd, buf, dsize * f->hdr.num_desc, f->hdr.desc_offset) !=
        (ssize_t)(dsize * f->hdr.num_desc)) {
        goto fail;
    }
    for (uint32_t i = 0; i < f->hdr.num_desc; i++) {
        struct kvm_stats_desc d;
        const char *name = (const char *)buf + i * dsize + sizeof(d);

        memcpy(&d, buf + i * dsize, sizeof(d));
        g_array_append_val(f->descs, d);
        g_ptr_array_add(f->names, g_strndup(name, f->hdr.name_size));
    }
    return f;
fail:
    kvm_stats_close(f);
    return NULL;
}

void kvm_stats_close(KVMStatsFile *f)
{
    if (!f) {
        return;
    }
    close(f->fd);
    g_ptr_array_unref(f->names);
    g_array_free(f->descs, true);
    g_free(f);
}

static bool wanted(JsonArray *names, const char *name)
{
    if (!names) {
        return true;
    }
    for (guint i = 0; i < json_array_get_length(names); i++) {
        JsonNode *n = json_array_get_element(names, i);

        if (!g_strcmp0(json_node_get_string(n), name)) {
            return true;
        }
    }
    return false;
}

static bool is_string(JsonNode *n)
{
    return JSON_NODE_HOLDS_VALUE(n) &&
           json_node_get_value_type(n) == G_TYPE_STRING;
}

/*
 * The "names" of provider "kvm" in @args' providers (NULL: all), and
 * *@asked false when providers are given but "kvm" is not among them.
 * False with @errp for a malformed list.
 */
static bool kvm_names(JsonObject *args, JsonArray **names, bool *asked,
                      GError **errp)
{
    JsonArray *providers;

    *asked = true;
    *names = NULL;
    if (!json_object_has_member(args, "providers")) {
        return true;
    }
    providers = json_object_get_array_member(args, "providers");
    *asked = false;
    for (guint i = 0; i < json_array_get_length(providers); i++) {
        JsonNode *pn = json_array_get_element(providers, i);
        JsonObject *p;
        JsonNode *prov, *nn;

        if (!JSON_NODE_HOLDS_OBJECT(pn)) {
            goto bad;
        }
        p = json_node_get_object(pn);
        prov = json_object_get_member(p, "provider");
        nn = json_object_get_member(p, "names");
        if (!prov || !is_string(prov) || (nn && !JSON_NODE_HOLDS_ARRAY(nn))) {
            goto bad;
        }
        for (guint k = 0; nn && k < json_array_get_length(
                                         json_node_get_array(nn)); k++) {
            if (!is_string(json_array_get_element(json_node_get_array(nn),
                                                  k))) {
                goto bad;
            }
        }
        if (!strcmp(json_node_get_string(prov), "kvm")) {
            *asked = true;
            *names = nn ? json_node_get_array(nn) : NULL;
        }
    }
    return true;
bad:
    error_setg(errp, "Invalid parameter type for 'providers', expected: "
               "array of {\"provider\": string, \"names\": [string]}");
    return false;
}

/* {"provider": "kvm", "stats": [...]} for @f, or NULL on a read error. */
static JsonObject *stats_result(KVMStatsFile *f, JsonArray *names)
{
    JsonObject *res = json_object_new();
    JsonArray *stats = json_array_new();

    for (guint i = 0; i < f->descs->len; i++) {
        struct kvm_stats_desc *d = &g_array_index(f->descs,
                                                  struct kvm_stats_desc, i);
        const char *name = g_ptr_array_index(f->names, i);
        g_autofree uint64_t *v = NULL;
        JsonObject *st;

        if (!wanted(names, name) || !d->size) {
            continue;
        }
        v = g_new(uint64_t, d->size);
        if (pread(f->fd, v, d->size * sizeof(*v),
                  f->hdr.data_offset + d->offset) !=
            (ssize_t)(d->size * sizeof(*v))) {
            continue;
        }
        st = json_object_new();
        json_object_set_string_member(st, "name", name);
        if (d->size == 1) {
            json_object_set_int_member(st, "value", v[0]);
        } else {
            JsonArray *list = json_array_new();

            for (uint16_t k = 0; k < d->size; k++) {
                json_array_add_int_element(list, v[k]);
            }
            json_object_set_array_member(st, "value", list);
        }
        json_array_add_object_element(stats, st);
    }
    json_object_set_string_member(res, "provider", "kvm");
    json_object_set_array_member(res, "stats", stats);
    return res;
}

static bool qmp_query_stats(JsonObject *args, JsonNode **ret, GError **errp)
{
    const char *target = json_object_get_string_member_with_default(
        args, "target", "");
    JsonArray *out = json_array_new();
    JsonArray *names;
    bool asked;

    if (strcmp(target, "vm") && strcmp(target, "vcpu") &&
        strcmp(target, "cryptodev")) {
        error_setg(errp, "Parameter 'target' does not accept value '%s'",
                   target);
        json_array_unref(out);
        return false;
    }
    if (json_object_has_member(args, "vcpus")) {
        error_setg(errp, "'vcpus' cannot be used: vCPUs have no QOM path "
                   "in this build");
        json_array_unref(out);
        return false;
    }
    if (!kvm_names(args, &names, &asked, errp)) {
        json_array_unref(out);
        return false;
    }
    if (kvm_state && asked && !strcmp(target, "vm") && kvm_state->stats) {
        json_array_add_object_element(out,
                                      stats_result(kvm_state->stats, names));
    }
    for (unsigned i = 0; kvm_state && asked && !strcmp(target, "vcpu") &&
         i < kvm_state->nr_cpus; i++) {
        KVMStatsFile *f = kvm_cpu_stats(kvm_state->cpus[i]);

        if (f) {
            json_array_add_object_element(out, stats_result(f, names));
        }
    }
    *ret = json_node_init_array(json_node_alloc(), out);
    json_array_unref(out);
    return true;
}

void kvm_stats_register_qmp(void)
{
    static const QmpArgSpec args[] = {
        { "target", QMP_ARG_STRING, false },
        { "providers", QMP_ARG_ARRAY, true },
        { "vcpus", QMP_ARG_ARRAY, true },
        { NULL },
    };

    qmp_register_command("query-stats", qmp_query_stats, args, 0);
}
