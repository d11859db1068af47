/*
 * The wd_* entry points: standard semantics (errno, NULL, EINVAL) on top of
 * the three tiers. A request is routed to a tier by size and alignment; a
 * pointer is routed back by the address range it lies in.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "api_fast.h"
#include "bits.h"
#include "config.h"
#include "heap.h"
#include "large.h"
#include "medium.h"
#include "os.h"
#include "report.h"
#include "size_class.h"
#include "small.h"
#include "tcache.h"
#include "warden.h"

/* Sizes beyond this are refused outright: no object may be larger than
 * PTRDIFF_MAX, and the guard pages and rounding must not overflow. */
#define MAX_REQUEST ((size_t)PTRDIFF_MAX - 2 * OS_PAGE)

typedef enum tier { TIER_SMALL, TIER_MEDIUM, TIER_LARGE } tier_t;

typedef struct route {
  tier_t tier;
  unsigned cls; /* small class */
} route_t;

/* Where a request of n bytes at `alignment` (a power of two) is served. The
 * same function decides allocation and checks sized frees, so they agree. */
static route_t route(size_t n, size_t alignment) {
  if (alignment <= 16) {
    if (n == 0) return (route_t){TIER_SMALL, 0};
    if (n <= SMALL_MAX_REQUEST) return (route_t){TIER_SMALL, small_class_of(n + SMALL_CANARY)};
    if (n <= WD_MEDIUM_MAX) return (route_t){TIER_MEDIUM, 0};
    return (route_t){TIER_LARGE, 0};
  }
  /* Power-of-two classes have every slot aligned to the class size. */
  size_t slot = n + SMALL_CANARY < alignment ? alignment : n + SMALL_CANARY;
  if (slot <= SMALL_MAX_SLOT) {
    size_t pow2 = (size_t)1 << (log2_floor(slot - 1) + 1);
    return (route_t){TIER_SMALL, small_class_of(pow2)};
  }
  if (alignment <= OS_PAGE && n <= WD_MEDIUM_MAX) return (route_t){TIER_MEDIUM, 0};
  return (route_t){TIER_LARGE, 0};
}

/* `zero`: the caller needs zeroed memory (only the large tier acts on it;
 * calloc clears the others). */
static void *allocate(size_t n, size_t alignment, bool zero) {
  heap_ensure_ready();
  if (n > MAX_REQUEST) {
    errno = ENOMEM;
    return NULL;
  }
  route_t r = route(n, alignment);
  void *p;
  switch (r.tier) {
    case TIER_SMALL:
      p = tcache_alloc(r.cls);
      if (p == NULL) p = small_alloc(r.cls);
      break;
    case TIER_MEDIUM: p = medium_alloc(n, alignment); break;
    default: p = large_alloc(n, alignment, zero); break;
  }
  if (p == NULL) errno = ENOMEM;
  return p;
}

/* A live allocation, as one lookup of its pointer finds it: everything the
 * entry points below decide on, so that none looks the pointer up again. */
typedef struct block {
  tier_t tier;
  unsigned cls;     /* small: its class */
  size_t usable;    /* bytes the owner may use */
  size_t requested; /* large: the size it was requested with */
} block_t;

/* The live allocation at p, or the end of the process: `bad`
 * (MISUSE_INVALID_FREE or MISUSE_INVALID_POINTER) names a pointer that was
 * never one, misuse_freed(bad) one that was freed. */
static block_t lookup(const void *p, misuse_t bad) {
  if (small_owns(p)) {
    unsigned c = small_class_of_live(p, bad);
    return (block_t){TIER_SMALL, c, small_usable(c), 0};
  }
  if (medium_owns(p)) return (block_t){TIER_MEDIUM, 0, medium_usable(p, bad), 0};
  /* Before the first allocation nothing can be Warden's. */
  WD_CHECK(heap_ready, bad, p, REPORT_OUTSIDE);
  size_t requested;
  size_t usable = large_usable(p, &requested, bad);
  return (block_t){TIER_LARGE, 0, usable, requested};
}

/* How reports name b: its slot, block or requested size. */
static report_where_t where_of(block_t b) {
  switch (b.tier) {
    case TIER_SMALL: return REPORT_SMALL(small_class_size(b.cls));
    case TIER_MEDIUM: return REPORT_MEDIUM(medium_block_size(b.usable));
    default: return REPORT_LARGE(b.requested);
  }
}

/* Frees p, of a tier (and small class) already known. The tier checks the
 * pointer again as it takes it back: another thread may have freed it
 * since it was looked up. */
static void release_in(void *p, tier_t tier, unsigned cls) {
  switch (tier) {
    case TIER_SMALL:
      if (!tcache_free(p, cls)) small_free(p);
      break;
    case TIER_MEDIUM: medium_free(p); break;
    default: large_free(p); break;
  }
}

static void release(void *p) {
  if (small_owns(p)) {
    release_in(p, TIER_SMALL, small_class_at(p));
  } else if (medium_owns(p)) {
    release_in(p, TIER_MEDIUM, 0);
  } else {
    WD_CHECK(heap_ready, MISUSE_INVALID_FREE, p, REPORT_OUTSIDE);
    release_in(p, TIER_LARGE, 0);
  }
}

void *api_malloc_slow(size_t size) { return allocate(size, 1, false); }

void api_free_slow(void *ptr) {
  if (ptr != NULL) release(ptr);
}

void *wd_malloc(size_t size) { return api_malloc(size); }

void wd_free(void *ptr) { api_free(ptr); }

void *wd_calloc(size_t count, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(count, size, &total)) {
    errno = ENOMEM;
    return NULL;
  }
  void *p = allocate(total, 1, true);
  if (p == NULL) return NULL;
  /* Small slots and medium blocks come zeroed when they are zeroed on free;
   * large mappings come fresh from the kernel or were cleared by large_alloc. */
  route_t r = route(total, 1);
  bool zeroed = r.tier == TIER_LARGE || (r.tier == TIER_SMALL && small_hands_out_zero(r.cls)) ||
                (r.tier == TIER_MEDIUM && medium_hands_out_zero());
  if (!zeroed) memset(p, 0, total);
  return p;
}

void *wd_realloc(void *ptr, size_t size) {
  if (ptr == NULL) return allocate(size, 1, false);
  if (size == 0) {
    /* As glibc does: the block is freed and NULL returned. */
    release(ptr);
    return NULL;
  }
  block_t b = lookup(ptr, MISUSE_INVALID_FREE);
  if (size <= MAX_REQUEST) {
    route_t want = route(size, 1);
    if (want.tier == b.tier) {
      if (b.tier == TIER_SMALL && b.cls == want.cls) return ptr;
      if (b.tier == TIER_MEDIUM && medium_resize(ptr, size)) return ptr;
      if (b.tier == TIER_LARGE && large_resize(ptr, size)) return ptr;
    }
  }
  void *q = allocate(size, 1, false);
  if (q == NULL) return NULL;
  size_t old = b.usable;
  memcpy(q, ptr, old < size ? old : size);
  release_in(ptr, b.tier, b.cls);
  return q;
}

void *wd_reallocarray(void *ptr, size_t count, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(count, size, &total)) {
    errno = ENOMEM;
    return NULL;
  }
  return wd_realloc(ptr, total);
}

void *wd_aligned_alloc(size_t alignment, size_t size) {
  if (!is_pow2(alignment)) {
    errno = EINVAL;
    return NULL;
  }
  return allocate(size, alignment, false);
}

void *wd_memalign(size_t alignment, size_t size) { return wd_aligned_alloc(alignment, size); }

int wd_posix_memalign(void **out, size_t alignment, size_t size) {
  if (!is_pow2(alignment) || alignment % sizeof(void *) != 0) return EINVAL;
  int saved = errno;
  void *p = allocate(size, alignment, false);
  errno = saved;
  if (p == NULL) return ENOMEM;
  *out = p;
  return 0;
}

void *wd_valloc(size_t size) { return allocate(size, OS_PAGE, false); }

void *wd_pvalloc(size_t size) {
  if (size > MAX_REQUEST) {
    errno = ENOMEM;
    return NULL;
  }
  return allocate(size == 0 ? OS_PAGE : align_up(size, OS_PAGE), OS_PAGE, false);
}

size_t wd_malloc_usable_size(void *ptr) {
  if (ptr == NULL) return 0;
  return lookup(ptr, MISUSE_INVALID_POINTER).usable;
}

/* Ends the process unless ptr is a live allocation that a request of
 * `size` bytes at `alignment` produced; returns it. */
static block_t check_size(void *ptr, size_t size, size_t alignment) {
  block_t b = lookup(ptr, MISUSE_INVALID_FREE);
  bool ok = size <= MAX_REQUEST;
  if (ok) {
    route_t want = route(size, alignment);
    switch (b.tier) {
      case TIER_SMALL: ok = want.tier == TIER_SMALL && want.cls == b.cls; break;
      case TIER_MEDIUM: ok = want.tier == TIER_MEDIUM && medium_size_matches(b.usable, size); break;
      default: ok = want.tier == TIER_LARGE && b.requested == size; break;
    }
  }
  WD_CHECK(ok, MISUSE_SIZE_MISMATCH, ptr, where_of(b));
  return b;
}

void wd_free_sized(void *ptr, size_t size) {
  if (ptr == NULL) return;
  block_t b = check_size(ptr, size, 1);
  release_in(ptr, b.tier, b.cls);
}

void wd_free_aligned_sized(void *ptr, size_t alignment, size_t size) {
  if (ptr == NULL) return;
  block_t b = check_size(ptr, size, is_pow2(alignment) ? alignment : 1);
  release_in(ptr, b.tier, b.cls);
}
