/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tests of the kernel vfio backends' argument building (hw/vfio/type1.c,
 * hw/vfio/iommufd.c) through hw/vfio/vfio-kernel.h.  The devices
 * (/dev/vfio/vfio with a viable group, /dev/iommu) do not exist on the
 * machines these run on; what can be checked is that the ioctl structs
 * are filled as the UAPI says, and that opening fails cleanly.
 */
#include "qemu/osdep.h"
#include "hw/vfio/vfio-kernel.h"

static void test_type1_map_args(void)
{
    struct vfio_iommu_type1_dma_map map;
    static char buf[8192];

    memset(&map, 0xa5, sizeof(map));
    vfio_type1_build_dma_map(&map, 0x100000000ULL, 0x200000, buf, false);
    g_assert_cmpuint(map.argsz, ==, sizeof(map));
    g_assert_cmpuint(map.argsz, ==, 32);
    g_assert_cmpuint(map.flags, ==,
                     VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
    g_assert_cmphex(map.vaddr, ==, (uintptr_t)buf);
    g_assert_cmphex(map.iova, ==, 0x100000000ULL);
    g_assert_cmphex(map.size, ==, 0x200000);

    vfio_type1_build_dma_map(&map, 0xe0000, 0x20000, buf, true);
    g_assert_cmpuint(map.flags, ==, VFIO_DMA_MAP_FLAG_READ);
}

static void test_type1_unmap_args(void)
{
    struct vfio_iommu_type1_dma_unmap unmap;

    memset(&unmap, 0xa5, sizeof(unmap));
    vfio_type1_build_dma_unmap(&unmap, 0x140000000ULL, 0x200000);
    g_assert_cmpuint(unmap.argsz, ==, sizeof(unmap));
    g_assert_cmpuint(unmap.argsz, ==, 24);
    g_assert_cmpuint(unmap.flags, ==, 0);
    g_assert_cmphex(unmap.iova, ==, 0x140000000ULL);
    g_assert_cmphex(unmap.size, ==, 0x200000);
}

/* A GET_INFO answer: info, then an IOVA-range cap, then DMA_AVAIL. */
static size_t build_info(uint8_t *buf, size_t len, uint32_t avail,
                         bool with_avail)
{
    struct vfio_iommu_type1_info info = {
        .argsz = len,
        .flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS,
        .iova_pgsizes = 0x40201000,     /* 4K, 2M, 1G */
        .cap_offset = 32,
    };
    struct vfio_info_cap_header other = {
        .id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, .version = 1,
        .next = with_avail ? 48 : 0,
    };
    struct vfio_iommu_type1_info_dma_avail da = {
        .header = { .id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, .version = 1 },
        .avail = avail,
    };

    memset(buf, 0, len);
    memcpy(buf, &info, sizeof(info));
    memcpy(buf + 32, &other, sizeof(other));
    if (with_avail) {
        memcpy(buf + 48, &da, sizeof(da));
    }
    return len;
}

static void test_type1_parse_info(void)
{
    uint8_t buf[64];
    uint64_t pgsizes, max;
    GError *err = NULL;

    build_info(buf, sizeof(buf), 1234, true);
    g_assert_true(vfio_type1_parse_info(buf, sizeof(buf), &pgsizes, &max,
                                        &err));
    g_assert_no_error(err);
    g_assert_cmphex(pgsizes, ==, 0x40201000);
    g_assert_cmpuint(max, ==, 1234);

    /* Without DMA_AVAIL (old kernels): the type1 default. */
    build_info(buf, sizeof(buf), 0, false);
    g_assert_true(vfio_type1_parse_info(buf, sizeof(buf), &pgsizes, &max,
                                        &err));
    g_assert_cmpuint(max, ==, VFIO_DEFAULT_MAX_MAPPINGS);

    /* A capability pointing outside the answer is refused. */
    build_info(buf, sizeof(buf), 1, true);
    buf[32 + 4] = 60;       /* next = 60: header would run past 64 */
    g_assert_false(vfio_type1_parse_info(buf, sizeof(buf), &pgsizes, &max,
                                         &err));
    g_assert_nonnull(err);
    g_clear_error(&err);
    /* A loop in the chain is refused, not followed forever. */
    build_info(buf, sizeof(buf), 1, false);
    buf[32 + 4] = 32;
    g_assert_false(vfio_type1_parse_info(buf, sizeof(buf), &pgsizes, &max,
                                         &err));
    g_clear_error(&err);
    /* Too short for the info itself. */
    g_assert_false(vfio_type1_parse_info(buf, 8, &pgsizes, &max, &err));
    g_clear_error(&err);
}

static void test_iommufd_args(void)
{
    struct iommu_ioas_alloc alloc;
    struct iommu_ioas_map map;
    struct iommu_ioas_unmap unmap;
    static char buf[4096];

    /* ioctl numbers: type ';', commands 0x81/0x85/0x86, no size/dir. */
    g_assert_cmphex(IOMMU_IOAS_ALLOC, ==, 0x3b81);
    g_assert_cmphex(IOMMU_IOAS_MAP, ==, 0x3b85);
    g_assert_cmphex(IOMMU_IOAS_UNMAP, ==, 0x3b86);

    memset(&alloc, 0xa5, sizeof(alloc));
    vfio_iommufd_build_ioas_alloc(&alloc);
    g_assert_cmpuint(alloc.size, ==, 12);
    g_assert_cmpuint(alloc.flags, ==, 0);

    memset(&map, 0xa5, sizeof(map));
    vfio_iommufd_build_ioas_map(&map, 7, 0x100000000ULL, 0x200000, buf,
                                false);
    g_assert_cmpuint(map.size, ==, 40);
    g_assert_cmpuint(map.flags, ==, IOMMU_IOAS_MAP_FIXED_IOVA |
                     IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE);
    g_assert_cmpuint(map.ioas_id, ==, 7);
    g_assert_cmpuint(map.__reserved, ==, 0);
    g_assert_cmphex(map.user_va, ==, (uintptr_t)buf);
    g_assert_cmphex(map.length, ==, 0x200000);
    g_assert_cmphex(map.iova, ==, 0x100000000ULL);
    vfio_iommufd_build_ioas_map(&map, 7, 0, 0x1000, buf, true);
    g_assert_cmpuint(map.flags, ==, IOMMU_IOAS_MAP_FIXED_IOVA |
                     IOMMU_IOAS_MAP_READABLE);

    memset(&unmap, 0xa5, sizeof(unmap));
    vfio_iommufd_build_ioas_unmap(&unmap, 7, 0x100000000ULL, 0x200000);
    g_assert_cmpuint(unmap.size, ==, 24);
    g_assert_cmpuint(unmap.ioas_id, ==, 7);
    g_assert_cmphex(unmap.iova, ==, 0x100000000ULL);
    g_assert_cmphex(unmap.length, ==, 0x200000);
}

static void test_open_without_devices(void)
{
    GError *err = NULL;

    if (access("/dev/vfio/vfio", F_OK) == 0 ||
        access("/dev/iommu", F_OK) == 0) {
        g_test_skip("vfio devices exist here: not testing the refusal");
        return;
    }
    g_assert_null(vfio_type1_container_new(1, &err));
    g_assert_nonnull(strstr(err->message, "/dev/vfio/vfio"));
    g_clear_error(&err);
    g_assert_null(vfio_iommufd_container_new(&err));
    g_assert_nonnull(strstr(err->message, "/dev/iommu"));
    g_clear_error(&err);
    /* Nothing was left behind: plain discard can still be required. */
    g_assert_cmpint(ram_block_discard_require(true), ==, 0);
    g_assert_cmpint(ram_block_discard_require(false), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vfio/type1/dma-map-args", test_type1_map_args);
    g_test_add_func("/vfio/type1/dma-unmap-args", test_type1_unmap_args);
    g_test_add_func("/vfio/type1/parse-info", test_type1_parse_info);
    g_test_add_func("/vfio/iommufd/ioas-args", test_iommufd_args);
    g_test_add_func("/vfio/kernel/open-fails-cleanly-without-devices",
                    test_open_without_devices);
    return g_test_run();
}
