#include "large.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "bits.h"
#include "config.h"
#include "lock.h"
#include "os.h"
#include "quarantine.h"
#include "random.h"
#include "recent.h"
#include "report.h"
#include "sealed.h"

#define GUARD OS_PAGE
#define INITIAL_CAPACITY 256
#define Q_RANDOM_CAP (WD_LARGE_QUARANTINE_RANDOM > 0 ? WD_LARGE_QUARANTINE_RANDOM : 1)
#define Q_FIFO_CAP (WD_LARGE_QUARANTINE_FIFO > 0 ? WD_LARGE_QUARANTINE_FIFO : 1)

typedef struct record {
  uintptr_t ptr;   /* 0: empty slot */
  size_t size;     /* as requested */
  uintptr_t map;   /* the whole mapping, guards included */
  size_t map_size;
} record_t;

/* A freed mapping kept for reuse. Pages before `held` have no memory; the
 * ones from there to the end guard may. */
typedef struct cached {
  uintptr_t map;
  size_t map_size;
  uintptr_t held;
  uintptr_t ptr; /* the freed allocation, when kept at its own address; else 0 */
  size_t size;   /* its requested size, for naming a double free */
  bool open;     /* read-write (moved where no pointer reaches) or inaccessible */
} cached_t;

/* The table lives in its own mapping, away from user data; it is an open
 * addressing hash table with linear probing and no tombstones (removal
 * shifts later entries back), so lookups stay short without rebuilds. */
static struct {
  lock_t lock;
  record_t *table;
  size_t capacity; /* a power of two */
  size_t count;
  size_t bytes;
  recent_free_t freed[WD_LARGE_FREED_MEMORY]; /* recent unmaps, for naming double frees */
  size_t freed_next;
  /* Freed mappings wait in the quarantine with no access and no memory
   * before they are unmapped, so a dangling pointer faults instead of
   * reaching a new allocation. Its entries are indices + 1 into `held`,
   * whose records are the quarantined mappings (ptr 0: unused); one more
   * than the quarantine holds, for the mapping on its way in. */
  random_t rng;
  quarantine_t q;
  uintptr_t q_random[Q_RANDOM_CAP];
  uintptr_t q_fifo[Q_FIFO_CAP];
  record_t held[Q_RANDOM_CAP + Q_FIFO_CAP + 1];
  /* Oldest first; cache_bytes sums what their pages may hold. */
  cached_t cache[WD_LARGE_CACHE_ENTRIES];
  size_t cache_count;
  size_t cache_bytes;
  bool cannot_move; /* this kernel has no os_move: mappings stay where they are */
} large = {.lock = LOCK_INIT};

static size_t table_bytes(size_t capacity) { return align_up(capacity * sizeof(record_t), OS_PAGE); }

static record_t *table_map(size_t capacity) {
  size_t bytes = table_bytes(capacity);
  char *t = os_reserve(bytes + 2 * GUARD);
  if (t == NULL) return NULL;
  if (!os_commit(t + GUARD, bytes)) {
    os_release(t, bytes + 2 * GUARD);
    return NULL;
  }
  return (record_t *)(void *)(t + GUARD);
}

static void table_unmap(record_t *t, size_t capacity) {
  os_release((char *)t - GUARD, table_bytes(capacity) + 2 * GUARD);
}

bool large_init(void) {
  random_seed(&large.rng);
  large.table = table_map(INITIAL_CAPACITY);
  large.capacity = INITIAL_CAPACITY;
  return large.table != NULL;
}

static size_t home(uintptr_t ptr, size_t capacity) {
  uint64_t h = (uint64_t)ptr * 0x9e3779b97f4a7c15ULL;
  return (size_t)(h >> 32) & (capacity - 1);
}

static void place(record_t *t, size_t capacity, record_t r) {
  size_t i = home(r.ptr, capacity);
  while (t[i].ptr != 0) i = (i + 1) & (capacity - 1);
  t[i] = r;
}

static bool grow(void) {
  size_t capacity = large.capacity * 2;
  record_t *t = table_map(capacity);
  if (t == NULL) return false;
  for (size_t i = 0; i < large.capacity; i++) {
    if (large.table[i].ptr != 0) place(t, capacity, large.table[i]);
  }
  table_unmap(large.table, large.capacity);
  large.table = t;
  large.capacity = capacity;
  return true;
}

static record_t *find(uintptr_t ptr) {
  size_t mask = large.capacity - 1;
  for (size_t i = home(ptr, large.capacity);; i = (i + 1) & mask) {
    if (large.table[i].ptr == ptr) return &large.table[i];
    if (large.table[i].ptr == 0) return NULL;
  }
}

static void erase(record_t *r) {
  size_t mask = large.capacity - 1;
  size_t hole = (size_t)(r - large.table);
  large.table[hole].ptr = 0;
  for (size_t i = (hole + 1) & mask; large.table[i].ptr != 0; i = (i + 1) & mask) {
    size_t want = home(large.table[i].ptr, large.capacity);
    /* Move the entry back into the hole unless its home lies after the hole
     * (cyclically), where a lookup would never reach it. */
    if (((i - want) & mask) >= ((i - hole) & mask)) {
      large.table[hole] = large.table[i];
      large.table[i].ptr = 0;
      hole = i;
    }
  }
}

/* The allocation's first byte: as late as `alignment` allows, so that it
 * ends (rounded to 16) at the guard page. */
static uintptr_t placement(uintptr_t map, size_t region, size_t n, size_t alignment) {
  uintptr_t end = map + GUARD + region;
  return align_down(end - align_up(n, 16), alignment < 16 ? 16 : alignment);
}

static size_t held_bytes(const cached_t *c) { return c->map + c->map_size - GUARD - c->held; }

static void remember_freed(uintptr_t ptr, size_t size) {
  recent_add(large.freed, WD_LARGE_FREED_MEMORY, &large.freed_next, ptr, size);
}

/* Removes entry k, keeping the rest oldest first. */
static cached_t cache_take(size_t k) {
  cached_t c = large.cache[k];
  memmove(&large.cache[k], &large.cache[k + 1], (large.cache_count - k - 1) * sizeof(cached_t));
  large.cache_count--;
  large.cache_bytes -= held_bytes(&c);
  return c;
}

/* Makes room for an entry holding `bytes`, unmapping the oldest entries;
 * false if the budget could never hold it. */
static bool cache_room(size_t bytes) {
  if (bytes > WD_LARGE_CACHE_BYTES) return false;
  while (large.cache_count == WD_LARGE_CACHE_ENTRIES || large.cache_bytes + bytes > WD_LARGE_CACHE_BYTES) {
    cached_t old = cache_take(0);
    if (old.ptr != 0) remember_freed(old.ptr, old.size);
    os_release((void *)old.map, old.map_size);
  }
  return true;
}

static void cache_put(cached_t c) {
  large.cache[large.cache_count++] = c;
  large.cache_bytes += held_bytes(&c);
}

/* Takes the cached mapping that saves the most page faults for `region`
 * bytes: the smallest with room, if it is at most twice that (a bigger one
 * would hold its excess pages only to drop them), else the biggest smaller
 * one that holds at least a quarter of it (its pages move to a wider
 * mapping). */
static bool cache_fit(size_t region, cached_t *out) {
  size_t best = SIZE_MAX, best_region = SIZE_MAX, grow = SIZE_MAX, grow_held = 0;
  for (size_t k = 0; k < large.cache_count; k++) {
    size_t have = large.cache[k].map_size - 2 * GUARD;
    size_t held = held_bytes(&large.cache[k]);
    if (have >= region && have / 2 <= region && have < best_region) {
      best = k;
      best_region = have;
    } else if (have < region && held >= region / 4 && held > grow_held && !large.cannot_move) {
      grow = k;
      grow_held = held;
    }
  }
  if (best == SIZE_MAX) best = grow;
  if (best == SIZE_MAX) return false;
  *out = cache_take(best);
  return true;
}

/* Readies a cached mapping for an allocation that needs the last `region`
 * bytes before its end guard. A wider one keeps its pages in front, without
 * memory and inaccessible, like a wider guard; a narrower one has its pages
 * moved to the end of a new mapping of the right size and is unmapped. */
static bool reuse(cached_t *c, size_t region) {
  uintptr_t end = c->map + c->map_size - GUARD;
  if (c->map_size - 2 * GUARD < region) {
    size_t map_size = region + 2 * GUARD;
    char *map = os_reserve(map_size);
    if (map == NULL) return false;
    size_t bytes = held_bytes(c);
    if (os_move((void *)c->held, map + GUARD + region - bytes, bytes) != 0 || !os_commit(map + GUARD, region)) {
      os_release(map, map_size);
      return false;
    }
    os_release((void *)c->map, c->map_size);
    *c = (cached_t){(uintptr_t)map, map_size, (uintptr_t)map + GUARD, c->ptr, c->size, true};
    return true;
  }
  uintptr_t start = end - region;
  if (start > c->held) os_decommit((void *)c->held, start - c->held);
  if (!c->open) return os_commit((void *)start, region);
  return start >= c->held || os_commit((void *)start, c->held - start);
}

void *large_alloc(size_t n, size_t alignment, bool zero) {
  size_t rounded = align_up(n, 16);
  size_t slack = alignment > OS_PAGE ? alignment - OS_PAGE : 0;
  if (rounded < n || rounded + slack < rounded || rounded + slack > SIZE_MAX / 2) return NULL;
  size_t region = align_up(rounded + slack, OS_PAGE);
  cached_t c;
  lock_acquire(&large.lock);
  bool hit = cache_fit(region, &c);
  lock_release(&large.lock);
  char *map;
  size_t map_size;
  if (hit && reuse(&c, region)) {
    map = (char *)c.map;
    map_size = c.map_size;
  } else {
    if (hit) os_release((void *)c.map, c.map_size);
    hit = false;
    map_size = region + 2 * GUARD;
    map = os_reserve(map_size);
    if (map == NULL) return NULL;
    if (!os_commit(map + GUARD, region)) {
      os_release(map, map_size);
      return NULL;
    }
  }
  record_t r = {placement((uintptr_t)map, map_size - 2 * GUARD, n, alignment), n, (uintptr_t)map, map_size};
  /* Reused pages hold what the last owner left there; the default build
   * lets no freed data reach a new owner, as with small slots. */
  if (hit && (zero || sealed.options.zero_on_free)) memset((void *)r.ptr, 0, r.map + map_size - GUARD - r.ptr);
  lock_acquire(&large.lock);
  /* A freed allocation kept at its own address that moved away leaves its
   * address for the double-free memory. */
  if (hit && c.ptr != 0 && c.ptr != r.ptr) remember_freed(c.ptr, c.size);
  if ((large.count + 1) * 2 > large.capacity && !grow()) {
    lock_release(&large.lock);
    os_release(map, map_size);
    return NULL;
  }
  place(large.table, large.capacity, r);
  large.count++;
  large.bytes += map_size - 2 * GUARD;
  lock_release(&large.lock);
  return (void *)r.ptr;
}

/* Reports p, which starts no live allocation: a double free if it was
 * freed lately, an interior pointer if a live mapping holds it. Only the
 * failure path scans the whole table. */
_Noreturn static void report_unknown(const void *p, misuse_t bad) {
  misuse_t freed = misuse_freed(bad);
  uintptr_t a = (uintptr_t)p;
  for (size_t i = 0; i < Q_RANDOM_CAP + Q_FIFO_CAP + 1 && a != 0; i++) {
    const record_t *q = &large.held[i];
    if (q->ptr == a) report_fatal(freed, p, REPORT_LARGE(q->size));
    if (q->ptr != 0 && a - q->map < q->map_size) report_fatal(bad, p, REPORT_LARGE(q->size));
  }
  for (size_t i = 0; i < large.cache_count && a != 0; i++) {
    const cached_t *c = &large.cache[i];
    if (c->ptr == a) report_fatal(freed, p, REPORT_LARGE(c->size));
    if (c->ptr != 0 && a - c->map < c->map_size) report_fatal(bad, p, REPORT_LARGE(c->size));
  }
  const recent_free_t *gone = recent_find(large.freed, WD_LARGE_FREED_MEMORY, a);
  if (gone != NULL) report_fatal(freed, p, REPORT_LARGE(gone->size));
  for (size_t i = 0; i < large.capacity; i++) {
    const record_t *r = &large.table[i];
    if (r->ptr != 0 && a - r->map < r->map_size) report_fatal(bad, p, REPORT_LARGE(r->size));
  }
  report_fatal(bad, p, REPORT_OUTSIDE);
}

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* Puts a freed mapping, already inaccessible and empty, in quarantine;
 * returns the one that leaves it (ptr 0 if none). */
static record_t quarantine(record_t r, size_t random_len) {
  size_t slot = 0;
  while (large.held[slot].ptr != 0) slot++;
  large.held[slot] = r;
  size_t fifo_len = min_size(sealed.options.large_quarantine, WD_LARGE_QUARANTINE_FIFO);
  uint32_t k = random_below(&large.rng, (uint32_t)random_len);
  uintptr_t out = quarantine_put(&large.q, large.q_random, large.q_fifo, (uint32_t)fifo_len, k, slot + 1);
  if (out == 0) return (record_t){0, 0, 0, 0};
  record_t left = large.held[out - 1];
  large.held[out - 1].ptr = 0;
  return left;
}

/* Moves a freed mapping's pages into the cache, to a fresh mapping with
 * guards of its own, leaving its addresses empty for the quarantine. */
static void cache_move(const record_t *r) {
  uintptr_t held = align_down(r->ptr, OS_PAGE);
  size_t bytes = r->map + r->map_size - GUARD - held;
  if (large.cannot_move || !cache_room(bytes)) return;
  char *to = os_reserve(bytes + 2 * GUARD);
  if (to == NULL) return;
  int err = os_move((void *)held, to + GUARD, bytes);
  if (err != 0) {
    os_release(to, bytes + 2 * GUARD);
    if (err == EINVAL) large.cannot_move = true;
    return;
  }
  cache_put((cached_t){(uintptr_t)to, bytes + 2 * GUARD, (uintptr_t)to + GUARD, 0, 0, true});
}

/* Keeps a freed mapping at its own addresses, inaccessible, when there is no
 * quarantine; false if the budget has no room for it. */
static bool cache_in_place(const record_t *r) {
  uintptr_t held = align_down(r->ptr, OS_PAGE);
  if (!cache_room(r->map + r->map_size - GUARD - held)) return false;
  os_protect_none((void *)(r->map + GUARD), r->map_size - 2 * GUARD);
  cache_put((cached_t){r->map, r->map_size, held, r->ptr, r->size, false});
  return true;
}

void large_free(void *p) {
  lock_acquire(&large.lock);
  record_t *found = find((uintptr_t)p);
  if (found == NULL) report_unknown(p, MISUSE_INVALID_FREE);
  record_t r = *found;
  erase(found);
  large.count--;
  large.bytes -= r.map_size - 2 * GUARD;
  size_t random_len = min_size(sealed.options.large_quarantine, WD_LARGE_QUARANTINE_RANDOM);
  record_t out = r;
  if (random_len == 0) {
    if (cache_in_place(&r)) out.ptr = 0;
  } else {
    cache_move(&r);
    os_decommit((void *)r.map, r.map_size);
    out = quarantine(r, random_len);
  }
  if (out.ptr != 0) remember_freed(out.ptr, out.size);
  lock_release(&large.lock);
  if (out.ptr != 0) os_release((void *)out.map, out.map_size);
}

size_t large_usable(const void *p, size_t *requested, misuse_t bad) {
  lock_acquire(&large.lock);
  record_t *r = find((uintptr_t)p);
  if (r == NULL) report_unknown(p, bad);
  size_t usable = r->map + r->map_size - GUARD - r->ptr;
  if (requested != NULL) *requested = r->size;
  lock_release(&large.lock);
  return usable;
}

bool large_resize(void *p, size_t n) {
  lock_acquire(&large.lock);
  record_t *r = find((uintptr_t)p);
  if (r == NULL) report_unknown(p, MISUSE_INVALID_FREE);
  bool same = align_up(n, 16) == align_up(r->size, 16);
  if (same) r->size = n;
  lock_release(&large.lock);
  return same;
}

void large_check(void) {
  lock_acquire(&large.lock);
  size_t count = 0, bytes = 0;
  for (size_t i = 0; i < large.capacity; i++) {
    record_t *r = &large.table[i];
    if (r->ptr == 0) continue;
    report_where_t where = REPORT_LARGE(r->size);
    count++;
    bytes += r->map_size - 2 * GUARD;
    if (r->map % OS_PAGE != 0 || r->map_size % OS_PAGE != 0 || r->map_size < 3 * GUARD) {
      report_check_failed("large record well formed", (void *)r->ptr, where);
    }
    if (r->ptr % 16 != 0 || r->ptr < r->map + GUARD || r->ptr + r->size > r->map + r->map_size - GUARD) {
      report_check_failed("large allocation inside its mapping", (void *)r->ptr, where);
    }
    if (find(r->ptr) != r) report_check_failed("large record reachable", (void *)r->ptr, where);
    if (!os_is_mapped((void *)r->map, r->map_size)) {
      report_check_failed("large mapping live", (void *)r->ptr, where);
    }
  }
  if (count != large.count || bytes != large.bytes) {
    report_check_failed("large record count", NULL, REPORT_LARGE(0));
  }
  /* Every entry names a record of its own, and every record in use is
   * named by one entry: a quarantined mapping is neither lost nor kept twice. */
  size_t fifo_len = min_size(sealed.options.large_quarantine, WD_LARGE_QUARANTINE_FIFO);
  size_t named = 0, in_use = 0;
  for (size_t i = 0; i < Q_RANDOM_CAP + large.q.fifo_count; i++) {
    uintptr_t e = i < Q_RANDOM_CAP ? large.q_random[i]
                                   : quarantine_fifo_at(&large.q, large.q_fifo, (uint32_t)fifo_len, (uint32_t)(i - Q_RANDOM_CAP));
    if (e == 0 && i < Q_RANDOM_CAP) continue;
    const record_t *q = e - 1 < Q_RANDOM_CAP + Q_FIFO_CAP + 1 ? &large.held[e - 1] : NULL;
    if (q == NULL || q->ptr == 0 || find(q->ptr) != NULL || !os_is_mapped((void *)q->map, q->map_size)) {
      report_check_failed("large quarantine holds freed mappings", q != NULL ? (void *)q->ptr : NULL,
                          REPORT_LARGE(q != NULL ? q->size : 0));
    }
    named++;
  }
  for (size_t i = 0; i < Q_RANDOM_CAP + Q_FIFO_CAP + 1; i++) in_use += large.held[i].ptr != 0;
  if (named != in_use) report_check_failed("large quarantine records named once", NULL, REPORT_LARGE(0));
  size_t cached = 0;
  for (size_t k = 0; k < large.cache_count; k++) {
    const cached_t *c = &large.cache[k];
    bool sound = c->map % OS_PAGE == 0 && c->map_size % OS_PAGE == 0 && c->map_size >= 3 * GUARD &&
                 c->held % OS_PAGE == 0 && c->held >= c->map + GUARD && c->held <= c->map + c->map_size - GUARD &&
                 (c->ptr == 0) == c->open && os_is_mapped((void *)c->map, c->map_size) &&
                 (c->ptr == 0 || find(c->ptr) == NULL);
    if (!sound) report_check_failed("large cache entry well formed", (void *)c->map, REPORT_LARGE(c->size));
    cached += held_bytes(c);
  }
  if (cached != large.cache_bytes || cached > WD_LARGE_CACHE_BYTES) {
    report_check_failed("large cache within its budget", NULL, REPORT_LARGE(0));
  }
  lock_release(&large.lock);
}

void large_add_stats(wd_stats_t *stats) {
  lock_acquire(&large.lock);
  stats->large_live += large.count;
  stats->large_bytes += large.bytes;
  stats->large_cached_bytes += large.cache_bytes;
  stats->mapped_bytes += large.bytes + large.cache_bytes;
  lock_release(&large.lock);
}

size_t large_trim(size_t keep) {
  lock_acquire(&large.lock);
  size_t released = 0;
  while (large.cache_count > 0 && large.cache_bytes > keep) {
    released += held_bytes(&large.cache[0]);
    cached_t c = cache_take(0);
    if (c.ptr != 0) remember_freed(c.ptr, c.size);
    os_release((void *)c.map, c.map_size);
  }
  lock_release(&large.lock);
  return released;
}

void large_lock_all(void) { lock_acquire(&large.lock); }
void large_unlock_all(void) { lock_release(&large.lock); }
void large_after_fork_child(void) {
  lock_reset(&large.lock);
  random_seed(&large.rng);
}
