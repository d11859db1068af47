/*
 * The only place Warden talks to the kernel: memory, randomness, and the
 * futex its locks sleep on.
 *
 * Every address and length passed in must be page aligned (os_page_size()).
 * None of these functions allocates, so they are safe on the failure path.
 */
#ifndef WD_OS_H
#define WD_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OS_PAGE 4096UL

/* The span one last-level page table maps. os_move moves a whole table, not
 * its entries, for each span the source and destination both cover from
 * boundary to boundary; that needs them congruent modulo the span. Where
 * the hypervisor shadows page tables, a page whose entry was moved or
 * rewritten costs about as much on its next touch as a fresh page fault,
 * and a page whose table was moved costs nothing. */
#define OS_TABLE_SPAN (512 * OS_PAGE)

/* Reserves `size` bytes of address space with no access and no commit
 * charge, where the kernel chooses but never inside a claimed range
 * (os_claim). Returns NULL when the kernel refuses. */
void *os_reserve(size_t size);

/* Like os_reserve, but the start is aligned to `alignment` (a power of two,
 * at least a page); the unaligned ends are given back. */
void *os_reserve_aligned(size_t size, size_t alignment);

/* Picks where `size` bytes of address space aligned to `alignment` will
 * be, for a range that its user maps piece by piece as it grows
 * (os_reserve_at, os_commit_at): only the pieces count against the address
 * space limit (ulimit -v) and cost page tables. Nothing is mapped. The
 * start is drawn at random far below where the kernel puts mappings it
 * places itself, and its first page is checked free by reserving it (and
 * giving it back); failing that (a tool such as valgrind that limits
 * addresses), the kernel is asked for a free range of the size, which is
 * given back and used. NULL when neither works. */
void *os_claim(size_t size, size_t alignment);

/* Reserves [addr, addr + size) as os_reserve does, at exactly that place.
 * False, with nothing changed, when part of it is mapped already (by
 * anyone) or the kernel refuses: a claimed range is never taken from
 * another mapping. */
bool os_reserve_at(void *addr, size_t size);

/* Maps [addr, addr + size) readable and writable (pages read as zero), at
 * exactly that place; false, with nothing changed, as os_reserve_at. */
bool os_commit_at(void *addr, size_t size);

/* Makes reserved pages readable and writable. Pages never written read as
 * zero. Returns false when the commit limit is reached. */
bool os_commit(void *addr, size_t size);

/* Gives the pages' memory back and makes them inaccessible again; the
 * address range stays reserved. Later reads fault; a later os_commit
 * returns zero pages. */
void os_decommit(void *addr, size_t size);

/* Makes pages read-only (metadata that is final after initialization). */
void os_protect_read(void *addr, size_t size);

/* Gives the pages' memory back but keeps them accessible; they read as
 * zero afterwards. */
void os_purge(void *addr, size_t size);

/* Moves the pages of [from, from + size) to [to, to + size), which must be
 * reserved and is replaced, without copying or faulting: `to` gets the
 * memory, its contents and from's protection, while `from` stays mapped
 * with its protection but without pages (it would read as zero). Returns 0,
 * or the error, having changed nothing: EINVAL when this kernel cannot
 * (before Linux 5.7), anything else for this range only (it spans mappings
 * the kernel did not merge, or page tables are out of memory). */
int os_move(void *from, void *to, size_t size);

/* Returns the range to the kernel; it may be handed to anyone afterwards. */
void os_release(void *addr, size_t size);

/* True when every page of the range is mapped (whatever its protection). */
bool os_is_mapped(const void *addr, size_t size);

/* Sleeps while *word holds `expected`, until os_futex_wake on the same word
 * (or for no reason: callers check again). Private to the process. */
void os_futex_wait(uint32_t *word, uint32_t expected);

/* Wakes one thread sleeping on word, if any. */
void os_futex_wake(uint32_t *word);

/* Fills buf with `len` bytes from the kernel's random generator; ends the
 * process if the kernel cannot provide them (secrets must never be weak). */
void os_random(void *buf, size_t len);

#endif /* WD_OS_H */
