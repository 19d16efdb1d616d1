/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The output side the port-I/O character devices share (see
 * hw/char/char-out.h): a chardev or a file, one byte at a time, as the
 * guest writes them.
 */
#include "qemu/osdep.h"
#include <fcntl.h>
#include "qapi/error.h"
#include "chardev/char.h"
#include "hw/char/char-out.h"

void char_out_init(CharOut *out)
{
    out->chr = NULL;
    out->fd = -1;
}

bool char_out_open(CharOut *out, const char *prop_prefix, GError **errp)
{
    if (out->chardev && out->file) {
        error_setg(errp, "chardev and x-file cannot both be set");
        return false;
    }
    if (out->chardev) {
        out->chr = qemu_chr_find(out->chardev);
        if (!out->chr) {
            error_setg(errp, "Property '%s.chardev' can't find value '%s'",
                       prop_prefix, out->chardev);
            return false;
        }
    }
    if (out->file) {
        out->fd = open(out->file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                       0666);
        if (out->fd < 0) {
            error_setg(errp, "Could not open '%s': %s", out->file,
                       strerror(errno));
            return false;
        }
    }
    return true;
}

void char_out_write_byte(CharOut *out, uint8_t byte)
{
    if (out->chr) {
        qemu_chr_write_all(out->chr, &byte, 1);
    } else if (out->fd >= 0) {
        while (write(out->fd, &byte, 1) < 0 && errno == EINTR) {
            /* retry */
        }
    }
}

void char_out_close(CharOut *out)
{
    if (out->fd >= 0) {
        close(out->fd);
        out->fd = -1;
    }
    out->chr = NULL;
}
