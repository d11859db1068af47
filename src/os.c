/* For mremap and MREMAP_DONTUNMAP. */
#define _GNU_SOURCE
#include "os.h"

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include "report.h"

void *os_reserve(size_t size) {
  void *p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? NULL : p;
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

void os_protect_none(void *addr, size_t size) {
  if (mprotect(addr, size, PROT_NONE) != 0) report_os_failure("mprotect", addr, errno);
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
