/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private glue between qom/object.c (types, objects, tree) and
 * qom/object-property.c (properties).  Not for use outside qom/.
 */
#ifndef QOM_OBJECT_INTERNAL_H
#define QOM_OBJECT_INTERNAL_H

#include "qom/object.h"

/* True for a child<> property; its opaque is the child. */
bool object_property_is_child(ObjectProperty *prop);

/* The target of a link<> property of @obj, or NULL (also for non-links). */
Object *object_property_link_target(Object *obj, ObjectProperty *prop);

/* Free a property struct (not calling release). */
void object_property_free(ObjectProperty *prop);

/* Release and free every property of @obj (used by finalize). */
void object_property_del_all(Object *obj);

/* Name under which @child hangs in @parent, borrowed; NULL if it doesn't. */
const char *object_child_name(Object *parent, Object *child);

#endif /* QOM_OBJECT_INTERNAL_H */
