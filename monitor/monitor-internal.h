/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared inside monitor/; not a public API. */
#ifndef MONITOR_INTERNAL_H
#define MONITOR_INTERNAL_H

#include "monitor/qmp.h"

/* Write @line (one JSON text, no newline) to every negotiated monitor. */
void monitor_broadcast_line(const char *line);

/* Serialize @node compactly; caller frees. */
char *qmp_node_to_line(JsonNode *node);

/* {"qemu": {"micro", "minor", "major"}, "package"}; caller unrefs. */
JsonObject *qmp_version_object(void);

#endif /* MONITOR_INTERNAL_H */
