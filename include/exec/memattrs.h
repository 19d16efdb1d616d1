/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Transaction attributes and results of guest-physical accesses.
 *
 * MemTxResult is a bit mask: an access that crosses several regions ORs
 * together the result of each piece, so a caller can test for any error
 * with "!= MEMTX_OK".
 */
#ifndef EXEC_MEMATTRS_H
#define EXEC_MEMATTRS_H

#include "qemu/osdep.h"

/* Who makes an access and how; passed through to I/O callbacks. */
typedef struct MemTxAttrs {
    /* The issuer did not say (the common case for devices and tests). */
    unsigned int unspecified:1;
    /* Secure-world access (unused on x86, kept for API shape). */
    unsigned int secure:1;
    /* PCI requester id of the issuing device, 0 if none. */
    unsigned int requester_id:16;
} MemTxAttrs;

#define MEMTXATTRS_UNSPECIFIED ((MemTxAttrs) { .unspecified = 1 })

typedef uint32_t MemTxResult;
#define MEMTX_OK            0u
/* The target exists but refused the access (e.g. write to read-only). */
#define MEMTX_ERROR         (1u << 0)
/* Nothing decodes the address, or the access size/alignment is invalid. */
#define MEMTX_DECODE_ERROR  (1u << 1)
/* The access was rejected for lack of permission. */
#define MEMTX_ACCESS_ERROR  (1u << 2)

#endif /* EXEC_MEMATTRS_H */
