/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -serial (softmmu/vl-serial.h): turns the one supported -serial SPEC
 * into the COM1 UART (hw/char/serial.c) with its backend, and wires its
 * interrupt to ISA IRQ 4 of the board.  As every run of this binary is
 * -nodefaults, there is no serial port without -serial.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "chardev/char.h"
#include "hw/char/serial.h"
#include "hw/i386/pc.h"
#include "sysemu/sysemu.h"
#include "vl-serial.h"

/* COM1 is the device's default: iobase 0x3f8, irq 4. */

static const char *serial_spec;

static bool parse_onoff(const char *val, bool *out, GError **errp)
{
    if (!strcmp(val, "on")) {
        *out = true;
    } else if (!strcmp(val, "off")) {
        *out = false;
    } else {
        error_setg(errp, "'%s' is not on or off", val);
        return false;
    }
    return true;
}

/* unix:PATH[,server=on|off][,wait=on|off] into @co (path owned by @parts). */
static bool parse_unix(const char *spec, ChardevOptions *co, char ***parts,
                       GError **errp)
{
    *parts = g_strsplit(spec + 5, ",", -1);
    co->backend = "socket";
    co->path = (*parts)[0];
    co->wait = true;
    if (!*co->path) {
        error_setg(errp, "unix: needs a socket path");
        return false;
    }
    for (char **p = *parts + 1; *p; p++) {
        if (g_str_has_prefix(*p, "server=")) {
            if (!parse_onoff(*p + 7, &co->server, errp)) {
                return false;
            }
        } else if (g_str_has_prefix(*p, "wait=")) {
            if (!parse_onoff(*p + 5, &co->wait, errp)) {
                return false;
            }
        } else if (!strcmp(*p, "server")) {
            co->server = true;
        } else if (!strcmp(*p, "nowait")) {
            co->wait = false;
        } else {
            error_setg(errp, "unsupported unix: option '%s' (server=on|off, "
                       "wait=on|off)", *p);
            return false;
        }
    }
    return true;
}

bool serial_cli_parse(const char *spec, GError **errp)
{
    ChardevOptions co = { 0 };
    g_auto(GStrv) parts = NULL;

    if (serial_spec) {
        error_setg(errp, "only one -serial (COM1) is supported");
        return false;
    }
    if (g_str_has_prefix(spec, "unix:")) {
        if (!parse_unix(spec, &co, &parts, errp)) {
            return false;
        }
    } else if (strcmp(spec, "stdio") && strcmp(spec, "null") &&
               strcmp(spec, "none") &&
               !(g_str_has_prefix(spec, "file:") && spec[5]) &&
               !(g_str_has_prefix(spec, "chardev:") && spec[8])) {
        error_setg(errp, "'%s' is not a supported serial backend (stdio, "
                   "null, none, file:PATH, unix:PATH[,server=on|off]"
                   "[,wait=on|off] or chardev:ID)", spec);
        return false;
    }
    serial_spec = spec;
    return true;
}

bool serial_cli_create(MachineState *ms, GError **errp)
{
    const char *spec = serial_spec;
    PCMachineState *pcms;
    DeviceState *dev;
    bool ok = true;

    if (!spec || !strcmp(spec, "none")) {
        return true;
    }
    pcms = (PCMachineState *)object_dynamic_cast(OBJECT(ms),
                                                 TYPE_Q35_MACHINE);
    if (!pcms) {
        error_setg(errp, "machine '%s' has no ISA serial port",
                   object_get_typename(OBJECT(ms)));
        return false;
    }
    dev = qdev_new(TYPE_ISA_SERIAL);
    if (g_str_has_prefix(spec, "file:")) {
        ok = object_property_set_str(OBJECT(dev), "x-file", spec + 5, errp);
    } else if (g_str_has_prefix(spec, "chardev:")) {
        ok = object_property_set_str(OBJECT(dev), "chardev", spec + 8, errp);
    } else if (!strcmp(spec, "stdio") || g_str_has_prefix(spec, "unix:")) {
        ChardevOptions co = { .id = "serial0", .backend = "stdio" };
        g_auto(GStrv) parts = NULL;

        ok = (strcmp(spec, "stdio") == 0 ||
              parse_unix(spec, &co, &parts, errp)) &&
             qemu_chr_new(&co, errp) &&
             object_property_set_str(OBJECT(dev), "chardev", "serial0",
                                     errp);
    }
    /* "null": no backend, output dropped. */
    if (ok) {
        object_property_add_child(container_get(object_get_root(),
                                                "/machine/unattached"),
                                  "serial0", OBJECT(dev));
        ok = qdev_realize(dev, NULL, errp);
    }
    if (ok) {
        /* ISA IRQ n is I/O APIC input n (and KVM's PIC input n). */
        qemu_irq irq = qdev_get_gpio_in(DEVICE(pcms->ioapic),
                                        ISA_SERIAL(dev)->isa_irq);

        qdev_connect_gpio_out(dev, 0, irq);
    }
    object_unref(OBJECT(dev));
    return ok;
}
