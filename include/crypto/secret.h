/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "secret" object (-object secret,id=ID,data=...|file=...,
 * format=raw|base64): a value other code looks up by id (libvirt's master
 * key, passwords of future backends).  The value never leaves the object
 * through QOM: "data" is write-only.  backends/secret.c.
 */
#ifndef CRYPTO_SECRET_H
#define CRYPTO_SECRET_H

#include "qemu/osdep.h"

#define TYPE_QCRYPTO_SECRET "secret"

/* Register TYPE_QCRYPTO_SECRET (user-creatable); idempotent. */
void qcrypto_secret_register_types(void);

/*
 * The decoded value of the secret object @id under /objects: a new
 * buffer in @data (g_free it; it is NUL-terminated beyond @len for
 * convenience) and its length.  False with QEMU's error when there is
 * no such object or it is not a secret.
 */
bool qcrypto_secret_lookup(const char *id, uint8_t **data, size_t *len,
                           GError **errp);

/* As qcrypto_secret_lookup(), as a string; refused if not UTF-8. */
char *qcrypto_secret_lookup_as_utf8(const char *id, GError **errp);

#endif /* CRYPTO_SECRET_H */
