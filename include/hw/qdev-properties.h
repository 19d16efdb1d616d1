/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device properties (DEFINE_PROP_*, device_class_set_props) live in
 * hw/qdev-core.h; this header exists so that files written against
 * QEMU's layout find them under the usual name.
 */
#ifndef HW_QDEV_PROPERTIES_H
#define HW_QDEV_PROPERTIES_H

#include "hw/qdev-core.h"

#endif /* HW_QDEV_PROPERTIES_H */
