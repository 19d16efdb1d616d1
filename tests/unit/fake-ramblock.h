/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test-only fake of exec/ramblock.h; see fake-ramblock.c. */
#ifndef TESTS_UNIT_FAKE_RAMBLOCK_H
#define TESTS_UNIT_FAKE_RAMBLOCK_H

/* Blocks allocated and not yet freed (to check regions free theirs). */
extern unsigned fake_ram_blocks_live;

#endif
