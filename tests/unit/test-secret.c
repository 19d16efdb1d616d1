/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "secret" object through include/crypto/secret.h: data/file,
 * raw/base64, the lookup other code uses, and that the value cannot be
 * read back through QOM.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qom/object_interfaces.h"
#include "crypto/secret.h"

static Object *add_secret(const char *id, GError **errp, ...)
{
    g_autoptr(JsonObject) props = json_object_new();
    const char *name;
    va_list ap;

    va_start(ap, errp);
    while ((name = va_arg(ap, const char *))) {
        json_object_set_string_member(props, name, va_arg(ap, const char *));
    }
    va_end(ap);
    return user_creatable_add_type("secret", id, props, errp);
}

static void test_raw_data(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *v = NULL;
    uint8_t *data;
    size_t len;
    JsonNode *n;

    g_assert_nonnull(add_secret("s-raw", &err, "data", "hunter2", NULL));
    v = qcrypto_secret_lookup_as_utf8("s-raw", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(v, ==, "hunter2");
    g_assert_true(qcrypto_secret_lookup("s-raw", &data, &len, &err));
    g_assert_cmpuint(len, ==, 7);
    g_free(data);
    /* not readable through QOM */
    n = object_property_get_json(object_resolve_path_component(
                                     object_get_objects_root(), "s-raw"),
                                 "data", &err);
    g_assert_null(n);
    g_assert_nonnull(err);
    g_clear_error(&err);
    g_assert_true(object_property_get_bool(
        object_resolve_path_component(object_get_objects_root(), "s-raw"),
        "loaded", &err));
    g_assert_true(user_creatable_del("s-raw", &err));
}

static void test_base64_file(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;
    uint8_t *data;
    size_t len;
    int fd = g_file_open_tmp("secret-XXXXXX", &path, NULL);

    g_assert_cmpint(fd, >=, 0);
    /* "\x00\x01\xff" in base64: binary data survives */
    g_assert_cmpint(write(fd, "AAH/", 4), ==, 4);
    close(fd);
    g_assert_nonnull(add_secret("s-file", &err, "file", path,
                                "format", "base64", NULL));
    g_assert_true(qcrypto_secret_lookup("s-file", &data, &len, &err));
    g_assert_cmpuint(len, ==, 3);
    g_assert_cmpmem(data, 3, "\x00\x01\xff", 3);
    g_free(data);
    g_assert_null(qcrypto_secret_lookup_as_utf8("s-file", &err));
    g_assert_nonnull(strstr(err->message, "not valid UTF-8"));
    g_clear_error(&err);
    g_assert_true(user_creatable_del("s-file", &err));
    unlink(path);
}

static void test_refused(void)
{
    g_autoptr(GError) err = NULL;
    uint8_t *data;
    size_t len;

    g_assert_null(add_secret("s1", &err, NULL));
    g_assert_nonnull(strstr(err->message, "Either 'data' or 'file'"));
    g_clear_error(&err);
    g_assert_null(add_secret("s1", &err, "data", "x", "file", "/dev/null",
                             NULL));
    g_assert_nonnull(strstr(err->message, "mutually exclusive"));
    g_clear_error(&err);
    g_assert_null(add_secret("s1", &err, "data", "a*b=", "format", "base64",
                             NULL));
    g_assert_nonnull(strstr(err->message, "Invalid base64"));
    g_clear_error(&err);
    g_assert_null(add_secret("s1", &err, "data", "x", "keyid", "k", NULL));
    g_assert_nonnull(strstr(err->message, "not supported"));
    g_clear_error(&err);
    g_assert_null(add_secret("s1", &err, "file", "/nonexistent/key",
                             NULL));
    g_assert_nonnull(strstr(err->message, "/nonexistent/key"));
    g_clear_error(&err);
    g_assert_false(qcrypto_secret_lookup("s1", &data, &len, &err));
    g_assert_nonnull(strstr(err->message, "No secret with id 's1'"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qcrypto_secret_register_types();
    object_get_objects_root();
    g_test_add_func("/secret/raw-data", test_raw_data);
    g_test_add_func("/secret/base64-file", test_base64_file);
    g_test_add_func("/secret/refused", test_refused);
    return g_test_run();
}
