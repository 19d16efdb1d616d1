/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The legacy vfio type1 backend: a /dev/vfio/vfio container holding one
 * group, IOMMU type1v2, one VFIO_IOMMU_MAP_DMA per container mapping.
 *
 * It only runs where a group is bound to vfio (not on the machines this
 * project is developed on); the argument builders and the GET_INFO parser
 * are pure and unit-tested.  The limit on mappings comes from the
 * kernel's DMA_AVAIL capability (65535 by default: the type1 module's
 * dma_entry_limit), which is why the listener maps discard-managed
 * memory block by block only after checking the worst case fits.
 */
#include "qemu/osdep.h"
#include <fcntl.h>
#include <sys/ioctl.h>
#include "hw/vfio/vfio-kernel.h"

void vfio_type1_build_dma_map(struct vfio_iommu_type1_dma_map *map,
                              hwaddr iova, uint64_t size, const void *vaddr,
                              bool readonly)
{
    memset(map, 0, sizeof(*map));
    map->argsz = sizeof(*map);
    map->flags = VFIO_DMA_MAP_FLAG_READ;
    if (!readonly) {
        map->flags |= VFIO_DMA_MAP_FLAG_WRITE;
    }
    map->vaddr = (uintptr_t)vaddr;
    map->iova = iova;
    map->size = size;
}

void vfio_type1_build_dma_unmap(struct vfio_iommu_type1_dma_unmap *unmap,
                                hwaddr iova, uint64_t size)
{
    memset(unmap, 0, sizeof(*unmap));
    unmap->argsz = sizeof(*unmap);
    unmap->iova = iova;
    unmap->size = size;
}

bool vfio_type1_parse_info(const void *buf, size_t len, uint64_t *pgsizes,
                           uint64_t *max_mappings, GError **errp)
{
    struct vfio_iommu_type1_info info;
    uint32_t off;
    unsigned hops = 0;

    *max_mappings = VFIO_DEFAULT_MAX_MAPPINGS;
    if (len < sizeof(info)) {
        error_setg(errp, "vfio: type1 info too short (%zu bytes)", len);
        return false;
    }
    memcpy(&info, buf, sizeof(info));
    if (!(info.flags & VFIO_IOMMU_INFO_PGSIZES) || !info.iova_pgsizes) {
        error_setg(errp, "vfio: type1 IOMMU reports no page sizes");
        return false;
    }
    *pgsizes = info.iova_pgsizes;
    if (!(info.flags & VFIO_IOMMU_INFO_CAPS)) {
        return true;
    }
    /* A chain of headers; offsets are from the start of the info. */
    for (off = info.cap_offset; off; hops++) {
        struct vfio_info_cap_header hdr;

        if (off < sizeof(info) || off > len - sizeof(hdr) || hops > 64) {
            error_setg(errp, "vfio: malformed type1 capability chain at "
                       "offset %u", off);
            return false;
        }
        memcpy(&hdr, (const uint8_t *)buf + off, sizeof(hdr));
        if (hdr.id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL) {
            struct vfio_iommu_type1_info_dma_avail avail;

            if (off > len - sizeof(avail)) {
                error_setg(errp, "vfio: truncated DMA_AVAIL capability");
                return false;
            }
            memcpy(&avail, (const uint8_t *)buf + off, sizeof(avail));
            *max_mappings = avail.avail;
        }
        off = hdr.next;
    }
    return true;
}

static VFIOType1Container *to_type1(VFIOContainer *c)
{
    return container_of(c, VFIOType1Container, c);
}

static int type1_dma_map(VFIOContainer *c, hwaddr iova, uint64_t size,
                         void *vaddr, bool readonly, GError **errp)
{
    struct vfio_iommu_type1_dma_map map;

    vfio_type1_build_dma_map(&map, iova, size, vaddr, readonly);
    if (ioctl(to_type1(c)->fd, VFIO_IOMMU_MAP_DMA, &map) < 0) {
        int err = errno;

        error_setg_errno(errp, err, "vfio: %s: VFIO_IOMMU_MAP_DMA 0x%" PRIx64
                         "+0x%" PRIx64 " failed", c->name, iova, size);
        return -err;
    }
    return 0;
}

static int type1_dma_unmap(VFIOContainer *c, hwaddr iova, uint64_t size,
                           GError **errp)
{
    struct vfio_iommu_type1_dma_unmap unmap;

    vfio_type1_build_dma_unmap(&unmap, iova, size);
    if (ioctl(to_type1(c)->fd, VFIO_IOMMU_UNMAP_DMA, &unmap) < 0) {
        int err = errno;

        error_setg_errno(errp, err, "vfio: %s: VFIO_IOMMU_UNMAP_DMA 0x%"
                         PRIx64 "+0x%" PRIx64 " failed", c->name, iova, size);
        return -err;
    }
    if (unmap.size != size) {
        error_setg(errp, "vfio: %s: VFIO_IOMMU_UNMAP_DMA 0x%" PRIx64 "+0x%"
                   PRIx64 " unmapped 0x%llx bytes", c->name, iova, size,
                   (unsigned long long)unmap.size);
        return -EIO;
    }
    return 0;
}

static const VFIOContainerOps type1_ops = {
    .dma_map = type1_dma_map,
    .dma_unmap = type1_dma_unmap,
};

static bool type1_read_info(int fd, uint64_t *pgsizes, uint64_t *max,
                            GError **errp)
{
    g_autofree struct vfio_iommu_type1_info *info = NULL;
    uint32_t argsz = sizeof(*info);

    for (;;) {
        info = g_realloc(info, argsz);
        memset(info, 0, argsz);
        info->argsz = argsz;
        if (ioctl(fd, VFIO_IOMMU_GET_INFO, info) < 0) {
            error_setg_errno(errp, errno, "vfio: VFIO_IOMMU_GET_INFO failed");
            return false;
        }
        if (info->argsz <= argsz) {
            break;
        }
        argsz = info->argsz;    /* capabilities did not fit: ask again */
    }
    return vfio_type1_parse_info(info, argsz, pgsizes, max, errp);
}

static bool type1_open(VFIOType1Container *t, GError **errp)
{
    struct vfio_group_status status = { .argsz = sizeof(status) };
    g_autofree char *path = g_strdup_printf("/dev/vfio/%d", t->group_id);

    t->fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
    if (t->fd < 0) {
        error_setg_errno(errp, errno, "vfio: cannot open /dev/vfio/vfio");
        return false;
    }
    if (ioctl(t->fd, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
        error_setg(errp, "vfio: unsupported vfio API version");
        return false;
    }
    if (ioctl(t->fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0) {
        error_setg(errp, "vfio: the kernel has no type1v2 IOMMU");
        return false;
    }
    t->group_fd = open(path, O_RDWR | O_CLOEXEC);
    if (t->group_fd < 0) {
        error_setg_errno(errp, errno, "vfio: cannot open %s", path);
        return false;
    }
    if (ioctl(t->group_fd, VFIO_GROUP_GET_STATUS, &status) < 0 ||
        !(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
        error_setg(errp, "vfio: group %d is not viable: bind all its "
                   "devices to vfio-pci", t->group_id);
        return false;
    }
    if (ioctl(t->group_fd, VFIO_GROUP_SET_CONTAINER, &t->fd) < 0) {
        error_setg_errno(errp, errno, "vfio: cannot add group %d to a "
                         "container", t->group_id);
        return false;
    }
    if (ioctl(t->fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0) {
        error_setg_errno(errp, errno, "vfio: cannot select type1v2");
        return false;
    }
    return true;
}

VFIOType1Container *vfio_type1_container_new(int group_id, GError **errp)
{
    VFIOType1Container *t = g_new0(VFIOType1Container, 1);
    g_autofree char *name = g_strdup_printf("type1 group %d", group_id);
    uint64_t pgsizes, max;

    t->fd = t->group_fd = -1;
    t->group_id = group_id;
    if (!type1_open(t, errp) ||
        !type1_read_info(t->fd, &pgsizes, &max, errp) ||
        !vfio_container_init(&t->c, &type1_ops, name, pgsizes, max, errp)) {
        vfio_type1_container_free(t);
        return NULL;
    }
    return t;
}

void vfio_type1_container_free(VFIOType1Container *t)
{
    if (!t) {
        return;
    }
    vfio_container_destroy(&t->c);
    if (t->group_fd >= 0) {
        ioctl(t->group_fd, VFIO_GROUP_UNSET_CONTAINER);
        close(t->group_fd);
    }
    if (t->fd >= 0) {
        close(t->fd);
    }
    g_free(t);
}
