/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-mem-pci: the user-visible device ("-device virtio-mem-pci").
 * PCI IDs 1af4:1058 revision 1, class 0x00ff00, subsystem 1af4:1100.
 */
#ifndef HW_VIRTIO_VIRTIO_MEM_PCI_H
#define HW_VIRTIO_VIRTIO_MEM_PCI_H

#include "hw/virtio/virtio-pci.h"

#define TYPE_VIRTIO_MEM_PCI "virtio-mem-pci"
OBJECT_DECLARE_SIMPLE_TYPE(VirtIOMEMPCI, VIRTIO_MEM_PCI)

/*
 * Register virtio-mem-pci and everything below it (virtio-pci, virtio,
 * virtio-mem, the memory-device QMP source, the event's rate limit).
 * The program calls this before creating devices; idempotent.
 */
void virtio_mem_pci_register_types(void);

#endif /* HW_VIRTIO_VIRTIO_MEM_PCI_H */
