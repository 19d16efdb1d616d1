/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Accelerator selection (sysemu/accel.h): the table of accelerators this
 * build has and the ordered fallback over the command line's list.  The
 * accelerators themselves live beside it (accel/kvm/) or, for qtest, in
 * softmmu/qtest.c, which this file only calls.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "sysemu/accel.h"
#include "sysemu/kvm.h"
#include "sysemu/qtest.h"

static const AccelOps *current;

/* Each time the vCPUs are told to run / to park (accelerators with vCPUs). */
TRACE_EVENT(accel_resume_vcpus);
TRACE_EVENT(accel_pause_vcpus);

static bool qtest_init(GError **errp)
{
    qtest_accel_init();
    return true;
}

static const AccelOps qtest_ops = {
    .name = "qtest",
    .init = qtest_init,
};

/*
 * This build has no instruction emulator.  "tcg" stays a known name so
 * that -accel tcg and the "tcg" of a fallback list (libvirt probes with
 * accel=kvm:tcg) fail with the reason rather than as a typo.
 */
static bool tcg_init(GError **errp)
{
    error_setg(errp, "this build has no TCG (no instruction emulator); "
               "use -accel kvm to run guest code, or -accel qtest for "
               "device tests without vCPUs");
    return false;
}

static const AccelOps tcg_ops = {
    .name = "tcg",
    .init = tcg_init,
};

/* No accelerator given: devices only, see sysemu/accel.h. */
static const AccelOps none_ops = {
    .name = "none",
};

static const AccelOps *const accels[] = {
    &qtest_ops, &tcg_ops, &kvm_accel_ops,
};

static const AccelOps *accel_find(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(accels); i++) {
        if (!strcmp(accels[i]->name, name)) {
            return accels[i];
        }
    }
    return NULL;
}

bool accel_name_valid(const char *name)
{
    return accel_find(name) != NULL;
}

bool accel_select(const char *const *names, unsigned n, const char *loc,
                  GError **errp)
{
    g_assert(!current);
    if (!n) {
        current = &none_ops;
        return true;
    }
    for (unsigned i = 0; i < n; i++) {
        const AccelOps *ops = accel_find(names[i]);
        GError *err = NULL;

        g_assert(ops);
        if (!ops->init || ops->init(&err)) {
            current = ops;
            return true;
        }
        if (i + 1 == n) {
            error_setg(errp,
                        "failed to initialize %s: %s", ops->name,
                        err->message);
            g_error_free(err);
            return false;
        }
        if (loc) {
            error_report("%s: failed to initialize %s: %s", loc, ops->name,
                         err->message);
        } else {
            error_report("failed to initialize %s: %s", ops->name,
                         err->message);
        }
        error_report("falling back to %s", names[i + 1]);
        g_error_free(err);
    }
    g_assert_not_reached();
}

const AccelOps *accel_current(void)
{
    return current;
}

bool accel_machine_done(struct MachineState *ms, GError **errp)
{
    return !current || !current->machine_done ||
           current->machine_done(ms, errp);
}

void accel_resume_vcpus(void)
{
    if (current && current->resume_vcpus) {
        trace(accel_resume_vcpus, "%s", current->name);
        current->resume_vcpus();
    }
}

void accel_pause_vcpus(void)
{
    if (current && current->pause_vcpus) {
        trace(accel_pause_vcpus, "%s", current->name);
        current->pause_vcpus();
    }
}

void accel_reset_vcpus(void)
{
    if (current && current->reset_vcpus) {
        current->reset_vcpus();
    }
}

void accel_cleanup(void)
{
    if (current && current->cleanup) {
        current->cleanup();
    }
}
