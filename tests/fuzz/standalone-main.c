/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Corpus replayer: a main() for the fuzz targets that builds with any
 * compiler and without libFuzzer.
 *
 * It calls the target's LLVMFuzzerTestOneInput() once for every file
 * named on the command line and, for a directory, once for every regular
 * file in it (sorted by name, not recursive).  Output is TAP, one test
 * point per input, so meson shows which corpus file failed; a target that
 * crashes takes the process down with the file name already printed.
 *
 * This is how the corpus and every crash regression are checked on each
 * "meson test --suite unit", in the plain and the sanitizer builds alike.
 * The workload is a few dozen small files: each is read whole.
 */
#include "qemu/osdep.h"
#include "fuzz.h"

static int compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Append the regular files of @dir (sorted) or @path itself to @files. */
static bool collect_inputs(const char *path, GPtrArray *files)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GDir) dir = NULL;
    g_autoptr(GPtrArray) names = NULL;
    const char *name;

    if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
        g_ptr_array_add(files, g_strdup(path));
        return true;
    }
    dir = g_dir_open(path, 0, &err);
    if (!dir) {
        printf("Bail out! %s\n", err->message);
        return false;
    }
    names = g_ptr_array_new_with_free_func(g_free);
    while ((name = g_dir_read_name(dir))) {
        g_autofree char *full = g_build_filename(path, name, NULL);

        if (g_file_test(full, G_FILE_TEST_IS_REGULAR)) {
            g_ptr_array_add(names, g_steal_pointer(&full));
        }
    }
    g_ptr_array_sort(names, compare_strings);
    for (guint i = 0; i < names->len; i++) {
        g_ptr_array_add(files, g_strdup(g_ptr_array_index(names, i)));
    }
    return true;
}

int main(int argc, char **argv)
{
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);

    for (int i = 1; i < argc; i++) {
        /* Accepted for symmetry with the GTest programs; TAP is always on. */
        if (!strcmp(argv[i], "--tap")) {
            continue;
        }
        if (!collect_inputs(argv[i], files)) {
            return 1;
        }
    }
    if (files->len == 0) {
        printf("Bail out! no input files (usage: %s FILE|DIR...)\n",
               argv[0]);
        return 1;
    }
    if (LLVMFuzzerInitialize) {
        LLVMFuzzerInitialize(&argc, &argv);
    }
    printf("1..%u\n", files->len);
    for (guint i = 0; i < files->len; i++) {
        const char *path = g_ptr_array_index(files, i);
        g_autoptr(GError) err = NULL;
        g_autofree char *data = NULL;
        gsize len;

        if (!g_file_get_contents(path, &data, &len, &err)) {
            printf("not ok %u - %s: %s\n", i + 1, path, err->message);
            continue;
        }
        printf("# replaying %s (%" G_GSIZE_FORMAT " bytes)\n", path, len);
        fflush(stdout);
        LLVMFuzzerTestOneInput((const uint8_t *)data, len);
        printf("ok %u - %s\n", i + 1, path);
    }
    return 0;
}
