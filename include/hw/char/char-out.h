/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Where a character device's output goes: a chardev named by the
 * device's chardev=ID property, or a file the device opens itself
 * (x-file=PATH, what -debugcon file:PATH and -serial file:PATH use),
 * truncated when the device is realized as QEMU's file chardev does.
 * Shared by isa-debugcon and isa-serial.
 */
#ifndef HW_CHAR_CHAR_OUT_H
#define HW_CHAR_CHAR_OUT_H

struct Chardev;

typedef struct CharOut {
    char *chardev;              /* chardev=ID property (owned by qdev) */
    char *file;                 /* x-file=PATH property (owned by qdev) */
    struct Chardev *chr;        /* resolved at realize, or NULL; a device
                                 * may also read from it (isa-serial) */
    int fd;                     /* the x-file, or -1 */
} CharOut;

/* Before the properties are set (instance_init): nothing is open. */
void char_out_init(CharOut *out);

/*
 * At realize: resolve chardev= or open x-file= (at most one may be set;
 * neither means output is dropped).  @prop_prefix names the device type
 * in errors ("isa-serial" → "Property 'isa-serial.chardev' ...").
 * Returns false with @errp set, leaving nothing open.
 */
bool char_out_open(CharOut *out, const char *prop_prefix, GError **errp);

/* Write one byte; a file write is retried on EINTR, other errors drop it. */
void char_out_write_byte(CharOut *out, uint8_t byte);

/* At unrealize: close the file and forget the chardev. */
void char_out_close(CharOut *out);

#endif
