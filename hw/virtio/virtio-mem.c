/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-mem, the device: properties and their checks, realize, the
 * configuration space, the guest request queue, feature negotiation and
 * resets.  Block state lives in virtio-mem-blocks.c.
 *
 * Memory layout: the device owns a container of region_size (the
 * backend's size) that the memory-device layer maps in the machine's
 * device-memory area.  Inside it an alias onto the backend's RAM covers
 * only [0, usable_region_size); beyond that the guest sees unassigned
 * memory, so a guest cannot make the host spend memory outside the usable
 * region.  QEMU 7.2 maps the whole backend instead.
 *
 * Tuned for the Linux driver's request stream: a few requests per config
 * change, each O(its blocks); no work is proportional to the region.
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/oslib.h"
#include "sysemu/hostmem.h"
#include "sysemu/reset.h"
#include "hw/boards.h"
#include "hw/qdev-core.h"
#include "hw/virtio/virtio-mem.h"

TRACE_EVENT(virtio_mem_request);
TRACE_EVENT(virtio_mem_resized);

static const char *const onoffauto_names[] = { "auto", "on", "off", NULL };

static HostMemoryBackend *vmem_backend(VirtIOMEM *vmem)
{
    return vmem->memdev ? MEMORY_BACKEND(vmem->memdev) : NULL;
}

/* Default block size: max(THP size, backend page size), >= 1 MiB. */
static uint64_t default_block_size(HostMemoryBackend *backend)
{
    uint64_t page = host_memory_backend_pagesize(backend);

    return MAX(MAX(page, qemu_get_thp_size()), VIRTIO_MEM_MIN_BLOCK_SIZE);
}

static uint64_t effective_block_size(VirtIOMEM *vmem)
{
    HostMemoryBackend *backend = vmem_backend(vmem);

    if (vmem->block_size) {
        return vmem->block_size;
    }
    return backend ? default_block_size(backend) : VIRTIO_MEM_MIN_BLOCK_SIZE;
}

/* ---- Properties --------------------------------------------------------- */

static uint64_t get_requested_size(Object *obj)
{
    return VIRTIO_MEM(obj)->requested_size;
}

static bool set_requested_size(Object *obj, uint64_t value, GError **errp)
{
    VirtIOMEM *vmem = VIRTIO_MEM(obj);
    HostMemoryBackend *backend = vmem_backend(vmem);

    if (!DEVICE(obj)->realized) {
        vmem->requested_size = value;
        return true;
    }
    /* QEMU 7.2's runtime wording: no "property", unlike realize's */
    if (value % vmem->blocks.block_size) {
        error_setg(errp, "'requested-size' has to be multiples of "
                   "'block-size' (0x%" PRIx64 ")", vmem->blocks.block_size);
        return false;
    }
    if (value > backend->size) {
        error_setg(errp, "'requested-size' cannot exceed the memory backend "
                   "size(0x%" PRIx64 ")", backend->size);
        return false;
    }
    vmem->requested_size = value;
    if (virtio_mem_blocks_set_requested(&vmem->blocks, value)) {
        trace(virtio_mem_resized, "usable_region_size=0x%" PRIx64,
              vmem->blocks.usable_region_size);
    }
    /* Like QEMU 7.2: a config change even when the value is the same. */
    virtio_notify_config(VIRTIO_DEVICE(vmem));
    return true;
}

static uint64_t get_size(Object *obj)
{
    VirtIOMEM *vmem = VIRTIO_MEM(obj);

    return vmem->blocks_init ? vmem->blocks.plugged_size : 0;
}

static uint64_t get_block_size(Object *obj)
{
    return effective_block_size(VIRTIO_MEM(obj));
}

static bool set_block_size(Object *obj, uint64_t value, GError **errp)
{
    if (DEVICE(obj)->realized) {
        error_setg(errp, "'block-size' cannot be changed");
        return false;
    }
    if (value < VIRTIO_MEM_MIN_BLOCK_SIZE) {
        error_setg(errp, "'block-size' property has to be at least 0x%"
                   PRIx64, (uint64_t)VIRTIO_MEM_MIN_BLOCK_SIZE);
        return false;
    }
    if (value & (value - 1)) {
        error_setg(errp, "'block-size' property has to be a power of two");
        return false;
    }
    VIRTIO_MEM(obj)->block_size = value;
    return true;
}

static int get_unplugged_inaccessible(Object *obj)
{
    return VIRTIO_MEM(obj)->unplugged_inaccessible;
}

static bool set_unplugged_inaccessible(Object *obj, int value, GError **errp)
{
    if (!qdev_prop_check_unrealized(DEVICE(obj), "unplugged-inaccessible",
                                    errp)) {
        return false;
    }
    VIRTIO_MEM(obj)->unplugged_inaccessible = value;
    return true;
}

static const Property virtio_mem_props[] = {
    DEFINE_PROP_UINT64("memaddr", VirtIOMEM, addr, 0),
    DEFINE_PROP_UINT32("node", VirtIOMEM, node, 0),
    DEFINE_PROP_BOOL("prealloc", VirtIOMEM, prealloc, false),
    DEFINE_PROP_BOOL("dynamic-memslots", VirtIOMEM, dynamic_memslots, false),
    DEFINE_PROP_LINK("memdev", VirtIOMEM, memdev, TYPE_MEMORY_BACKEND),
    DEFINE_PROP_END_OF_LIST(),
};

/* ---- Checks before realize ---------------------------------------------- */

uint64_t virtio_mem_get_region_size(VirtIOMEM *vmem, GError **errp)
{
    HostMemoryBackend *backend = vmem_backend(vmem);

    if (vmem->dynamic_memslots &&
        vmem->unplugged_inaccessible == VIRTIO_MEM_ONOFFAUTO_OFF) {
        error_setg(errp, "'dynamic-memslots' property set to 'on' requires "
                   "'unplugged-inaccessible' to be 'on'");
        return false;
    }
    if (!backend) {
        error_setg(errp, "'memdev' property must be set");
        return 0;
    }
    return backend->size;
}

uint64_t virtio_mem_get_min_alignment(VirtIOMEM *vmem)
{
    return effective_block_size(vmem);
}

static bool check_properties(VirtIOMEM *vmem, GError **errp)
{
    HostMemoryBackend *backend = vmem_backend(vmem);
    uint64_t bs = effective_block_size(vmem);
    uint64_t page;
    char *name;

    if (!backend) {
        error_setg(errp, "'memdev' property must be set");
        return false;
    }
    if (vmem->node >= machine_numa_node_count()) {
        /* QEMU's wording, typo included */
        error_setg(errp, "'node' property has value '%" PRIu32 "', which "
                   "exceedsthe number of numa nodes: %u", vmem->node,
                   machine_numa_node_count());
        return false;
    }
    name = host_memory_backend_get_name(backend);
    if (host_memory_backend_is_mapped(backend)) {
        error_setg(errp, "'memdev' property specifies a busy memdev: %s",
                   name);
        g_free(name);
        return false;
    }
    if (backend->prealloc) {
        error_setg(errp, "'memdev' property specifies a memdev with "
                   "preallocation enabled: %s. Instead, specify "
                   "'prealloc=on' for the virtio-mem device. ", name);
        g_free(name);
        return false;
    }
    g_free(name);
    page = host_memory_backend_pagesize(backend);
    if (bs < page) {
        error_setg(errp, "'block-size' property has to be at least the page "
                   "size (0x%" PRIx64 ")", page);
        return false;
    }
    if (vmem->requested_size % bs) {
        error_setg(errp, "'requested-size' property has to be multiples of "
                   "'block-size' (0x%" PRIx64 ")", bs);
        return false;
    }
    if (backend->size % bs) {
        error_setg(errp, "backend memory size must be multiple of 0x%"
                   PRIx64, bs);
        return false;
    }
    if (vmem->requested_size > backend->size) {
        error_setg(errp, "'requested-size' cannot exceed the memory backend "
                   "size(0x%" PRIx64 ")", backend->size);
        return false;
    }
    return true;
}

/* auto: off only where reading unplugged memory costs nothing. */
static void resolve_unplugged_inaccessible(VirtIOMEM *vmem, RAMBlock *rb)
{
    bool zero_page_reads = !qemu_ram_is_shared(rb) &&
                           qemu_ram_get_fd(rb) < 0 &&
                           qemu_ram_pagesize(rb) == qemu_real_host_page_size();

    if (vmem->unplugged_inaccessible == VIRTIO_MEM_ONOFFAUTO_AUTO &&
        vmem->dynamic_memslots) {
        vmem->unplugged_inaccessible = VIRTIO_MEM_ONOFFAUTO_ON;
    }
    if (vmem->unplugged_inaccessible == VIRTIO_MEM_ONOFFAUTO_AUTO) {
        vmem->unplugged_inaccessible = zero_page_reads ?
            VIRTIO_MEM_ONOFFAUTO_OFF : VIRTIO_MEM_ONOFFAUTO_ON;
    }
}

/* ---- Realize ------------------------------------------------------------ */

static void handle_request_queue(VirtIODevice *vdev, VirtQueue *vq);

static bool claim_discard(VirtIOMEM *vmem, RAMBlock *rb, GError **errp)
{
    int ret;

    if (ram_block_coordinated_discard_require(true)) {
        error_setg(errp, "Discarding RAM is disabled");
        return false;
    }
    vmem->discard_required = true;
    /* Start from nothing: whatever the backend held is unplugged now. */
    ret = ram_block_discard_range(rb, 0, qemu_ram_get_used_length(rb));
    if (ret) {
        error_setg_errno(errp, -ret, "Unexpected error discarding RAM");
        ram_block_coordinated_discard_require(false);
        vmem->discard_required = false;
        return false;
    }
    return true;
}

static bool set_backend_usable(void *backend, uint64_t size, GError **errp)
{
    return host_memory_backend_set_usable_size(backend, size, errp);
}

static bool init_regions(VirtIOMEM *vmem, GError **errp)
{
    HostMemoryBackend *backend = vmem_backend(vmem);
    MemoryRegion *mr = host_memory_backend_get_memory(backend);
    uint64_t bs = effective_block_size(vmem);

    memory_region_init(&vmem->container, OBJECT(vmem), "virtio-mem",
                       backend->size);
    if (vmem->dynamic_memslots) {
        memory_region_init(&vmem->window, OBJECT(vmem), "virtio-mem-usable",
                           0);
    } else {
        memory_region_init_alias(&vmem->window, OBJECT(vmem),
                                 "virtio-mem-usable", mr, 0, 0);
    }
    memory_region_set_enabled(&vmem->window, false);
    memory_region_add_subregion(&vmem->container, 0, &vmem->window);
    vmem->container_init = true;
    if (!virtio_mem_blocks_init(&vmem->blocks, mr, &vmem->window, vmem->addr,
                                backend->size, bs, errp)) {
        return false;
    }
    vmem->blocks_init = true;
    if (host_memory_backend_can_set_usable_size(backend)) {
        virtio_mem_blocks_set_backend_usable_fn(&vmem->blocks,
                                                set_backend_usable, backend);
    }
    if (vmem->dynamic_memslots) {
        vmem->memslots = virtio_mem_memslots_new(OBJECT(vmem), mr,
                                                 &vmem->window, backend->size,
                                                 bs);
    }
    vmem->blocks.prealloc = vmem->prealloc;
    vmem->blocks.prealloc_threads = MAX(backend->prealloc_threads, 1);
    vmem->block_size = bs;
    virtio_mem_blocks_set_requested(&vmem->blocks, vmem->requested_size);
    return true;
}

static void finalize_regions(VirtIOMEM *vmem)
{
    virtio_mem_memslots_free(vmem->memslots, &vmem->window);
    vmem->memslots = NULL;
    if (vmem->blocks_init) {
        virtio_mem_blocks_destroy(&vmem->blocks);
        vmem->blocks_init = false;
    }
    if (vmem->container_init) {
        memory_region_del_subregion(&vmem->container, &vmem->window);
        memory_region_finalize(&vmem->window);
        memory_region_finalize(&vmem->container);
        vmem->container_init = false;
    }
}

static void system_reset_handler(void *opaque)
{
    virtio_mem_system_reset(opaque);
}

static void virtio_mem_unrealize(VirtIODevice *vdev)
{
    VirtIOMEM *vmem = VIRTIO_MEM(vdev);
    HostMemoryBackend *backend = vmem_backend(vmem);

    qemu_unregister_reset(system_reset_handler, vmem);
    virtio_mem_migration_unregister(vmem);
    if (vmem->blocks_init) {
        virtio_mem_blocks_unplug_all(&vmem->blocks);
    }
    finalize_regions(vmem);
    if (vmem->discard_required) {
        ram_block_coordinated_discard_require(false);
        vmem->discard_required = false;
    }
    if (backend) {
        host_memory_backend_set_mapped(backend, false);
    }
}

static bool virtio_mem_realize(VirtIODevice *vdev, GError **errp)
{
    VirtIOMEM *vmem = VIRTIO_MEM(vdev);
    HostMemoryBackend *backend;
    RAMBlock *rb;

    if (!check_properties(vmem, errp)) {
        return false;
    }
    backend = vmem_backend(vmem);
    /* cannot fail: check_properties() refused a busy backend already */
    if (!host_memory_backend_claim(backend, NULL)) {
        g_assert_not_reached();
    }
    rb = host_memory_backend_get_ram_block(backend);
    if (!claim_discard(vmem, rb, errp)) {
        host_memory_backend_set_mapped(backend, false);
        return false;
    }
    resolve_unplugged_inaccessible(vmem, rb);
    if (!init_regions(vmem, errp) ||
        !virtio_mem_migration_register(vmem, errp)) {
        finalize_regions(vmem);
        ram_block_coordinated_discard_require(false);
        vmem->discard_required = false;
        host_memory_backend_set_mapped(backend, false);
        return false;
    }
    virtio_init(vdev, VIRTIO_ID_MEM, sizeof(VirtIOMEMConfig));
    vdev->name = "virtio-mem";
    vmem->vq = virtio_add_queue(vdev, VIRTIO_MEM_QUEUE_SIZE,
                                handle_request_queue);
    qemu_register_reset(system_reset_handler, vmem);
    return true;
}

bool virtio_mem_set_addr(VirtIOMEM *vmem, uint64_t addr, GError **errp)
{
    g_assert(vmem->blocks_init);
    if (addr % vmem->blocks.block_size) {
        error_setg(errp, "address must be aligned to 0x%" PRIx64 " bytes",
                   vmem->blocks.block_size);
        return false;
    }
    vmem->addr = addr;
    vmem->blocks.addr = addr;
    return true;
}

MemoryRegion *virtio_mem_get_memory_region(VirtIOMEM *vmem)
{
    g_assert(vmem->container_init);
    return &vmem->container;
}

/* ---- Requests ----------------------------------------------------------- */

static void size_changed(VirtIOMEM *vmem, uint64_t before)
{
    if (vmem->blocks.plugged_size != before && vmem->size_changed) {
        vmem->size_changed(vmem->size_changed_opaque,
                           vmem->blocks.plugged_size);
    }
}

/* Decode and run one request; false for an unknown type. */
static bool run_request(VirtIOMEM *vmem, const VirtIOMEMReq *req,
                        VirtIOMEMResp *resp)
{
    uint16_t type = GUINT16_FROM_LE(req->type);
    uint64_t addr = GUINT64_FROM_LE(req->addr);
    uint16_t nb_blocks = GUINT16_FROM_LE(req->nb_blocks);
    uint16_t state = 0, answer;
    uint64_t before = vmem->blocks.plugged_size;

    /* Like QEMU: the plugged bitmap is frozen while migration runs. */
    if (vmem->migrating && type != VIRTIO_MEM_REQ_STATE &&
        type <= VIRTIO_MEM_REQ_UNPLUG_ALL) {
        *resp = (VirtIOMEMResp) {
            .type = GUINT16_TO_LE(VIRTIO_MEM_RESP_BUSY),
        };
        return true;
    }
    switch (type) {
    case VIRTIO_MEM_REQ_PLUG:
        answer = virtio_mem_blocks_plug(&vmem->blocks, addr, nb_blocks);
        break;
    case VIRTIO_MEM_REQ_UNPLUG:
        answer = virtio_mem_blocks_unplug(&vmem->blocks, addr, nb_blocks);
        break;
    case VIRTIO_MEM_REQ_UNPLUG_ALL:
        answer = virtio_mem_blocks_unplug_all(&vmem->blocks);
        break;
    case VIRTIO_MEM_REQ_STATE:
        answer = virtio_mem_blocks_state(&vmem->blocks, addr, nb_blocks,
                                         &state);
        break;
    default:
        virtio_error(VIRTIO_DEVICE(vmem), "protocol violation: "
                     "unknown request type: %" PRIu16, type);
        return false;
    }
    trace(virtio_mem_request, "type=%" PRIu16 " addr=0x%" PRIx64
          " nb_blocks=%" PRIu16 " answer=%" PRIu16, type, addr, nb_blocks,
          answer);
    *resp = (VirtIOMEMResp) {
        .type = GUINT16_TO_LE(answer),
        .state = GUINT16_TO_LE(state),
    };
    size_changed(vmem, before);
    return true;
}

/*
 * Ours, like QEMU: a chain whose readable part is shorter than a request
 * or whose writable part is shorter than a response, an unknown type or a
 * buffer outside guest memory breaks the device; nothing is answered.
 */
static bool handle_one(VirtIOMEM *vmem, VirtQueue *vq, VirtQueueElement *elem)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(vmem);
    VirtIOMEMReq req;
    VirtIOMEMResp resp;
    ssize_t n;

    n = virtio_iov_to_buf(vdev->dma_as, elem->out, elem->out_num, 0, &req,
                          sizeof(req));
    if (n != sizeof(req)) {
        virtio_error(vdev, "protocol violation: invalid request "
                     "size: %" PRIu64, elem->out_len);
        return false;
    }
    if (elem->in_len < sizeof(resp)) {
        virtio_error(vdev, "protocol violation: invalid response "
                     "size: %" PRIu64, elem->in_len);
        return false;
    }
    if (!run_request(vmem, &req, &resp)) {
        return false;
    }
    n = virtio_iov_from_buf(vdev->dma_as, elem->in, elem->in_num, 0, &resp,
                            sizeof(resp));
    if (n != sizeof(resp)) {
        virtio_error(vdev, "response buffer not writable");
        return false;
    }
    virtqueue_push(vq, elem, sizeof(resp));
    virtio_notify(vdev, vq);
    return true;
}

static void handle_request_queue(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOMEM *vmem = VIRTIO_MEM(vdev);
    VirtQueueElement *elem;

    while ((elem = virtqueue_pop(vq))) {
        bool ok = handle_one(vmem, vq, elem);

        if (!ok) {
            virtqueue_detach_element(vq, elem);
        }
        g_free(elem);
        if (!ok) {
            return;
        }
    }
}

/* ---- Virtio hooks ------------------------------------------------------- */

static void virtio_mem_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VirtIOMEM *vmem = VIRTIO_MEM(vdev);
    const VirtIOMEMBlocks *b = &vmem->blocks;
    VirtIOMEMConfig c = {
        .block_size = GUINT64_TO_LE(b->block_size),
        .node_id = GUINT16_TO_LE(vmem->node),
        .addr = GUINT64_TO_LE(b->addr),
        .region_size = GUINT64_TO_LE(b->region_size),
        .usable_region_size = GUINT64_TO_LE(b->usable_region_size),
        .plugged_size = GUINT64_TO_LE(b->plugged_size),
        .requested_size = GUINT64_TO_LE(b->requested_size),
    };

    memcpy(config, &c, sizeof(c));
}

static uint64_t virtio_mem_get_features(VirtIODevice *vdev, uint64_t f)
{
    VirtIOMEM *vmem = VIRTIO_MEM(vdev);

    f |= 1ull << VIRTIO_MEM_F_ACPI_PXM;
    if (vmem->unplugged_inaccessible == VIRTIO_MEM_ONOFFAUTO_ON) {
        f |= 1ull << VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE;
    }
    return f;
}

static int virtio_mem_validate_features(VirtIODevice *vdev)
{
    if (virtio_host_has_feature(vdev, VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE) &&
        !virtio_vdev_has_feature(vdev, VIRTIO_MEM_F_UNPLUGGED_INACCESSIBLE)) {
        return -EFAULT;
    }
    return 0;
}

void virtio_mem_system_reset(VirtIOMEM *vmem)
{
    uint64_t before;

    /* The reset handler lives from the end of realize to unrealize. */
    g_assert(vmem->blocks_init);
    before = vmem->blocks.plugged_size;
    /* Always ACK: a failed discard only leaves memory resident. */
    virtio_mem_blocks_unplug_all(&vmem->blocks);
    size_changed(vmem, before);
}

/* ---- Type --------------------------------------------------------------- */

static void virtio_mem_instance_init(Object *obj)
{
    VIRTIO_MEM(obj)->unplugged_inaccessible = VIRTIO_MEM_ONOFFAUTO_AUTO;
}

static void virtio_mem_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_CLASS(oc);
    ObjectProperty *p;

    device_class_set_props(dc, virtio_mem_props);
    /* No descriptions: "-device virtio-mem-pci,help" prints as QEMU's. */
    object_class_property_add_size(oc, "requested-size", get_requested_size,
                                   set_requested_size);
    object_class_property_add_size(oc, "size", get_size, NULL);
    object_class_property_add_size(oc, "block-size", get_block_size,
                                   set_block_size);
    p = object_class_property_add_enum(oc, "unplugged-inaccessible",
                                       "OnOffAuto", onoffauto_names,
                                       get_unplugged_inaccessible,
                                       set_unplugged_inaccessible);
    object_property_set_description(p, "on/off/auto");
    object_property_set_default(p, json_node_init_string(json_node_alloc(),
                                                         "auto"));
    vdc->realize = virtio_mem_realize;
    vdc->unrealize = virtio_mem_unrealize;
    vdc->get_config = virtio_mem_get_config;
    vdc->get_features = virtio_mem_get_features;
    vdc->validate_features = virtio_mem_validate_features;
}

static const TypeInfo virtio_mem_info = {
    .name = TYPE_VIRTIO_MEM,
    .parent = TYPE_VIRTIO_DEVICE,
    .instance_size = sizeof(VirtIOMEM),
    .instance_init = virtio_mem_instance_init,
    .class_size = sizeof(VirtIOMEMClass),
    .class_init = virtio_mem_class_init,
};

void virtio_mem_register_types(void)
{
    virtio_register_types();
    type_register_static(&virtio_mem_info);
}
