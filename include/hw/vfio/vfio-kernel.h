/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel DMA backends of vfio containers: legacy type1 (/dev/vfio/vfio
 * plus a group) and iommufd (/dev/iommu, one IOAS).  They are written
 * against the kernel UAPI and only work where those devices exist and a
 * device group is bound to vfio; the argument builders are pure
 * functions so that the ioctl structs can be unit-tested anywhere.
 *
 * <linux/iommufd.h> is not shipped by Debian 12's linux-libc-dev; when it
 * is missing, the few definitions used here are declared below from the
 * kernel's UAPI (stable ABI: layouts and ioctl numbers checked by static
 * asserts in hw/vfio/iommufd.c).
 */
#ifndef HW_VFIO_VFIO_KERNEL_H
#define HW_VFIO_VFIO_KERNEL_H

#include "hw/vfio/vfio-container.h"
#include <linux/vfio.h>

#if defined(__has_include) && __has_include(<linux/iommufd.h>)
#include <linux/iommufd.h>
#else
#include <linux/ioctl.h>
#include <linux/types.h>

#define IOMMUFD_TYPE (';')
#define IOMMUFD_CMD_DESTROY        0x80
#define IOMMUFD_CMD_IOAS_ALLOC     0x81
#define IOMMUFD_CMD_IOAS_MAP       0x85
#define IOMMUFD_CMD_IOAS_UNMAP     0x86

struct iommu_destroy {
    __u32 size;
    __u32 id;
};
#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY)

struct iommu_ioas_alloc {
    __u32 size;
    __u32 flags;
    __u32 out_ioas_id;
};
#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)

enum iommufd_ioas_map_flags {
    IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,
    IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,
    IOMMU_IOAS_MAP_READABLE = 1 << 2,
};

struct iommu_ioas_map {
    __u32 size;
    __u32 flags;
    __u32 ioas_id;
    __u32 __reserved;
    __aligned_u64 user_va;
    __aligned_u64 length;
    __aligned_u64 iova;
};
#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP)

struct iommu_ioas_unmap {
    __u32 size;
    __u32 ioas_id;
    __aligned_u64 iova;
    __aligned_u64 length;
};
#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP)
#endif

/* --- type1 --- */

typedef struct VFIOType1Container {
    VFIOContainer c;
    int fd;             /* /dev/vfio/vfio */
    int group_fd;       /* /dev/vfio/GROUP */
    int group_id;
} VFIOType1Container;

/* Fill a VFIO_IOMMU_MAP_DMA argument (device may read; write unless ro). */
void vfio_type1_build_dma_map(struct vfio_iommu_type1_dma_map *map,
                              hwaddr iova, uint64_t size, const void *vaddr,
                              bool readonly);
/* Fill a VFIO_IOMMU_UNMAP_DMA argument for exactly that range. */
void vfio_type1_build_dma_unmap(struct vfio_iommu_type1_dma_unmap *unmap,
                                hwaddr iova, uint64_t size);
/*
 * Read a VFIO_IOMMU_GET_INFO answer of @len bytes at @buf: the page size
 * bitmap (required) and the DMA_AVAIL capability, whose count becomes
 * @max_mappings (left at VFIO_DEFAULT_MAX_MAPPINGS when the kernel does
 * not report it).  Capability offsets are checked against @len.
 * Returns true, or false with @errp set.
 */
bool vfio_type1_parse_info(const void *buf, size_t len, uint64_t *pgsizes,
                           uint64_t *max_mappings, GError **errp);

/*
 * Open /dev/vfio/vfio and /dev/vfio/@group_id, check the API version and
 * the type1v2 extension, put the group into the container, select
 * type1v2 and read the limits.  The group must be viable (all its
 * devices bound to vfio).  Returns a container (free with
 * vfio_type1_container_free()), or NULL with @errp set.
 */
VFIOType1Container *vfio_type1_container_new(int group_id, GError **errp);
void vfio_type1_container_free(VFIOType1Container *t);

/* --- iommufd --- */

typedef struct VFIOIOMMUFDContainer {
    VFIOContainer c;
    int fd;             /* /dev/iommu */
    uint32_t ioas_id;
} VFIOIOMMUFDContainer;

void vfio_iommufd_build_ioas_alloc(struct iommu_ioas_alloc *alloc);
/* Fill an IOMMU_IOAS_MAP argument at a fixed iova. */
void vfio_iommufd_build_ioas_map(struct iommu_ioas_map *map, uint32_t ioas,
                                 hwaddr iova, uint64_t size,
                                 const void *vaddr, bool readonly);
void vfio_iommufd_build_ioas_unmap(struct iommu_ioas_unmap *unmap,
                                   uint32_t ioas, hwaddr iova, uint64_t size);

/*
 * Open /dev/iommu and allocate an IOAS.  Devices are attached to the
 * IOAS through their vfio cdev (not done here).  Returns a container
 * (free with vfio_iommufd_container_free()) or NULL with @errp set.
 */
VFIOIOMMUFDContainer *vfio_iommufd_container_new(GError **errp);
void vfio_iommufd_container_free(VFIOIOMMUFDContainer *t);

#endif /* HW_VFIO_VFIO_KERNEL_H */
