/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * x-dma-pin: an experimental user-creatable object that acts as a vfio
 * container without hardware: it mlock()s what the vfio listener maps
 * and munlock()s what it unmaps, so pinning shows in VmLck.
 *
 *   -object x-dma-pin,id=pin0[,max-mappings=N]
 *
 * Properties: max-mappings (uint64, default 65535, like type1; frozen at
 * completion), mappings (read-only: [{"iova", "size", "readonly"}] in
 * iova order), locked-size (read-only: bytes of host memory it holds
 * locked; aliases of the same memory count once), attached (read-only:
 * whether it follows system memory yet).
 *
 * At completion it attaches to system memory, or waits until the machine
 * calls vfio_containers_attach_all() (hw/vfio/vfio-container.h).
 */
#ifndef HW_VFIO_DMA_PIN_H
#define HW_VFIO_DMA_PIN_H

#include "qom/object.h"

#define TYPE_DMA_PIN "x-dma-pin"

/* Register the x-dma-pin type (needs qom_register_types() first). */
void dma_pin_register_types(void);

#endif /* HW_VFIO_DMA_PIN_H */
