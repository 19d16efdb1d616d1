/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "secret" user-creatable object: holds a value given inline
 * (data=) or read from a file (file=) when the object completes, encoded
 * raw or base64 (format=).  Other rooms fetch the decoded bytes by id
 * (include/crypto/secret.h).  The value is never readable over QOM
 * (qom-get of "data" is refused) and is wiped from memory when the object
 * goes.  Encrypted secrets (keyid=, iv=) are not implemented and are
 * refused at creation.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qom/object.h"
#include "qom/object-props.h"
#include "qom/object_interfaces.h"
#include "crypto/secret.h"

typedef enum {
    SECRET_FORMAT_RAW,
    SECRET_FORMAT_BASE64,
} SecretFormat;

static const char *const secret_format_names[] = { "raw", "base64", NULL };

typedef struct QCryptoSecret {
    Object parent_obj;

    char *data;                 /* data= as given (write-only) */
    char *file;
    char *keyid;
    char *iv;
    SecretFormat format;

    uint8_t *raw;               /* decoded, once complete */
    size_t rawlen;
} QCryptoSecret;

#define QCRYPTO_SECRET(obj) \
    OBJECT_CHECK(QCryptoSecret, (obj), TYPE_QCRYPTO_SECRET)

static void wipe_str(char **s)
{
    if (*s) {
        memset(*s, 0, strlen(*s));
        g_free(*s);
        *s = NULL;
    }
}

static bool set_frozen_str(Object *obj, const char *name, char **field,
                           const char *value, GError **errp)
{
    if (!user_creatable_check_not_complete(obj, name, errp)) {
        return false;
    }
    wipe_str(field);
    *field = g_strdup(value);
    return true;
}

static bool data_set(Object *obj, const char *value, GError **errp)
{
    return set_frozen_str(obj, "data", &QCRYPTO_SECRET(obj)->data, value,
                          errp);
}

static char *file_get(Object *obj)
{
    return g_strdup(QCRYPTO_SECRET(obj)->file);
}

static bool file_set(Object *obj, const char *value, GError **errp)
{
    return set_frozen_str(obj, "file", &QCRYPTO_SECRET(obj)->file, value,
                          errp);
}

static char *keyid_get(Object *obj)
{
    return g_strdup(QCRYPTO_SECRET(obj)->keyid);
}

static bool keyid_set(Object *obj, const char *value, GError **errp)
{
    return set_frozen_str(obj, "keyid", &QCRYPTO_SECRET(obj)->keyid, value,
                          errp);
}

static char *iv_get(Object *obj)
{
    return g_strdup(QCRYPTO_SECRET(obj)->iv);
}

static bool iv_set(Object *obj, const char *value, GError **errp)
{
    return set_frozen_str(obj, "iv", &QCRYPTO_SECRET(obj)->iv, value, errp);
}

static int format_get(Object *obj)
{
    return QCRYPTO_SECRET(obj)->format;
}

static bool format_set(Object *obj, int value, GError **errp)
{
    if (!user_creatable_check_not_complete(obj, "format", errp)) {
        return false;
    }
    QCRYPTO_SECRET(obj)->format = value;
    return true;
}

static bool loaded_get(Object *obj)
{
    return QCRYPTO_SECRET(obj)->raw != NULL;
}

static bool is_base64(const char *s, size_t len)
{
    size_t pad = 0;

    if (len % 4) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '=') {
            pad++;
        } else if (pad || !(g_ascii_isalnum(s[i]) || s[i] == '+' ||
                            s[i] == '/')) {
            return false;
        }
    }
    return pad <= 2;
}

static bool secret_complete(UserCreatable *uc, GError **errp)
{
    QCryptoSecret *s = QCRYPTO_SECRET(uc);
    g_autofree char *content = NULL;
    const char *text;
    gsize len;

    if (s->keyid || s->iv) {
        error_setg(errp, "encrypted secrets (keyid=, iv=) are not "
                   "supported");
        return false;
    }
    if (s->data && s->file) {
        error_setg(errp, "'data' and 'file' are mutually exclusive");
        return false;
    }
    if (s->data) {
        text = s->data;
        len = strlen(s->data);
    } else if (s->file) {
        g_autoptr(GError) err = NULL;

        if (!g_file_get_contents(s->file, &content, &len, &err)) {
            error_setg(errp, "Unable to read %s: %s", s->file,
                       err->message);
            return false;
        }
        text = content;
    } else {
        error_setg(errp, "Either 'data' or 'file' must be provided");
        return false;
    }
    if (s->format == SECRET_FORMAT_BASE64) {
        if (!is_base64(text, len)) {
            error_setg(errp, "Invalid base64 data in secret");
            if (content) {
                memset(content, 0, len);
            }
            return false;
        }
        /* Decoding needs a NUL-terminated copy; g_base64_decode writes
         * into a fresh buffer. */
        g_autofree char *copy = g_strndup(text, len);
        gsize n;
        guchar *dec = g_base64_decode(copy, &n);

        memset(copy, 0, len);
        s->raw = g_realloc(dec, n + 1);
        s->raw[n] = 0;
        s->rawlen = n;
    } else {
        s->raw = g_malloc(len + 1);
        memcpy(s->raw, text, len);
        s->raw[len] = 0;
        s->rawlen = len;
    }
    if (content) {
        memset(content, 0, len);
    }
    /* The inline form is not needed any more. */
    wipe_str(&s->data);
    return true;
}

static void secret_finalize(Object *obj)
{
    QCryptoSecret *s = QCRYPTO_SECRET(obj);

    wipe_str(&s->data);
    if (s->raw) {
        memset(s->raw, 0, s->rawlen);
        g_free(s->raw);
    }
    g_free(s->file);
    g_free(s->keyid);
    g_free(s->iv);
}

static void secret_class_init(ObjectClass *oc, void *data)
{
    UserCreatableClass *ucc = USER_CREATABLE_CLASS(oc);

    ucc->complete = secret_complete;
    object_property_set_description(
        object_class_property_add_str(oc, "data", NULL, data_set),
        "The secret value inline (write-only)");
    object_property_set_description(
        object_class_property_add_str(oc, "file", file_get, file_set),
        "A file holding the secret value");
    object_property_set_description(
        object_class_property_add_enum(oc, "format", "QCryptoSecretFormat",
                                       secret_format_names, format_get,
                                       format_set),
        "Encoding of the value: raw or base64");
    object_property_set_description(
        object_class_property_add_bool(oc, "loaded", loaded_get, NULL),
        "Whether the value has been loaded");
    object_property_set_description(
        object_class_property_add_str(oc, "keyid", keyid_get, keyid_set),
        "Id of a secret that decrypts this one (not supported)");
    object_property_set_description(
        object_class_property_add_str(oc, "iv", iv_get, iv_set),
        "Initialization vector of an encrypted secret (not supported)");
}

static const InterfaceInfo secret_interfaces[] = {
    { TYPE_USER_CREATABLE },
    { NULL },
};

static const TypeInfo secret_info = {
    .name = TYPE_QCRYPTO_SECRET,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(QCryptoSecret),
    .instance_finalize = secret_finalize,
    .class_init = secret_class_init,
    .interfaces = secret_interfaces,
};

void qcrypto_secret_register_types(void)
{
    if (!object_class_by_name(TYPE_QCRYPTO_SECRET)) {
        type_register_static(&secret_info);
    }
}

bool qcrypto_secret_lookup(const char *id, uint8_t **data, size_t *len,
                           GError **errp)
{
    Object *obj = object_resolve_path_component(object_get_objects_root(),
                                                id);
    QCryptoSecret *s;

    if (!obj) {
        error_setg(errp, "No secret with id '%s'", id);
        return false;
    }
    if (!object_dynamic_cast(obj, TYPE_QCRYPTO_SECRET)) {
        error_setg(errp, "Object with id '%s' is not a secret", id);
        return false;
    }
    s = QCRYPTO_SECRET(obj);
    if (!s->raw) {
        error_setg(errp, "Secret '%s' has no data", id);
        return false;
    }
    *data = g_malloc(s->rawlen + 1);
    memcpy(*data, s->raw, s->rawlen + 1);
    *len = s->rawlen;
    return true;
}

char *qcrypto_secret_lookup_as_utf8(const char *id, GError **errp)
{
    uint8_t *data;
    size_t len;

    if (!qcrypto_secret_lookup(id, &data, &len, errp)) {
        return NULL;
    }
    if (!g_utf8_validate((const char *)data, len, NULL)) {
        error_setg(errp, "Data from secret %s is not valid UTF-8", id);
        memset(data, 0, len);
        g_free(data);
        return NULL;
    }
    return (char *)data;
}
