/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * KVM memory slots from a FlatView (accel/kvm/kvm-slots.c).
 *
 * A KvmSlotTable is a MemoryListener on one address space.  Between
 * begin and commit it collects the RAM sections of the new view; at
 * commit it changes the slots to match: slots still exactly right stay
 * untouched, the others are deleted, then the uncovered parts of RAM get
 * new slots.  KVM itself is reached only through KvmSlotOps so that a
 * unit test can put a fake in its place.
 *
 * What KVM guarantees (and what the order relies on): one
 * KVM_SET_USER_MEMORY_REGION call is atomic for running vCPUs; slots may
 * not overlap (EEXIST); a slot's size or host address cannot change in
 * place (EINVAL), only its flags or guest address.  So growing RAM is a
 * new slot for the added part (no window at all), while shrinking or
 * remapping RAM that stays partly mapped is delete-then-create: between
 * the two calls a vCPU access to that part is an MMIO exit, which the
 * vCPU serves through the memory API under the BQL *after* this commit
 * finished (the listener runs with the BQL held), i.e. from the same RAM.
 * Data accesses therefore never see still-mapped RAM missing; only an
 * instruction fetch or a page-table walk in such a part could fail, and
 * the table counts those bytes (kvm_slots_stats) so tests can check that
 * growth never re-creates anything.
 *
 * Budget: one slot per contiguous RAM piece (split further only where a
 * piece grew in steps: each growth step adds one slot until the piece is
 * shrunk or remapped, which re-creates it as one).  A piece that cannot
 * get a slot (table full) is left to MMIO exits: correct but slow, and
 * reported once per commit.  Ranges are clipped to 4 KiB pages; a
 * sub-page head or tail is served by MMIO exits too.
 *
 * Dirty logging: between memory_global_dirty_log_start and _stop every
 * writable slot carries KVM_SLOT_FLAG_LOG_DIRTY (set in place on the
 * existing slots, which KVM allows for flags); memory_global_dirty_log_sync
 * reads each slot's log with one get_dirty_log call and marks the written
 * runs in the RAM blocks' dirty logs (qemu_ram_mark_dirty_range, one call
 * per run of set bits).  A slot deleted while logging is read first, so
 * no write is lost when the view changes under migration.
 */
#ifndef ACCEL_KVM_KVM_SLOTS_H
#define ACCEL_KVM_KVM_SLOTS_H

#include "exec/memory.h"

/* KVM's slot flags as passed to KvmSlotOps.set_slot. */
#define KVM_SLOT_FLAG_LOG_DIRTY (1u << 0)   /* KVM_MEM_LOG_DIRTY_PAGES */
#define KVM_SLOT_FLAG_READONLY  (1u << 1)   /* KVM_MEM_READONLY */

typedef struct KvmSlotOps {
    /*
     * Install slot @id as [@gpa, @gpa + @size) -> @hva with @flags, or
     * delete it when @size is 0.  Returns 0 or -errno (as the ioctl).
     */
    int (*set_slot)(void *opaque, unsigned id, uint32_t flags, uint64_t gpa,
                    uint64_t size, void *hva);
    /*
     * Dirty logging (optional; without it the table ignores the memory
     * API's global dirty log).  Fill @bitmap (one bit per 4 KiB page of
     * slot @id, rounded up to 64 bits, zeroed by the caller) with the
     * pages written since the last call or since KVM_SLOT_FLAG_LOG_DIRTY
     * was set, and clear them in KVM (KVM_GET_DIRTY_LOG).  0 or -errno.
     */
    int (*get_dirty_log)(void *opaque, unsigned id, unsigned long *bitmap);
} KvmSlotOps;

typedef struct KvmSlotStats {
    uint64_t created;           /* slots installed */
    uint64_t deleted;           /* slots removed */
    uint64_t recreated_bytes;   /* still-mapped bytes deleted and re-added */
    uint64_t failed;            /* pieces left without a slot */
    uint64_t log_syncs;         /* get_dirty_log calls */
} KvmSlotStats;

typedef struct KvmSlotTable KvmSlotTable;

/*
 * A table of at most @nr_max slots (KVM_CAP_NR_MEMSLOTS) that reaches
 * KVM through @ops/@opaque.  @readonly_ok: KVM_CAP_READONLY_MEM; without
 * it read-only RAM gets no slot (MMIO exits).  Free with kvm_slots_free.
 */
KvmSlotTable *kvm_slots_new(const KvmSlotOps *ops, void *opaque,
                            unsigned nr_max, bool readonly_ok);

/* Follow @as from now on (installs slots for its current view). */
void kvm_slots_listen(KvmSlotTable *t, AddressSpace *as);

/* Stop following (deletes every slot) and free. */
void kvm_slots_free(KvmSlotTable *t);

/* Slots currently installed. */
unsigned kvm_slots_count(const KvmSlotTable *t);

/* Counters since creation. */
KvmSlotStats kvm_slots_stats(const KvmSlotTable *t);

#endif /* ACCEL_KVM_KVM_SLOTS_H */
