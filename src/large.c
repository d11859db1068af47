#include "large.h"

#include <stdint.h>
#include <string.h>

#include "bits.h"
#include "config.h"
#include "lock.h"
#include "os.h"
#include "random.h"
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

typedef struct freed {
  uintptr_t ptr;
  size_t size;
} freed_t;

/* The table lives in its own mapping, away from user data; it is an open
 * addressing hash table with linear probing and no tombstones (removal
 * shifts later entries back), so lookups stay short without rebuilds. */
static struct {
  lock_t lock;
  record_t *table;
  size_t capacity; /* a power of two */
  size_t count;
  size_t bytes;
  freed_t freed[WD_LARGE_FREED_MEMORY]; /* recent unmaps, for naming double frees */
  size_t freed_next;
  /* Freed mappings wait here with no access and no memory before they are
   * unmapped, so a dangling pointer faults instead of reaching a new
   * allocation; a random array in front of a FIFO makes the wait
   * unpredictable. ptr 0: empty entry. */
  random_t rng;
  record_t q_random[Q_RANDOM_CAP];
  record_t q_fifo[Q_FIFO_CAP];
  size_t fifo_head, fifo_count;
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

void *large_alloc(size_t n, size_t alignment) {
  size_t rounded = align_up(n, 16);
  size_t slack = alignment > OS_PAGE ? alignment - OS_PAGE : 0;
  if (rounded < n || rounded + slack < rounded || rounded + slack > SIZE_MAX / 2) return NULL;
  size_t region = align_up(rounded + slack, OS_PAGE);
  size_t map_size = region + 2 * GUARD;
  char *map = os_reserve(map_size);
  if (map == NULL) return NULL;
  if (!os_commit(map + GUARD, region)) {
    os_release(map, map_size);
    return NULL;
  }
  record_t r = {placement((uintptr_t)map, region, n, alignment), n, (uintptr_t)map, map_size};
  lock_acquire(&large.lock);
  if ((large.count + 1) * 2 > large.capacity && !grow()) {
    lock_release(&large.lock);
    os_release(map, map_size);
    return NULL;
  }
  place(large.table, large.capacity, r);
  large.count++;
  large.bytes += region;
  lock_release(&large.lock);
  return (void *)r.ptr;
}

/* Reports p, which starts no live allocation: a double free if it was
 * freed lately, an interior pointer if a live mapping holds it. Only the
 * failure path scans the whole table. */
_Noreturn static void report_unknown(const void *p, const char *bad, const char *freed) {
  uintptr_t a = (uintptr_t)p;
  for (size_t i = 0; i < Q_RANDOM_CAP + Q_FIFO_CAP && a != 0; i++) {
    const record_t *q = i < Q_RANDOM_CAP ? &large.q_random[i] : &large.q_fifo[i - Q_RANDOM_CAP];
    if (q->ptr == a) report_fatal(freed, p, REPORT_LARGE(q->size));
    if (q->ptr != 0 && a - q->map < q->map_size) report_fatal(bad, p, REPORT_LARGE(q->size));
  }
  for (size_t i = 0; i < WD_LARGE_FREED_MEMORY; i++) {
    if (large.freed[i].ptr == a && a != 0) report_fatal(freed, p, REPORT_LARGE(large.freed[i].size));
  }
  for (size_t i = 0; i < large.capacity; i++) {
    const record_t *r = &large.table[i];
    if (r->ptr != 0 && a - r->map < r->map_size) report_fatal(bad, p, REPORT_LARGE(r->size));
  }
  report_fatal(bad, p, REPORT_OUTSIDE);
}

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* Puts a freed mapping in quarantine; returns the one that leaves it (ptr 0
 * if none), which is r itself when the quarantine is off. */
static record_t quarantine(record_t r) {
  size_t cap = sealed.options.large_quarantine;
  size_t random_len = min_size(cap, WD_LARGE_QUARANTINE_RANDOM);
  if (random_len == 0) return r;
  os_decommit((void *)r.map, r.map_size);
  size_t k = random_below(&large.rng, (uint32_t)random_len);
  record_t out = large.q_random[k];
  large.q_random[k] = r;
  size_t fifo_len = min_size(cap, WD_LARGE_QUARANTINE_FIFO);
  if (out.ptr == 0 || fifo_len == 0) return out;
  if (large.fifo_count < fifo_len) {
    large.q_fifo[(large.fifo_head + large.fifo_count++) % fifo_len] = out;
    return (record_t){0, 0, 0, 0};
  }
  record_t oldest = large.q_fifo[large.fifo_head];
  large.q_fifo[large.fifo_head] = out;
  large.fifo_head = (large.fifo_head + 1) % fifo_len;
  return oldest;
}

void large_free(void *p) {
  lock_acquire(&large.lock);
  record_t *found = find((uintptr_t)p);
  if (found == NULL) report_unknown(p, "invalid free", "double free");
  record_t r = *found;
  erase(found);
  large.count--;
  large.bytes -= r.map_size - 2 * GUARD;
  record_t out = quarantine(r);
  if (out.ptr != 0) {
    large.freed[large.freed_next] = (freed_t){out.ptr, out.size};
    large.freed_next = (large.freed_next + 1) % WD_LARGE_FREED_MEMORY;
  }
  lock_release(&large.lock);
  if (out.ptr != 0) os_release((void *)out.map, out.map_size);
}

size_t large_usable(const void *p, size_t *requested, const char *bad, const char *freed) {
  lock_acquire(&large.lock);
  record_t *r = find((uintptr_t)p);
  if (r == NULL) report_unknown(p, bad, freed);
  size_t usable = r->map + r->map_size - GUARD - r->ptr;
  if (requested != NULL) *requested = r->size;
  lock_release(&large.lock);
  return usable;
}

bool large_resize(void *p, size_t n) {
  lock_acquire(&large.lock);
  record_t *r = find((uintptr_t)p);
  if (r == NULL) report_unknown(p, "invalid free", "double free");
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
  for (size_t i = 0; i < Q_RANDOM_CAP + Q_FIFO_CAP; i++) {
    const record_t *q = i < Q_RANDOM_CAP ? &large.q_random[i] : &large.q_fifo[i - Q_RANDOM_CAP];
    if (i >= Q_RANDOM_CAP && i - Q_RANDOM_CAP >= large.fifo_count) break;
    if (i < Q_RANDOM_CAP && q->ptr == 0) continue;
    if (q->ptr == 0 || find(q->ptr) != NULL || !os_is_mapped((void *)q->map, q->map_size)) {
      report_check_failed("large quarantine holds freed mappings", (void *)q->ptr, REPORT_LARGE(q->size));
    }
  }
  lock_release(&large.lock);
}

void large_add_stats(wd_stats_t *stats) {
  lock_acquire(&large.lock);
  stats->large_live += large.count;
  stats->large_bytes += large.bytes;
  stats->mapped_bytes += large.bytes;
  lock_release(&large.lock);
}

void large_lock_all(void) { lock_acquire(&large.lock); }
void large_unlock_all(void) { lock_release(&large.lock); }
void large_after_fork_child(void) {
  lock_reset(&large.lock);
  random_seed(&large.rng);
}
