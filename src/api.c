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
#include "medium_block.h"
#include "os.h"
#include "report.h"
#include "size_class.h"
#include "small.h"
#include "small_slot.h"
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

static tier_t tier_of(const void *p) {
  if (small_owns(p)) return TIER_SMALL;
  if (medium_owns(p)) return TIER_MEDIUM;
  return TIER_LARGE;
}

static void release(void *p) {
  switch (tier_of(p)) {
    case TIER_SMALL:
      if (!tcache_free(p, small_class_at(p))) small_free(p);
      break;
    case TIER_MEDIUM: medium_free(p); break;
    default:
      /* Before the first allocation nothing can be Warden's. */
      WD_CHECK(heap_ready, "invalid free", p, REPORT_OUTSIDE);
      large_free(p);
      break;
  }
}

/* Usable bytes of a live allocation; `bad` and `freed` name the misuse. */
static size_t usable(const void *p, const char *bad, const char *freed) {
  switch (tier_of(p)) {
    case TIER_SMALL: return small_usable(small_class_of_live(p, bad, freed));
    case TIER_MEDIUM: return medium_usable(p, bad, freed);
    default:
      WD_CHECK(heap_ready, bad, p, REPORT_OUTSIDE);
      return large_usable(p, NULL, bad, freed);
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
  bool zeroed = r.tier == TIER_LARGE || (r.tier == TIER_SMALL && (r.cls == 0 || small_zeroing())) ||
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
  size_t old = usable(ptr, "invalid free", "double free");
  if (size <= MAX_REQUEST) {
    route_t want = route(size, 1);
    tier_t have = tier_of(ptr);
    if (want.tier == have) {
      if (have == TIER_SMALL && small_class_of_live(ptr, "invalid free", "double free") == want.cls) {
        return ptr;
      }
      if (have == TIER_MEDIUM && medium_resize(ptr, size)) return ptr;
      if (have == TIER_LARGE && large_resize(ptr, size)) return ptr;
    }
  }
  void *q = allocate(size, 1, false);
  if (q == NULL) return NULL;
  memcpy(q, ptr, old < size ? old : size);
  release(ptr);
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
  return usable(ptr, "invalid pointer", "pointer to freed memory");
}

/* Ends the process unless a live ptr is what a request of `size` bytes at
 * `alignment` produced. */
static void check_size(void *ptr, size_t size, size_t alignment) {
  size_t have = usable(ptr, "invalid free", "double free");
  tier_t tier = tier_of(ptr);
  route_t want = route(size, alignment);
  bool ok = want.tier == tier && size <= MAX_REQUEST;
  if (ok && tier == TIER_SMALL) ok = small_class_of_live(ptr, "invalid free", "double free") == want.cls;
  if (ok && tier == TIER_MEDIUM) ok = medium_size_matches(have, size);
  size_t requested = 0;
  if (tier == TIER_LARGE) large_usable(ptr, &requested, "invalid free", "double free");
  if (ok && tier == TIER_LARGE) ok = requested == size;
  if (ok) return;
  if (tier == TIER_SMALL) {
    report_fatal("size mismatch", ptr, REPORT_SMALL(small_class_size(small_class_of_live(ptr, "", ""))));
  }
  report_fatal("size mismatch", ptr,
               tier == TIER_MEDIUM ? REPORT_MEDIUM(medium_block_size(have)) : REPORT_LARGE(requested));
}

void wd_free_sized(void *ptr, size_t size) {
  if (ptr == NULL) return;
  check_size(ptr, size, 1);
  release(ptr);
}

void wd_free_aligned_sized(void *ptr, size_t alignment, size_t size) {
  if (ptr == NULL) return;
  check_size(ptr, size, is_pow2(alignment) ? alignment : 1);
  release(ptr);
}
