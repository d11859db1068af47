/* For mremap and MREMAP_DONTUNMAP. */
#define _GNU_SOURCE
#include "os.h"

#include <errno.h>
#include <stdint.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "report.h"

/* Claimed ranges start in [2^44, 2^46): 16 to 64 TiB, below position-
 * independent executables and their brk heap (about 85 TiB) and far below
 * the kernel's own placements, which grow down from 128 TiB. */
#define CLAIM_LOW (1UL << 44)
#define CLAIM_HIGH (1UL << 46)
#define CLAIM_TRIES 8
/* The tiers make a handful of claims, at start-up, one thread at a time. */
#define CLAIMS_MAX 8

/* Claimed ranges are invisible to the kernel: os_claim keeps them apart. */
static struct claim {
  uintptr_t start, end;
} claims[CLAIMS_MAX];
static unsigned claim_count;

static bool overlaps_claim(uintptr_t start, size_t size) {
  for (unsigned k = 0; k < claim_count; k++) {
    if (start < claims[k].end && claims[k].start < start + size) return true;
  }
  return false;
}

static void *reserve_near(void *hint, size_t size) {
  void *p = mmap(hint, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

void *os_reserve(size_t size) {
  char *p = reserve_near(NULL, size);
  /* Tiers tell pointers apart by range: a mapping of the kernel's choosing
   * must not land in a claimed range, as it could where the kernel's own
   * placements ran that far down or a tool places mappings its own way. It
   * goes below the claimed ranges instead. */
  if (p != NULL && overlaps_claim((uintptr_t)p, size)) {
    os_release(p, size);
    p = size < CLAIM_LOW ? reserve_near((void *)(CLAIM_LOW - size), size) : NULL;
    if (p != NULL && overlaps_claim((uintptr_t)p, size)) {
      os_release(p, size);
      p = NULL;
    }
  }
  return p;
}

void *os_reserve_aligned(size_t size, size_t alignment) {
  size_t span = size + alignment - OS_PAGE;
  if (span < size) return NULL;
  char *raw = os_reserve(span);
  if (raw == NULL) return NULL;
  uintptr_t start = ((uintptr_t)raw + alignment - 1) & ~(uintptr_t)(alignment - 1);
  size_t head = start - (uintptr_t)raw;
  size_t tail = span - head - size;
  if (head != 0) os_release(raw, head);
  if (tail != 0) os_release((char *)start + size, tail);
  return (void *)start;
}

/* MAP_FIXED_NOREPLACE (Linux 4.17): a kernel without it takes the address
 * as a hint and may map elsewhere, which counts as a refusal. */
static bool map_at(void *addr, size_t size, int prot) {
  void *p = mmap(addr, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
  if (p == MAP_FAILED) return false;
  if (p != addr) {
    os_release(p, size);
    return false;
  }
  return true;
}

bool os_reserve_at(void *addr, size_t size) { return map_at(addr, size, PROT_NONE); }

bool os_commit_at(void *addr, size_t size) { return map_at(addr, size, PROT_READ | PROT_WRITE); }

/* True when the page at p is free and can be mapped. */
static bool probe(char *p) {
  if (!os_reserve_at(p, OS_PAGE)) return false;
  os_release(p, OS_PAGE);
  return true;
}

static void *claimed(uintptr_t start, size_t size) {
  claims[claim_count++] = (struct claim){start, start + size};
  return (void *)start;
}

void *os_claim(size_t size, size_t alignment) {
  if (claim_count == CLAIMS_MAX) return NULL;
  if (size <= CLAIM_HIGH - CLAIM_LOW - alignment) {
    /* A process run without address randomization (setarch -R, debuggers,
     * record-and-replay) gets the same ranges every time: each after the
     * one claimed before. */
    if ((personality(0xffffffff) & ADDR_NO_RANDOMIZE) != 0) {
      uintptr_t after = claim_count == 0 ? CLAIM_LOW : claims[claim_count - 1].end;
      uintptr_t start = (after + alignment - 1) & ~(uintptr_t)(alignment - 1);
      if (start + size <= CLAIM_HIGH && probe((char *)start)) return claimed(start, size);
    } else {
      size_t slots = (CLAIM_HIGH - CLAIM_LOW - size) / alignment;
      for (int k = 0; k < CLAIM_TRIES; k++) {
        uint64_t r;
        os_random(&r, sizeof r);
        uintptr_t start = CLAIM_LOW + (uintptr_t)(r % slots) * alignment;
        if (!overlaps_claim(start, size) && probe((char *)start)) return claimed(start, size);
      }
    }
  }
  /* The kernel knows a free range of this size: reserved and given back at
   * once, it is still free for the caller's first pieces. */
  char *start = os_reserve_aligned(size, alignment);
  if (start == NULL) return NULL;
  os_release(start, size);
  /* os_reserve never lands in a claimed range: no overlap to check. */
  return claimed((uintptr_t)start, size);
}

bool os_commit(void *addr, size_t size) {
  return mprotect(addr, size, PROT_READ | PROT_WRITE) == 0;
}

void os_decommit(void *addr, size_t size) {
  /* A fixed mapping over the range drops its pages and its commit charge in
   * one step, where madvise + mprotect would take two and split VMAs. */
  void *p = mmap(addr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
                 -1, 0);
  if (p == MAP_FAILED) report_os_failure("mmap", addr, errno);
}

void os_protect_read(void *addr, size_t size) {
  if (mprotect(addr, size, PROT_READ) != 0) report_os_failure("mprotect", addr, errno);
}

void os_purge(void *addr, size_t size) {
  if (madvise(addr, size, MADV_DONTNEED) != 0) report_os_failure("madvise", addr, errno);
}

int os_move(void *from, void *to, size_t size) {
  /* DONTUNMAP keeps `from` reserved, so no other mapping can take its
   * addresses while they are quarantined. */
  void *p = mremap(from, size, size, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, to);
  return p == MAP_FAILED ? errno : 0;
}

void os_release(void *addr, size_t size) {
  if (munmap(addr, size) != 0) report_os_failure("munmap", addr, errno);
}

bool os_is_mapped(const void *addr, size_t size) {
  /* msync fails with ENOMEM exactly when part of the range is unmapped. */
  return msync((void *)(uintptr_t)addr, size, MS_ASYNC) == 0;
}

void os_futex_wait(uint32_t *word, uint32_t expected) {
  /* EAGAIN (the word changed), EINTR: the caller looks again. */
  (void)syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

void os_futex_wake(uint32_t *word) { (void)syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0); }

void os_random(void *buf, size_t len) {
  char *out = buf;
  while (len > 0) {
    ssize_t got = getrandom(out, len, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      report_os_failure("getrandom", buf, errno);
    }
    out += got;
    len -= (size_t)got;
  }
}
