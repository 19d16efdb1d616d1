/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * query-memory-devices: the QMP command and the hook through which memory
 * device types (virtio-mem, later pc-dimm ...) contribute their entries.
 * Implemented in hw/mem/memory-device-qmp.c.
 */
#ifndef HW_MEM_MEMORY_DEVICE_QMP_H
#define HW_MEM_MEMORY_DEVICE_QMP_H

#include "qemu/osdep.h"
#include <json-glib/json-glib.h>

/*
 * Append one entry per device of the source's kind to @list, in QEMU's
 * shape: {"type": "virtio-mem", "data": {"id": ..., "memaddr": ...,
 * "requested-size": ..., "size": ..., "max-size": ..., "block-size": ...,
 * "node": ..., "memdev": "/objects/mem0"}}.  Sources should append in
 * increasing guest address order.  Must not fail.
 */
typedef void MemoryDeviceInfoFunc(JsonArray *list, void *opaque);

/*
 * Add a source; sources are asked in registration order.  Main thread,
 * at start-up (e.g. from the device type's registration).  Idempotent:
 * the same @fn and @opaque again add nothing.
 */
void memory_device_register_info_source(MemoryDeviceInfoFunc *fn,
                                        void *opaque);

/* The entries of every source (a new array, caller unrefs). */
JsonArray *memory_device_query_list(void);

/* Register query-memory-devices; idempotent. */
void memory_device_register_qmp_commands(void);

#endif /* HW_MEM_MEMORY_DEVICE_QMP_H */
