/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host memory backends: the user-creatable objects behind
 * `-object memory-backend-{ram,memfd,file},id=ID,size=...` that own the
 * host memory a machine or a memory device (virtio-mem) exposes to the
 * guest.  User documentation: docs/system/memory-backends.md.
 *
 * Life cycle:
 *  1. object_new() + property setters (command line, object-add);
 *  2. complete(): the concrete class allocates backend->mr (one RAM
 *     region with one RAMBlock named after the backend id), then the
 *     abstract base applies merge / dump (madvise), the NUMA policy
 *     (mbind) and preallocation.  Any failure frees everything again.
 *  3. a consumer (the machine's memory-backend=, a memory device's
 *     memdev=) takes it with host_memory_backend_claim(): the backend is
 *     then "in use", object-del is refused.  The consumer may shrink and
 *     grow the accessible part (host_memory_backend_set_usable_size()),
 *     and releases it whole with host_memory_backend_set_mapped(b,
 *     false).  Properties are frozen from step 2 on.
 *  4. object-del / process exit: finalize frees the region and block.
 *
 * Threading: main thread only.
 */
#ifndef SYSEMU_HOSTMEM_H
#define SYSEMU_HOSTMEM_H

#include "qemu/osdep.h"
#include "qom/object.h"
#include "qom/object_interfaces.h"
#include "exec/memory.h"
#include "exec/ramblock.h"
#include "qemu/bitmap.h"

#define TYPE_MEMORY_BACKEND        "memory-backend"
#define TYPE_MEMORY_BACKEND_RAM    "memory-backend-ram"
#define TYPE_MEMORY_BACKEND_MEMFD  "memory-backend-memfd"
#define TYPE_MEMORY_BACKEND_FILE   "memory-backend-file"

OBJECT_DECLARE_TYPE(HostMemoryBackend, HostMemoryBackendClass,
                    MEMORY_BACKEND)

/* Highest host NUMA node number + 1 that host-nodes can name. */
#define HOSTMEM_MAX_NODES 128

/* The "policy" property (QAPI's HostMemPolicy, same names and order). */
typedef enum HostMemPolicy {
    HOST_MEM_POLICY_DEFAULT,
    HOST_MEM_POLICY_PREFERRED,
    HOST_MEM_POLICY_BIND,
    HOST_MEM_POLICY_INTERLEAVE,
    HOST_MEM_POLICY__MAX,
} HostMemPolicy;

/* "default", "preferred", "bind", "interleave", NULL. */
extern const char *const host_mem_policy_names[];

struct HostMemoryBackendClass {
    ObjectClass parent_class;
    /*
     * Allocate the memory: initialize backend->mr as a RAM region of
     * backend->size bytes with the flags host_memory_backend_ram_flags()
     * gives (plus the class's own), owned by the backend and named after
     * its id.  Return false with @errp set, leaving backend->mr untouched
     * (all-zero), on failure.  Called once, from complete().
     */
    bool (*alloc)(HostMemoryBackend *backend, GError **errp);
    /*
     * Optional: called by host_memory_backend_cleanup() at process exit,
     * also for backends still in use (which are not finalized then); e.g.
     * memory-backend-file's discard-data.  The memory is still mapped.
     */
    void (*exiting)(HostMemoryBackend *backend);
};

/*
 * Fields are written only by the property setters (before complete) and
 * by complete() itself; consumers read them through the functions below.
 */
struct HostMemoryBackend {
    Object parent_obj;

    /* Properties. */
    uint64_t size;              /* bytes, > 0 */
    bool share;                 /* MAP_SHARED */
    bool reserve;               /* false: RAM_NORESERVE */
    bool prealloc;              /* populate every page in complete() */
    uint32_t prealloc_threads;  /* >= 1 */
    bool merge;                 /* MADV_MERGEABLE (KSM) */
    bool dump;                  /* false: MADV_DONTDUMP */
    HostMemPolicy policy;
    /* Bit N set: host node N was given in host-nodes. */
    DECLARE_BITMAP(host_nodes, HOSTMEM_MAX_NODES);

    /* State. */
    bool size_given;            /* the size setter ran (size is required) */
    bool mr_inited;             /* complete() allocated mr */
    bool is_mapped;             /* in use by a machine or device */
    MemoryRegion mr;
};

/*
 * The backend's RAM region, or NULL before complete() allocated it.
 * Borrowed: valid as long as the backend lives (consumers hold a
 * reference on the backend, e.g. through a strong link).
 */
MemoryRegion *host_memory_backend_get_memory(HostMemoryBackend *backend);

/*
 * The RAMBlock behind the backend's region, or NULL before complete().
 * For virtio-mem (discard) and vfio: the block is named after the
 * backend id (qemu_ram_get_idstr()); its used length is the usable size
 * below.  Borrowed, same lifetime as the region.  Consumers change the
 * block's size only through host_memory_backend_set_usable_size().
 */
RAMBlock *host_memory_backend_get_ram_block(HostMemoryBackend *backend);

/*
 * Usable size: the accessible prefix [0, usable) of the backend's memory.
 * It equals the backend's size from complete() on, and whenever no
 * consumer holds the backend.
 *
 * host_memory_backend_can_set_usable_size(): whether the consumer may
 * shrink it.  True for a private memory-backend-ram (allocated as a
 * resizable RAM block of max = used = size); false before complete() and
 * for shared, memfd and file backends, whose memory is always whole.
 *
 * host_memory_backend_get_usable_size(): the current usable size in
 * bytes (0 before complete()); also the size of the backend's region.
 *
 * host_memory_backend_set_usable_size(): called only by the consumer
 * that claimed the backend (host_memory_backend_claim()).  @size must be
 * a multiple of host_memory_backend_pagesize() in (0, size].  On success
 * [0, @size) is accessible with its contents kept, and [@size, size) is
 * an inaccessible reservation that costs no memory: its old contents are
 * gone and read as zero once it is usable again.  The backend's region
 * changes size in one memory transaction (nested in the caller's if one
 * is open), so listeners of an address space that maps it see one
 * change.  Setting the
 * current size succeeds on every backend; any other size fails on a
 * backend that cannot change it.  Returns false with @errp set (nothing
 * changed) on failure.  The consumer sets the full size again before it
 * releases the backend, so the next consumer finds it whole.
 */
bool host_memory_backend_can_set_usable_size(HostMemoryBackend *backend);
uint64_t host_memory_backend_get_usable_size(HostMemoryBackend *backend);
bool host_memory_backend_set_usable_size(HostMemoryBackend *backend,
                                         uint64_t size, GError **errp);

/*
 * Claim @backend for a consumer (the machine's memory-backend=, a memory
 * device's memdev=): refuse one already in use with QEMU's "can't use
 * already busy memdev: ID", else mark it in use and return true.  The
 * only way to take a backend; a consumer may test
 * host_memory_backend_is_mapped() first to refuse with its own wording.
 * While in use, object-del refuses to delete it ("object 'ID' is in use,
 * can not be deleted").  Release with host_memory_backend_set_mapped(
 * backend, false), after restoring the full usable size.
 */
bool host_memory_backend_claim(HostMemoryBackend *backend, GError **errp);
bool host_memory_backend_is_mapped(HostMemoryBackend *backend);
void host_memory_backend_set_mapped(HostMemoryBackend *backend, bool mapped);

/*
 * The backend named @id (an id under /objects, or any path that resolves
 * to exactly one backend), for -machine memory-backend=ID.  NULL with
 * QEMU's "Memory backend 'ID' not found" otherwise.  Borrowed.
 */
HostMemoryBackend *host_memory_backend_find(const char *id, GError **errp);

/*
 * The page size of the memory behind the backend: the huge page size for
 * hugetlb memfd / hugetlbfs files, the host page size otherwise.  Only
 * meaningful after complete() (returns the host page size before).
 */
size_t host_memory_backend_pagesize(HostMemoryBackend *backend);

/* The backend's id (its name under /objects); caller frees. */
char *host_memory_backend_get_name(HostMemoryBackend *backend);

/*
 * RAM_* flags (RAM_SHARED, RAM_NORESERVE) that the backend's share= and
 * reserve= ask for; for the classes' alloc hooks.
 */
uint32_t host_memory_backend_ram_flags(HostMemoryBackend *backend);

/*
 * query-memdev: one {"id", "size", "merge", "dump", "prealloc", "share",
 * "reserve", "host-nodes", "policy"} object per complete backend under
 * /objects.  Caller unrefs.
 */
JsonArray *host_memory_backend_query_list(void);

/*
 * Process exit: run the classes' exiting hooks for every backend under
 * /objects (before the machine and devices are torn down).  Nothing is
 * freed.
 */
void host_memory_backend_cleanup(void);

/*
 * Call @fn for every backend under /objects, in qom-list order (the
 * order they were created in).
 */
void host_memory_backend_foreach(void (*fn)(HostMemoryBackend *backend,
                                            void *opaque),
                                 void *opaque);

/*
 * Register the abstract "memory-backend" type, the three concrete types
 * and the query-memdev QMP command.  Idempotent; call before -object
 * options are processed.
 */
void host_memory_backend_register_types(void);

/*
 * The default of every backend's "dump" property from now on (QEMU
 * takes it from -machine dump-guest-core=, on unless set off).  Call
 * before backends are created.
 */
void host_memory_backend_set_default_dump(bool dump);
void host_memory_backend_register_commands(void);

#endif /* SYSEMU_HOSTMEM_H */
