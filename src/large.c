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
/* Every region ends on a page-table boundary, so that the pages of any two
 * are congruent and move between them a table at a time (os.h). */
#define TABLE OS_TABLE_SPAN
#define INITIAL_CAPACITY 256
#define Q_RANDOM_CAP (WD_LARGE_QUARANTINE_RANDOM > 0 ? WD_LARGE_QUARANTINE_RANDOM : 1)
#define Q_FIFO_CAP (WD_LARGE_QUARANTINE_FIFO > 0 ? WD_LARGE_QUARANTINE_FIFO : 1)

typedef struct record {
  uintptr_t ptr;   /* 0: empty slot */
  size_t size;     /* as requested */
  uintptr_t map;   /* the whole mapping, guards included */
  size_t map_size;
} record_t;

/* A freed mapping's pages kept for reuse, moved to a mapping of their own
 * that no pointer reaches. Only the pages from `held` to `top` may have
 * memory, read-write; the rest, up to the guards, is inaccessible and
 * empty. `top` is on a table boundary. */
typedef struct cached {
  uintptr_t map;
  size_t map_size;
  uintptr_t held;
  uintptr_t top;
} cached_t;

/* A cached entry taken for a new allocation: whole tables from the top of
 * its pages and less than a table's span from the bottom, moved to top_dst and bottom_dst (0 until they are). */
typedef struct piece {
  cached_t c;
  size_t top_take;
  size_t bottom_take;
  uintptr_t top_dst;
  uintptr_t bottom_dst;
} piece_t;

/* The table lives in its own mapping, away from user data; it is an open
 * addressing hash table with linear probing and no tombstones (removal
 * shifts later entries back), so lookups stay short without rebuilds. */
static struct {
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
  /* The most live bytes in this window of WD_LARGE_CACHE_WINDOW large
   * allocations and frees and in the last one: the program's recent peak,
   * which sets the cache's budget. */
  size_t peak_now;
  size_t peak_last;
  size_t window_ops;
  bool cannot_move; /* this kernel has no os_move: nothing is cached */
} large;

/* Apart from the tier's state, with the other locks (lock.h). */
static lock_t large_lock LOCK_FORK_STATE = LOCK_INIT;

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

static size_t held_bytes(const cached_t *c) { return c->top - c->held; }

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }
static size_t max_size(size_t a, size_t b) { return a > b ? a : b; }

/* A mapping of `region` bytes between two guard pages, the region ending on
 * a table boundary; NULL when the kernel refuses. */
static char *reserve_block(size_t region) {
  size_t map_size = region + 2 * GUARD;
  size_t span = map_size + TABLE - OS_PAGE;
  if (map_size < region || span < map_size) return NULL;
  char *raw = os_reserve(span);
  if (raw == NULL) return NULL;
  uintptr_t map = align_up((uintptr_t)raw + GUARD + region, TABLE) - region - GUARD;
  uintptr_t tail = map + map_size, raw_end = (uintptr_t)raw + span;
  if (map > (uintptr_t)raw) os_release(raw, map - (uintptr_t)raw);
  if (raw_end > tail) os_release((void *)tail, raw_end - tail);
  return (char *)map;
}

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

static size_t recent_peak(void) { return max_size(large.peak_now, large.peak_last); }

/* What the cache may hold, from the program's recent peak of live large
 * bytes and a margin of 1/2^WD_LARGE_CACHE_PEAK_SHIFT of it: what takes the
 * program back to its peak plus the margin, so that live and cached bytes
 * together stay within that, but never more than twice the margin (a
 * program that needs less than it did gives the rest back) nor
 * WD_LARGE_CACHE_MAX; and WD_LARGE_CACHE_BYTES whatever the peak. */
static size_t budget(void) {
  if (WD_LARGE_CACHE_BYTES == 0) return 0;
  size_t peak = recent_peak(), margin = peak >> WD_LARGE_CACHE_PEAK_SHIFT;
  size_t spare = peak > large.bytes ? peak - large.bytes : 0;
  size_t most = min_size(2 * margin, WD_LARGE_CACHE_MAX);
  return max_size(min_size(spare + margin, most), WD_LARGE_CACHE_BYTES);
}

/* The most budget() can be until the next window starts: the peak only
 * grows within a window. */
static size_t budget_bound(void) {
  size_t margin = recent_peak() >> WD_LARGE_CACHE_PEAK_SHIFT;
  return max_size(min_size(2 * margin, WD_LARGE_CACHE_MAX), WD_LARGE_CACHE_BYTES);
}

static void cache_evict_oldest(void) {
  cached_t old = cache_take(0);
  os_release((void *)old.map, old.map_size);
}

/* Unmaps the oldest entries until the cache holds at most `keep` bytes;
 * returns the bytes they could hold. */
static size_t cache_shrink(size_t keep) {
  size_t released = 0;
  while (large.cache_count > 0 && large.cache_bytes > keep) {
    released += held_bytes(&large.cache[0]);
    cache_evict_oldest();
  }
  return released;
}

/* Counts a large allocation or free, after it changed the live bytes. When
 * a window ends, a peak two windows old no longer counts, and the cache
 * gives back what the lower budget no longer allows: a program whose need
 * for large memory fell keeps only what it needs now. */
static void tick(void) {
  if (large.bytes > large.peak_now) large.peak_now = large.bytes;
  if (++large.window_ops < WD_LARGE_CACHE_WINDOW) return;
  large.window_ops = 0;
  large.peak_last = large.peak_now;
  large.peak_now = large.bytes;
  cache_shrink(budget());
}

/* Makes room for an entry holding `bytes`, unmapping the oldest entries;
 * false if the budget could never hold it. */
static bool cache_room(size_t bytes) {
  size_t limit = budget();
  if (bytes > limit) return false;
  while (large.cache_count == WD_LARGE_CACHE_ENTRIES || large.cache_bytes + bytes > limit) cache_evict_oldest();
  return true;
}

static void cache_put(cached_t c) {
  large.cache[large.cache_count++] = c;
  large.cache_bytes += held_bytes(&c);
}

static size_t whole_tables(const cached_t *c) { return align_down(held_bytes(c), TABLE); }

/* Takes out of the cache the entries whose pages will make up the last
 * `need` bytes of a new region, which ends on a table boundary. Its whole
 * tables come from the tops of open entries, whose tops are on boundaries
 * too, so they land congruent and move a table at a time: the entry with
 * the fewest that has them all, else the one with the most, and so on.
 * The partial table below them comes from the bottom of the piece or entry
 * with the fewest pages that has it (a page-by-page move, as any partial
 * table is): so no entry is ever cut where it would leave pages stranded
 * off a boundary. Fresh pages make up what is missing. Returns
 * how many pieces there are. */
static size_t cache_pick(size_t need, piece_t *pieces) {
  if (large.cannot_move) return 0;
  size_t n = 0, tables = align_down(need, TABLE), rest = need - tables;
  while (tables > 0) {
    size_t fit = SIZE_MAX, fit_have = SIZE_MAX, big = SIZE_MAX, big_have = 0;
    for (size_t k = 0; k < large.cache_count; k++) {
      size_t have = whole_tables(&large.cache[k]);
      if (have >= tables && have < fit_have) {
        fit = k;
        fit_have = have;
      } else if (have > big_have) {
        big = k;
        big_have = have;
      }
    }
    if (fit == SIZE_MAX) fit = big;
    if (fit == SIZE_MAX) break;
    cached_t c = cache_take(fit);
    size_t take = min_size(whole_tables(&c), tables);
    pieces[n++] = (piece_t){c, take, 0, 0, 0};
    tables -= take;
  }
  if (rest > 0) {
    size_t best = SIZE_MAX, best_left = SIZE_MAX;
    bool taken = false;
    for (size_t i = 0; i < n; i++) {
      size_t left = held_bytes(&pieces[i].c) - pieces[i].top_take;
      if (left >= rest && left < best_left) {
        best = i;
        best_left = left;
        taken = true;
      }
    }
    for (size_t k = 0; k < large.cache_count; k++) {
      size_t left = held_bytes(&large.cache[k]);
      if (left >= rest && left < best_left) {
        best = k;
        best_left = left;
        taken = false;
      }
    }
    if (best != SIZE_MAX && taken) pieces[best].bottom_take = rest;
    if (best != SIZE_MAX && !taken) pieces[n++] = (piece_t){cache_take(best), 0, rest, 0, 0};
  }
  return n;
}

/* Moves `bytes` of a piece's pages from `from` to `to`, in a region being
 * built; false, with nothing moved, if the kernel could not. */
static bool move_in(uintptr_t from, uintptr_t to, size_t bytes) {
  return os_move((void *)from, (void *)to, bytes) == 0;
}

/* Moves a piece's top take to just below `*fill`, lowering it, and its
 * bottom take to `low`. What is left of the entry keeps its pages between
 * `held` and `top`; the ranges moved out of it become inaccessible again. */
static void piece_move(piece_t *p, uintptr_t *fill, uintptr_t low) {
  cached_t *c = &p->c;
  uintptr_t old_held = c->held, old_top = c->top;
  if (p->top_take != 0) {
    uintptr_t from = c->top - p->top_take, to = *fill - p->top_take;
    if (move_in(from, to, p->top_take)) {
      p->top_dst = to;
      *fill = to;
      c->top = from;
    }
  }
  if (p->bottom_take != 0 && c->top > c->held && move_in(c->held, low, p->bottom_take)) {
    p->bottom_dst = low;
    c->held += p->bottom_take;
  }
  if (c->top <= c->held) {
    c->top = c->held; /* nothing left: the caller unmaps it */
    return;
  }
  if (c->top < old_top) os_decommit((void *)c->top, old_top - c->top);
  if (c->held > old_held) os_decommit((void *)old_held, c->held - old_held);
}

/* Clears what a piece brought from its last owner, from `ptr` on. */
static void piece_zero(const piece_t *p, uintptr_t ptr) {
  uintptr_t dst[2] = {p->top_dst, p->bottom_dst};
  size_t len[2] = {p->top_take, p->bottom_take};
  for (size_t i = 0; i < 2; i++) {
    uintptr_t from = dst[i] > ptr ? dst[i] : ptr;
    if (dst[i] != 0 && dst[i] + len[i] > from) memset((void *)from, 0, dst[i] + len[i] - from);
  }
}

/* A new mapping gets, at the end of its region, the pages of the cached
 * pieces that reach, and fresh pages below them. */
void *large_alloc(size_t n, size_t alignment, bool zero) {
  size_t rounded = align_up(n, 16);
  size_t slack = alignment > OS_PAGE ? alignment - OS_PAGE : 0;
  if (rounded < n || rounded + slack < rounded || rounded + slack > SIZE_MAX / 2) return NULL;
  size_t region = align_up(rounded + slack, OS_PAGE);
  /* The bytes from the allocation's first page to the end of its region:
   * for alignments up to a table's span they do not depend on where the
   * region lands, since it ends on a table boundary. */
  size_t need = alignment <= TABLE ? align_up(align_up(rounded, alignment < 16 ? 16 : alignment), OS_PAGE) : region;
  WD_ASSERT(need <= region);
  piece_t pieces[WD_LARGE_CACHE_ENTRIES];
  lock_acquire(&large_lock);
  size_t count = cache_pick(need, pieces);
  lock_release(&large_lock);
  size_t map_size = region + 2 * GUARD;
  uintptr_t end = 0, fill = 0;
  char *map = reserve_block(region);
  if (map != NULL) {
    end = (uintptr_t)map + map_size - GUARD;
    fill = end;
  }
  /* The pages below the allocation's first, if any (alignment), stay
   * inaccessible like a wider guard. */
  uintptr_t low = end - need, covered = low;
  for (size_t i = 0; i < count; i++) {
    if (map == NULL) pieces[i].c.top = pieces[i].c.held;
    if (map != NULL) piece_move(&pieces[i], &fill, low);
    if (pieces[i].bottom_dst != 0) covered = low + pieces[i].bottom_take;
    /* What is left of an entry goes back below; an empty one is unmapped. */
    if (pieces[i].c.top == pieces[i].c.held) os_release((void *)pieces[i].c.map, pieces[i].c.map_size);
  }
  bool ready = map != NULL && (fill <= covered || os_commit((void *)covered, fill - covered));
  uintptr_t ptr = map != NULL ? placement((uintptr_t)map, map_size - 2 * GUARD, n, alignment) : 0;
  WD_ASSERT(map == NULL || end - align_down(ptr, OS_PAGE) == need ||
            (alignment > TABLE && end - align_down(ptr, OS_PAGE) < need));
  /* Reused pages hold what the last owner left there; the default build
   * lets no freed data reach a new owner, as with small slots. Fresh pages
   * read as zero and are not touched. */
  if (ready && (zero || sealed_zero_on_free())) {
    for (size_t i = 0; i < count; i++) piece_zero(&pieces[i], ptr);
  }
  record_t r = {ptr, n, (uintptr_t)map, map_size};
  lock_acquire(&large_lock);
  for (size_t i = 0; i < count; i++) {
    if (pieces[i].c.top == pieces[i].c.held) continue;
    if (cache_room(held_bytes(&pieces[i].c))) {
      cache_put(pieces[i].c);
    } else {
      os_release((void *)pieces[i].c.map, pieces[i].c.map_size);
    }
  }
  if (!ready || ((large.count + 1) * 2 > large.capacity && !grow())) {
    lock_release(&large_lock);
    if (map != NULL) os_release(map, map_size);
    return NULL;
  }
  place(large.table, large.capacity, r);
  large.count++;
  large.bytes += map_size - 2 * GUARD;
  tick();
  lock_release(&large_lock);
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
  const recent_free_t *gone = recent_find(large.freed, WD_LARGE_FREED_MEMORY, a);
  if (gone != NULL) report_fatal(freed, p, REPORT_LARGE(gone->size));
  for (size_t i = 0; i < large.capacity; i++) {
    const record_t *r = &large.table[i];
    if (r->ptr != 0 && a - r->map < r->map_size) report_fatal(bad, p, REPORT_LARGE(r->size));
  }
  report_fatal(bad, p, REPORT_OUTSIDE);
}

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
  /* An empty allocation (aligned_alloc(a, 0)) has no pages to keep; the
   * kernel would refuse to move none, as it does when it cannot move any. */
  if (bytes == 0 || large.cannot_move || !cache_room(bytes)) return;
  char *to = reserve_block(bytes);
  if (to == NULL) return;
  int err = os_move((void *)held, to + GUARD, bytes);
  if (err != 0) {
    os_release(to, bytes + 2 * GUARD);
    if (err == EINVAL) large.cannot_move = true;
    return;
  }
  cache_put((cached_t){(uintptr_t)to, bytes + 2 * GUARD, (uintptr_t)to + GUARD, (uintptr_t)to + GUARD + bytes});
}

void large_free(void *p) {
  lock_acquire(&large_lock);
  record_t *found = find((uintptr_t)p);
  if (found == NULL) report_unknown(p, MISUSE_INVALID_FREE);
  record_t r = *found;
  erase(found);
  large.count--;
  large.bytes -= r.map_size - 2 * GUARD;
  tick();
  size_t random_len = min_size(sealed.options.large_quarantine, WD_LARGE_QUARANTINE_RANDOM);
  /* Its pages go to the cache whether or not its addresses wait in the
   * quarantine: a move costs no copy and no fault, where keeping a mapping
   * in place would take an mprotect of every page twice and drop the
   * pages in front of a smaller request. */
  cache_move(&r);
  record_t out = r;
  if (random_len != 0) {
    os_decommit((void *)r.map, r.map_size);
    out = quarantine(r, random_len);
  }
  if (out.ptr != 0) remember_freed(out.ptr, out.size);
  lock_release(&large_lock);
  if (out.ptr != 0) os_release((void *)out.map, out.map_size);
}

size_t large_usable(const void *p, size_t *requested, misuse_t bad) {
  lock_acquire(&large_lock);
  record_t *r = find((uintptr_t)p);
  if (r == NULL) report_unknown(p, bad);
  size_t usable = r->map + r->map_size - GUARD - r->ptr;
  if (requested != NULL) *requested = r->size;
  lock_release(&large_lock);
  return usable;
}

bool large_resize(void *p, size_t n) {
  lock_acquire(&large_lock);
  record_t *r = find((uintptr_t)p);
  if (r == NULL) report_unknown(p, MISUSE_INVALID_FREE);
  bool same = align_up(n, 16) == align_up(r->size, 16);
  if (same) r->size = n;
  lock_release(&large_lock);
  return same;
}

void large_check(void) {
  lock_acquire(&large_lock);
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
    uintptr_t end = c->map + c->map_size - GUARD;
    bool sound = c->map % OS_PAGE == 0 && c->map_size % OS_PAGE == 0 && c->map_size >= 3 * GUARD &&
                 c->held % OS_PAGE == 0 && c->held >= c->map + GUARD && c->held < c->top &&
                 c->top % TABLE == 0 && c->top <= end && os_is_mapped((void *)c->map, c->map_size);
    if (!sound) report_check_failed("large cache entry well formed", (void *)c->map, REPORT_LARGE(0));
    cached += held_bytes(c);
  }
  if (cached != large.cache_bytes || cached > budget_bound()) {
    report_check_failed("large cache within its budget", NULL, REPORT_LARGE(0));
  }
  lock_release(&large_lock);
}

void large_add_stats(wd_stats_t *stats) {
  lock_acquire(&large_lock);
  stats->large_live += large.count;
  stats->large_bytes += large.bytes;
  stats->large_cached_bytes += large.cache_bytes;
  stats->mapped_bytes += large.bytes + large.cache_bytes;
  lock_release(&large_lock);
}

size_t large_trim(size_t keep) {
  lock_acquire(&large_lock);
  size_t released = cache_shrink(keep);
  lock_release(&large_lock);
  return released;
}

void large_lock_all(void) { lock_acquire(&large_lock); }
void large_unlock_all(void) { lock_release(&large_lock); }
/* The rng needs nothing: the child's new random key (heap.c) already makes
 * its draws unrelated to the parent's. */
void large_after_fork_child(void) { lock_reset(&large_lock); }
