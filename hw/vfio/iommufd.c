/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The iommufd backend: /dev/iommu with one IO address space (IOAS); one
 * IOMMU_IOAS_MAP at a fixed iova per container mapping.
 *
 * Like type1 it needs hardware (an IOMMU and a device bound to vfio) and
 * does not run here; its argument builders are unit-tested.  Binding a
 * device's vfio cdev to the IOAS is the device's job and not part of
 * this project.  iommufd has no per-container mapping count limit like
 * type1's dma_entry_limit; the container still gets a finite one.
 */
#include "qemu/osdep.h"
#include <fcntl.h>
#include <sys/ioctl.h>
#include "hw/vfio/vfio-kernel.h"

/* The UAPI is a stable ABI: check the layouts we rely on. */
G_STATIC_ASSERT(sizeof(struct iommu_ioas_alloc) == 12);
G_STATIC_ASSERT(sizeof(struct iommu_ioas_map) == 40);
G_STATIC_ASSERT(sizeof(struct iommu_ioas_unmap) == 24);
G_STATIC_ASSERT(sizeof(struct iommu_destroy) == 8);
G_STATIC_ASSERT(offsetof(struct iommu_ioas_map, user_va) == 16);
G_STATIC_ASSERT(offsetof(struct iommu_ioas_map, iova) == 32);
G_STATIC_ASSERT(offsetof(struct iommu_ioas_unmap, iova) == 8);

/* Not the kernel's limit (it has none): a bound for the budget check. */
#define IOMMUFD_MAX_MAPPINGS ((uint64_t)UINT32_MAX)

void vfio_iommufd_build_ioas_alloc(struct iommu_ioas_alloc *alloc)
{
    memset(alloc, 0, sizeof(*alloc));
    alloc->size = sizeof(*alloc);
}

void vfio_iommufd_build_ioas_map(struct iommu_ioas_map *map, uint32_t ioas,
                                 hwaddr iova, uint64_t size,
                                 const void *vaddr, bool readonly)
{
    memset(map, 0, sizeof(*map));
    map->size = sizeof(*map);
    map->flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE;
    if (!readonly) {
        map->flags |= IOMMU_IOAS_MAP_WRITEABLE;
    }
    map->ioas_id = ioas;
    map->user_va = (uintptr_t)vaddr;
    map->length = size;
    map->iova = iova;
}

void vfio_iommufd_build_ioas_unmap(struct iommu_ioas_unmap *unmap,
                                   uint32_t ioas, hwaddr iova, uint64_t size)
{
    memset(unmap, 0, sizeof(*unmap));
    unmap->size = sizeof(*unmap);
    unmap->ioas_id = ioas;
    unmap->iova = iova;
    unmap->length = size;
}

static VFIOIOMMUFDContainer *to_iommufd(VFIOContainer *c)
{
    return container_of(c, VFIOIOMMUFDContainer, c);
}

static int iommufd_dma_map(VFIOContainer *c, hwaddr iova, uint64_t size,
                           void *vaddr, bool readonly, GError **errp)
{
    VFIOIOMMUFDContainer *t = to_iommufd(c);
    struct iommu_ioas_map map;

    vfio_iommufd_build_ioas_map(&map, t->ioas_id, iova, size, vaddr,
                                readonly);
    if (ioctl(t->fd, IOMMU_IOAS_MAP, &map) < 0) {
        int err = errno;

        error_setg_errno(errp, err, "vfio: %s: IOMMU_IOAS_MAP 0x%" PRIx64
                         "+0x%" PRIx64 " failed", c->name, iova, size);
        return -err;
    }
    return 0;
}

static int iommufd_dma_unmap(VFIOContainer *c, hwaddr iova, uint64_t size,
                             GError **errp)
{
    VFIOIOMMUFDContainer *t = to_iommufd(c);
    struct iommu_ioas_unmap unmap;

    vfio_iommufd_build_ioas_unmap(&unmap, t->ioas_id, iova, size);
    if (ioctl(t->fd, IOMMU_IOAS_UNMAP, &unmap) < 0) {
        int err = errno;

        error_setg_errno(errp, err, "vfio: %s: IOMMU_IOAS_UNMAP 0x%" PRIx64
                         "+0x%" PRIx64 " failed", c->name, iova, size);
        return -err;
    }
    return 0;
}

static const VFIOContainerOps iommufd_ops = {
    .dma_map = iommufd_dma_map,
    .dma_unmap = iommufd_dma_unmap,
};

VFIOIOMMUFDContainer *vfio_iommufd_container_new(GError **errp)
{
    VFIOIOMMUFDContainer *t = g_new0(VFIOIOMMUFDContainer, 1);
    struct iommu_ioas_alloc alloc;

    t->fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
    if (t->fd < 0) {
        error_setg_errno(errp, errno, "vfio: cannot open /dev/iommu");
        g_free(t);
        return NULL;
    }
    vfio_iommufd_build_ioas_alloc(&alloc);
    if (ioctl(t->fd, IOMMU_IOAS_ALLOC, &alloc) < 0) {
        error_setg_errno(errp, errno, "vfio: IOMMU_IOAS_ALLOC failed");
        close(t->fd);
        g_free(t);
        return NULL;
    }
    t->ioas_id = alloc.out_ioas_id;
    if (!vfio_container_init(&t->c, &iommufd_ops, "iommufd",
                             qemu_real_host_page_size(),
                             IOMMUFD_MAX_MAPPINGS, errp)) {
        vfio_iommufd_container_free(t);
        return NULL;
    }
    return t;
}

void vfio_iommufd_container_free(VFIOIOMMUFDContainer *t)
{
    if (!t) {
        return;
    }
    vfio_container_destroy(&t->c);
    /* Only called once the IOAS exists. */
    ioctl(t->fd, IOMMU_DESTROY,
          &(struct iommu_destroy) { .size = sizeof(struct iommu_destroy),
                                    .id = t->ioas_id });
    close(t->fd);
    g_free(t);
}
