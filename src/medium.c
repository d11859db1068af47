#include "medium.h"

#include <string.h>

#include "bits.h"
#include "config.h"
#include "lock.h"
#include "medium_block.h"
#include "medium_list.h"
#include "medium_step.h"
#include "os.h"
#include "quarantine.h"
#include "random.h"
#include "recent.h"
#include "report.h"
#include "secret.h"

#define CHUNK_BYTES (1UL << WD_MEDIUM_CHUNK_SHIFT)
#define CHUNK_WORDS MB_CHUNK_WORDS
#define CHUNK_COUNT (1UL << (WD_MEDIUM_REGION_SHIFT - WD_MEDIUM_CHUNK_SHIFT))
/* Block sizes stay below the chunk size, so first levels stop there. */
#define FL_COUNT (WD_MEDIUM_CHUNK_SHIFT - 6)
/* The one free block of an empty chunk (mb_init). */
#define WHOLE_BLOCK MB_WHOLE
/* Block states, the low bits of a tag (medium_block.h): a quarantined
 * block is freed but neither free nor mergeable until it leaves. */
#define LIVE 0
#define FREE 1
#define QUARANTINED MB_QUARANTINED
/* The canary word at the end of every live block's payload, just before
 * its footer: usable bytes end where it begins. */
#define CANARY (WD_CANARY ? MB_WORD : 0)
#define Q_RANDOM_CAP (WD_MEDIUM_QUARANTINE_RANDOM > 0 ? WD_MEDIUM_QUARANTINE_RANDOM : 1)
#define Q_FIFO_CAP (WD_MEDIUM_QUARANTINE_FIFO > 0 ? WD_MEDIUM_QUARANTINE_FIFO : 1)
/* The pages of a chunk, in 64-bit words of the map of purged pages. */
#define CHUNK_PAGES (CHUNK_BYTES / OS_PAGE)
#define MAP_WORDS (CHUNK_PAGES / 64)
/* How far a failed good-fit search looks along the exact-size list. */
#define EXACT_LIST_PROBES 16
/* How far along its list the block handed out may lie, when reuse is
 * randomized. */
#define REUSE_CHOICES 4

_Static_assert(FL_COUNT <= 32, "first-level bitmap is one 32-bit word");
_Static_assert(CHUNK_PAGES % 64 == 0, "a chunk's purged map is whole words");
_Static_assert(WD_MEDIUM_MAX + CANARY + MB_OVERHEAD + OS_PAGE + MB_MIN <= WHOLE_BLOCK,
               "the largest aligned medium request fits an empty chunk");

typedef struct arena {
  uint32_t fl_map;                         /* bit fl: sl_map[fl] != 0 */
  uint32_t sl_map[FL_COUNT];               /* bit sl: list (fl, sl) non-empty */
  size_t heads[FL_COUNT][MB_SL_COUNT];     /* encoded, like every link */
  size_t live, live_bytes, free_blocks, free_bytes;
  size_t chunks, empty_chunks;
  /* The retained budget (config.h). Free pages: whole pages inside listed
   * free blocks, the only ones a purge drops; purged pages: those of them
   * marked in purged_map, known to hold no memory. The difference is what
   * the arena keeps committed for reuse. */
  size_t free_pages, purged_pages;
  size_t stuck_pages;                      /* kept over the target by the last sweep */
  size_t given_back;                       /* bytes purged or released so far (stats) */
  /* Recent use: the most bytes in blocks (live or quarantined) during the
   * current window and the one before; a window closes once the arena has
   * handed out that many bytes. */
  size_t window_peak, last_peak, window_handed;
  uint32_t carved;                         /* from share_first on, handed out so far */
  uint32_t released_count;                 /* stack of indices given back */
  uint32_t released[CHUNK_COUNT];
  /* Blocks that left the quarantine lately: once merged or given back, a
   * block's header is gone and this names its second free. */
  recent_free_t freed[WD_MEDIUM_FREED_MEMORY];
  size_t freed_next;
  random_t rng;                  /* reuse choices and the quarantine's draws */
  quarantine_t q;                /* entries: header addresses */
  uintptr_t q_random[Q_RANDOM_CAP];
  uintptr_t q_fifo[Q_FIFO_CAP];
  size_t q_blocks, q_bytes;      /* what the quarantine holds */
  /* Quarantined blocks in no array: being zeroed on their way in, or
   * checked on their way out, by a free that has let go of the lock. */
  size_t q_pending, q_pending_bytes;
} arena_t;


/* Each arena owns an equal, contiguous share of the range, so the arena of a
 * pointer is address arithmetic; a thread takes its blocks from the arena
 * it was given on its first request (round robin), and frees go to the
 * owner, whichever thread frees. Each has its own lock: threads on
 * different arenas never wait for each other. */
static arena_t arenas[WD_MEDIUM_ARENAS];
/* Apart from their arenas, with the other locks (lock.h). */
static struct arena_lock {
  lock_t lock;
} LOCK_LINE arena_locks[WD_MEDIUM_ARENAS] LOCK_FORK_STATE;

static inline lock_t *arena_lock(const arena_t *a) { return &arena_locks[a - arenas].lock; }
/* Chunks in use, by index in the range; each entry is written under the
 * lock of the arena that owns the chunk. */
static uint8_t chunk_live[CHUNK_COUNT];
/* One bit per page of the range: set for a page inside a free block whose
 * memory went back to the kernel (or was never touched) and that nothing
 * has written since. Written under the lock of the arena that owns the
 * chunk. Only an estimate of what is resident: no check and no write of a
 * block depends on it, so it is not sealed. */
static uint64_t purged_map[CHUNK_COUNT][MAP_WORDS];
static uint32_t next_arena;
static __thread uint8_t thread_arena __attribute__((tls_model("initial-exec"))); /* 1 + index; 0: none yet */

static arena_t *arena_of(const void *p) {
  return &arenas[((uintptr_t)p - sealed.medium_start) >> sealed.medium_arena_shift];
}

/* An arena's share of the range, in chunks, follows from the sealed range
 * and arena count alone: what bounds the chunks it commits cannot be
 * rewritten by a stray write into the arena. */
static uint32_t share_chunks(void) { return 1u << (sealed.medium_arena_shift - WD_MEDIUM_CHUNK_SHIFT); }

static uint32_t share_first(const arena_t *a) { return (uint32_t)(a - arenas) * share_chunks(); }

static size_t *chunk_of(const void *p) {
  return (size_t *)((uintptr_t)p & ~(uintptr_t)(CHUNK_BYTES - 1));
}

static size_t chunk_index(const size_t *c) {
  return ((uintptr_t)c - sealed.medium_start) >> WD_MEDIUM_CHUNK_SHIFT;
}

static size_t checksum(const size_t *header, size_t tag) {
  uint64_t k = secret_keys.header;
  return (size_t)secret_mix((uintptr_t)header ^ secret_mix(tag, k), k);
}

static void seal(size_t *c, size_t i) { c[i + 1] = checksum(&c[i], c[i]); }

/* True when c[i] is a block header this tier wrote: its checksum holds and
 * its size keeps it inside the chunk. */
static bool header_sound(const size_t *c, size_t i) {
  size_t size = mb_size(c[i]);
  return c[i + 1] == checksum(&c[i], c[i]) && size >= MB_MIN &&
         mb_words(size) <= CHUNK_WORDS - MB_TAIL - i;
}

/* Quarantine lengths in force: the build's, lowered by the options; zero at
 * compile time when the build has none. */
static uint32_t q_random_len(void) {
  uint32_t cap = sealed.options.medium_quarantine;
  return WD_MEDIUM_QUARANTINE_RANDOM == 0 ? 0 : cap < WD_MEDIUM_QUARANTINE_RANDOM ? cap : WD_MEDIUM_QUARANTINE_RANDOM;
}

static uint32_t q_fifo_len(void) {
  uint32_t cap = sealed.options.medium_quarantine;
  return cap < WD_MEDIUM_QUARANTINE_FIFO ? cap : WD_MEDIUM_QUARANTINE_FIFO;
}

/* The canary word of the block at i, of `size` bytes: the last payload
 * word, so that any write of the bytes just past the usable end reaches it
 * before the footer. */
static size_t *canary_word(size_t *c, size_t i, size_t size) { return &c[i + mb_words(size) - 2]; }

static void put_canary(size_t *c, size_t i) {
  if (CANARY != 0) *canary_word(c, i, mb_size(c[i])) = (size_t)secret_canary((uintptr_t)&c[i + 2], secret_keys.canary);
}

/* Without a canary the word is the block's last usable one: left alone. */
static void clear_canary(size_t *c, size_t i, size_t size) {
  if (CANARY != 0) *canary_word(c, i, size) = 0;
}

static bool canary_intact(size_t *c, size_t i, size_t size) {
  return CANARY == 0 || *canary_word(c, i, size) == (size_t)secret_canary((uintptr_t)&c[i + 2], secret_keys.canary);
}

static bool words_zero(const size_t *w, size_t n) {
  size_t acc = 0;
  for (size_t k = 0; k < n; k++) acc |= w[k];
  return acc == 0;
}

/* Clears the words of a block that a merge has just absorbed (its header,
 * checksum and links, and the footer before it): no metadata may stay
 * inside a free block, where a later owner would read it. */
static void clear_absorbed(size_t *c, size_t j) {
  for (size_t k = j - 1; k < j + 4; k++) c[k] = 0;
}

/* The whole pages strictly inside block i of `size` bytes, as page indices
 * [*lo, *hi) of its chunk: past its header, checksum and links, before its
 * footer. A free block holds nothing else there, so a purge may drop them;
 * every page lies inside at most one block. */
static void inner_pages(const size_t *c, size_t i, size_t size, size_t *lo, size_t *hi) {
  uintptr_t from = align_up((uintptr_t)&c[i + 4], OS_PAGE);
  uintptr_t to = align_down((uintptr_t)&c[i + mb_words(size) - 1], OS_PAGE);
  *lo = (from - (uintptr_t)c) / OS_PAGE;
  *hi = to > from ? (to - (uintptr_t)c) / OS_PAGE : *lo;
}

static size_t inner_count(const size_t *c, size_t i, size_t size) {
  size_t lo, hi;
  inner_pages(c, i, size, &lo, &hi);
  return hi - lo;
}

static uint64_t *map_of(const size_t *c) { return purged_map[chunk_index(c)]; }

/* The bits of pages [lo, hi) within their word at lo: the range is cut at
 * the word's end. */
static uint64_t map_mask(size_t lo, size_t hi, size_t *n) {
  size_t b = lo % 64;
  *n = hi - lo < 64 - b ? hi - lo : 64 - b;
  return (*n == 64 ? ~(uint64_t)0 : ((uint64_t)1 << *n) - 1) << b;
}

/* Sets or clears the bits of pages [lo, hi); returns how many changed. */
static size_t map_update(uint64_t *map, size_t lo, size_t hi, bool set) {
  size_t changed = 0;
  for (size_t n; lo < hi; lo += n) {
    uint64_t mask = map_mask(lo, hi, &n);
    uint64_t old = map[lo / 64];
    uint64_t now = set ? old | mask : old & ~mask;
    map[lo / 64] = now;
    changed += (size_t)__builtin_popcountll(old ^ now);
  }
  return changed;
}

static size_t map_count(const uint64_t *map, size_t lo, size_t hi) {
  size_t set = 0;
  for (size_t n; lo < hi; lo += n) set += (size_t)__builtin_popcountll(map[lo / 64] & map_mask(lo, hi, &n));
  return set;
}

static bool map_test(const uint64_t *map, size_t page) { return (map[page / 64] >> (page % 64)) & 1; }

/* Words [from, to) of chunk c are handed out or written: the pages they
 * touch hold memory again, or will. */
static void pages_used(arena_t *a, size_t *c, size_t from, size_t to) {
  size_t lo = from * MB_WORD / OS_PAGE;
  size_t hi = (to * MB_WORD + OS_PAGE - 1) / OS_PAGE;
  a->purged_pages -= map_update(map_of(c), lo, hi, false);
}

/*
 * Free-list links name blocks by word index in the medium range, the form
 * the proved link surgery of medium_list.h works on; this is where pointers
 * and indices meet. A link is stored plus the key and the index of its own
 * word, so a heap overflow can neither plant a usable link nor move one
 * elsewhere. A list head lies outside the range, in the arena; its "where"
 * is its address in words, one distinct value per head.
 */
static size_t *range_words(void) { return (size_t *)sealed.medium_start; }

static size_t head_where(const size_t *head) { return (uintptr_t)head / MB_WORD; }

static size_t *block_at(size_t k) { return k == ML_NONE ? NULL : range_words() + k; }

static size_t empty_head(const size_t *head) {
  return ml_encode(ML_NONE, secret_keys.link, head_where(head));
}

/* The link stored at `where`, whose "where" value is w, decoded, once it
 * is known to name a free block this tier wrote; anything else ends the
 * process. It loads the range and the key itself, so that its callers need
 * not keep them live across the call. */
static size_t follow_at(const size_t *where, size_t w) {
  size_t v = ml_decode(*where, secret_keys.link, w);
  if (v == ML_NONE) return ML_NONE;
  size_t idx = v / CHUNK_WORDS;
  size_t i = v % CHUNK_WORDS;
  /* A chunk outside the range is never live, so this also bounds v. */
  bool sound = idx < CHUNK_COUNT && v % 2 == 0 && chunk_live[idx] && i >= MB_FIRST &&
               i < CHUNK_WORDS - MB_TAIL;
  if (sound) {
    const size_t *c = range_words() + idx * CHUNK_WORDS;
    sound = header_sound(c, i) && mb_is_free(c[i]);
  }
  WD_CHECK(sound, MISUSE_FREE_LIST_CORRUPTED, where, REPORT_MEDIUM_UNKNOWN);
  return v;
}

/* The link in word w of the range r. */
static size_t follow_word(const size_t *r, size_t w) { return follow_at(&r[w], w); }

/* The first block of the list whose head is *head. */
static size_t follow_head(const size_t *head) { return follow_at(head, head_where(head)); }

bool medium_init(void) {
  /* The configured range, or, where the kernel refuses it (a tool such as
   * valgrind), the largest that it accepts. Only chunks in use are mapped
   * (add_chunk), so ulimit -v counts what the tier holds. */
  char *range = NULL;
  size_t chunks = CHUNK_COUNT;
  for (; range == NULL && chunks >= 16; chunks /= 2) range = os_claim(chunks * CHUNK_BYTES, CHUNK_BYTES);
  chunks *= 2;
  if (range == NULL) return false;
  sealed.medium_start = (uintptr_t)range;
  sealed.medium_end = (uintptr_t)range + chunks * CHUNK_BYTES;
  /* Fewer arenas where the range is too small to give each a few chunks. */
  unsigned count = WD_MEDIUM_ARENAS;
  while (count > 1 && chunks / count < 4) count /= 2;
  sealed.medium_arenas = count;
  sealed.medium_arena_shift = log2_floor(chunks / count) + WD_MEDIUM_CHUNK_SHIFT;
  for (unsigned k = 0; k < count; k++) {
    arena_t *a = &arenas[k];
    random_seed(&a->rng);
    for (unsigned fl = 0; fl < FL_COUNT; fl++) {
      for (unsigned sl = 0; sl < MB_SL_COUNT; sl++) a->heads[fl][sl] = empty_head(&a->heads[fl][sl]);
    }
  }
  /* The range's first chunk is never used: it holds word ML_NONE, and the
   * proved list steps (medium_step.h) are stated for chunks that a link
   * write through ML_NONE could not reach. It is reserved, never mapped. */
  arenas[0].carved = 1;
  return true;
}

/* The list operations are forced inline into their few callers: as calls,
 * their arguments and the values live across them cost more than their
 * bodies (proofs/README.md, Performance). The steps themselves are the
 * proved ones of medium_step.h, on the chunk at word cb of the range. */
/* The arena's counters gain free block i of `size` bytes. */
static inline __attribute__((always_inline)) void listed_count(arena_t *a, const size_t *c, size_t i, size_t size) {
  a->free_blocks++;
  a->free_bytes += size;
  a->free_pages += inner_count(c, i, size);
}

static inline __attribute__((always_inline)) void list_insert(arena_t *a, size_t *c, size_t i) {
  size_t size = mb_size(c[i]);
  mb_list_t l = mb_list_of(size);
  size_t first = follow_head(&a->heads[l.fl][l.sl]);
  size_t *r = range_words();
  ms_put_all(r, secret_keys.link, &a->heads[0][0], head_where(&a->heads[0][0]), &a->fl_map, a->sl_map, FL_COUNT,
             l.fl, l.sl, (size_t)(c - r), i, first);
  listed_count(a, c, i, size);
}

/* Splits block i, on no list, into a first block of `first` bytes with
 * state first_free and a free rest, which starts at i + mb_words(first),
 * and puts the rest (or, with put_first, the first block) on its list, as
 * one proved step. */
static inline __attribute__((always_inline)) void split_put(arena_t *a, size_t *c, size_t i, size_t first,
                                                            size_t first_free, bool put_first) {
  size_t size = put_first ? first : mb_size(c[i]) - first;
  mb_list_t l = mb_list_of(size);
  size_t head = follow_head(&a->heads[l.fl][l.sl]);
  size_t *r = range_words();
  size_t j = ms_split_put_all(r, secret_keys.link, &a->heads[0][0], head_where(&a->heads[0][0]), &a->fl_map,
                              a->sl_map, FL_COUNT, l.fl, l.sl, (size_t)(c - r), i, first, first_free, put_first, head);
  listed_count(a, c, put_first ? i : j, size);
}

/* Free block i's list and its links, checked: both neighbours must point
 * back at it before either is rewritten. The counters lose the block. */
static inline __attribute__((always_inline)) mb_list_t list_leave(arena_t *a, size_t *c, size_t i, size_t *next,
                                                                  size_t *prev) {
  size_t *b = &c[i];
  size_t size = mb_size(c[i]);
  mb_list_t l = mb_list_of(size);
  size_t *r = range_words();
  size_t at = (size_t)(b - r);
  *next = follow_word(r, at + ML_NEXT);
  *prev = follow_word(r, at + ML_PREV);
  size_t into_b = *prev != ML_NONE ? follow_word(r, *prev + ML_NEXT) : follow_head(&a->heads[l.fl][l.sl]);
  WD_CHECK(into_b == at, MISUSE_FREE_LIST_CORRUPTED, b, REPORT_MEDIUM(size));
  WD_CHECK(*next == ML_NONE || follow_word(r, *next + ML_PREV) == at, MISUSE_FREE_LIST_CORRUPTED, b,
           REPORT_MEDIUM(size));
  a->free_blocks--;
  a->free_bytes -= size;
  a->free_pages -= inner_count(c, i, size);
  return l;
}

static inline __attribute__((always_inline)) void list_remove(arena_t *a, size_t *c, size_t i) {
  size_t next, prev;
  mb_list_t l = list_leave(a, c, i, &next, &prev);
  size_t *r = range_words();
  ms_take_all(r, secret_keys.link, &a->heads[0][0], head_where(&a->heads[0][0]), &a->fl_map, a->sl_map, FL_COUNT,
              l.fl, l.sl, (size_t)(c - r), next, prev);
}

/* Merges block i with the block j after it into one block of `state`;
 * x, the one of the two that is free, leaves its list first. */
static inline __attribute__((always_inline)) void unlist_merge(arena_t *a, size_t *c, size_t i, size_t j, size_t x,
                                                               size_t state) {
  size_t next, prev;
  mb_list_t l = list_leave(a, c, x, &next, &prev);
  size_t *r = range_words();
  ms_unlist_merge_all(r, secret_keys.link, &a->heads[0][0], head_where(&a->heads[0][0]), &a->fl_map, a->sl_map,
                      FL_COUNT, l.fl, l.sl, (size_t)(c - r), i, j, x, state, next, prev);
  clear_absorbed(c, j);
}

static size_t *find_block(arena_t *a, size_t want) {
  mb_list_t l = mb_find_list(a->fl_map, a->sl_map, FL_COUNT, mb_search_list(want));
  if (l.fl < FL_COUNT) {
    size_t k = follow_head(&a->heads[l.fl][l.sl]);
    /* Every block on this list fits: one of its first few, drawn at random,
     * so that which freed block a request gets cannot be planned. */
    if (sealed_randomize()) {
      for (uint32_t steps = random_below(&a->rng, REUSE_CHOICES); steps > 0; steps--) {
        size_t next = follow_word(range_words(), k + ML_NEXT);
        if (next == ML_NONE) break;
        k = next;
      }
    }
    return block_at(k);
  }
  /* The good-fit search skips the list `want` itself falls in; before a new
   * chunk is taken, a few of its blocks are tried. */
  mb_list_t exact = mb_list_of(want);
  if (exact.fl >= FL_COUNT) return NULL;
  size_t k = follow_head(&a->heads[exact.fl][exact.sl]);
  for (unsigned probes = 0; k != ML_NONE && probes < EXACT_LIST_PROBES; probes++) {
    size_t *r = range_words();
    if (mb_size(r[k]) >= want) return r + k;
    k = follow_word(r, k + ML_NEXT);
  }
  return NULL;
}

static bool add_chunk(arena_t *a) {
  uint32_t idx;
  size_t *c;
  if (a->released_count > 0) {
    /* Still reserved since release_chunk. */
    idx = a->released[--a->released_count];
    c = (size_t *)(sealed.medium_start + (uintptr_t)idx * CHUNK_BYTES);
    if (!os_commit(c, CHUNK_BYTES)) {
      a->released[a->released_count++] = idx;
      return false;
    }
  } else if (a->carved < share_chunks()) {
    /* Never mapped: mapped here unless something else took the place. */
    idx = share_first(a) + a->carved;
    c = (size_t *)(sealed.medium_start + (uintptr_t)idx * CHUNK_BYTES);
    if (!os_commit_at(c, CHUNK_BYTES)) return false;
    a->carved++;
  } else {
    return false;
  }
  mb_init(c);
  seal(c, MB_FIRST);
  chunk_live[idx] = 1;
  a->chunks++;
  a->empty_chunks++;
  list_insert(a, c, MB_FIRST);
  /* Committed, but untouched: none of its pages holds memory yet. */
  size_t lo, hi;
  inner_pages(c, MB_FIRST, WHOLE_BLOCK, &lo, &hi);
  a->purged_pages += map_update(map_of(c), lo, hi, true);
  return true;
}

/* Gives back an empty chunk, already off the lists. */
static void release_chunk(arena_t *a, size_t *c) {
  size_t idx = chunk_index(c);
  size_t marked = map_update(purged_map[idx], 0, CHUNK_PAGES, false);
  a->purged_pages -= marked;
  a->given_back += (inner_count(c, MB_FIRST, WHOLE_BLOCK) - marked) * OS_PAGE;
  chunk_live[idx] = 0;
  a->chunks--;
  a->empty_chunks--;
  os_decommit(c, CHUNK_BYTES);
  a->released[a->released_count++] = (uint32_t)idx;
}

static bool is_whole(size_t i, size_t size) { return i == MB_FIRST && size == WHOLE_BLOCK; }

/*
 * The retained budget (config.h): how many free pages an arena keeps
 * committed. Page faults and madvise cost far more than reuse, so free
 * pages stay until the arena holds more than its recent use can want back;
 * then a sweep gives back the excess and a quarter of the budget more, so
 * that the next sweep waits for that much more to pile up.
 */

/* Counts `handed` bytes just handed out toward the arena's window, and the
 * bytes now in blocks toward its peak. */
static void note_use(arena_t *a, size_t handed) {
  size_t in_use = a->live_bytes + a->q_bytes + a->q_pending_bytes;
  if (in_use > a->window_peak) a->window_peak = in_use;
  a->window_handed += handed;
  size_t length = a->window_peak > WD_MEDIUM_RETAIN_MIN ? a->window_peak : WD_MEDIUM_RETAIN_MIN;
  if (a->window_handed >= length) {
    a->last_peak = a->window_peak;
    a->window_peak = in_use;
    a->window_handed = 0;
  }
}

/* In pages: what the arena may want back to return to its recent peak,
 * plus a share of that peak for the churn in between, within the knobs. */
static size_t retain_budget(const arena_t *a) {
  size_t in_use = a->live_bytes + a->q_bytes + a->q_pending_bytes;
  size_t peak = a->window_peak > a->last_peak ? a->window_peak : a->last_peak;
  size_t bytes = (peak > in_use ? peak - in_use : 0) + (peak >> WD_MEDIUM_RETAIN_SHIFT);
  if (bytes < WD_MEDIUM_RETAIN_MIN) bytes = WD_MEDIUM_RETAIN_MIN;
  if (bytes > WD_MEDIUM_RETAIN_MAX) bytes = WD_MEDIUM_RETAIN_MAX;
  return bytes / OS_PAGE;
}

/* Drops the pages inside free block i that may hold memory, a run of
 * unmarked pages per call, and marks them purged; the tags and links stay,
 * and the pages read as zero afterwards, as a free block's interior must.
 * Returns how many pages it dropped. */
static size_t purge_free_block(arena_t *a, size_t *c, size_t i) {
  size_t lo, hi;
  inner_pages(c, i, mb_size(c[i]), &lo, &hi);
  uint64_t *map = map_of(c);
  size_t dropped = 0;
  for (size_t p = lo; p < hi;) {
    if (map_test(map, p)) {
      p++;
      continue;
    }
    size_t end = p + 1;
    while (end < hi && !map_test(map, end)) end++;
    os_purge((char *)c + p * OS_PAGE, (end - p) * OS_PAGE);
    dropped += map_update(map, p, end, true);
    p = end;
  }
  a->purged_pages += dropped;
  a->given_back += dropped * OS_PAGE;
  return dropped;
}

/* Brings the pages the arena keeps down to `target`, largest free blocks
 * first: good fit takes them last, so theirs are the pages least likely to
 * be wanted soon. An empty chunk is released whole while more than
 * WD_MEDIUM_KEEP_EMPTY are empty; blocks under WD_MEDIUM_PURGE_MIN are not
 * worth a system call. */
static void sweep(arena_t *a, size_t target) {
  size_t *r = range_words();
  unsigned least = mb_list_of(WD_MEDIUM_PURGE_MIN).fl;
  for (unsigned fl = FL_COUNT; fl-- > least;) {
    for (unsigned sl = MB_SL_COUNT; sl-- > 0;) {
      if (((a->sl_map[fl] >> sl) & 1) == 0) continue;
      for (size_t k = follow_head(&a->heads[fl][sl]); k != ML_NONE;) {
        if (a->free_pages - a->purged_pages <= target) return;
        size_t next = follow_word(r, k + ML_NEXT);
        size_t *c = chunk_of(r + k);
        size_t i = (size_t)(r + k - c);
        size_t size = mb_size(c[i]);
        if (is_whole(i, size) && a->empty_chunks > WD_MEDIUM_KEEP_EMPTY) {
          list_remove(a, c, i);
          release_chunk(a, c);
        } else if (size >= WD_MEDIUM_PURGE_MIN) {
          purge_free_block(a, c, i);
        }
        k = next;
      }
    }
  }
}

/* After a free: a sweep once the arena keeps more than its budget and
 * more than the last sweep could not give back (pages of blocks too small
 * to purge), aiming a quarter below the budget. */
static void keep_within_budget(arena_t *a) {
  size_t budget = retain_budget(a);
  if (a->free_pages - a->purged_pages <= budget + a->stuck_pages) return;
  size_t target = budget - budget / 4;
  sweep(a, target);
  size_t kept = a->free_pages - a->purged_pages;
  a->stuck_pages = kept > target ? kept - target : 0;
}

/* Finds the live block whose payload starts at p, with its canary and
 * footer intact, or ends the process: `bad` names a pointer that was never
 * a block, misuse_freed(bad) one that was (in quarantine, free, or
 * remembered among the arena's recent frees once its header is gone). */
static size_t *locate(arena_t *a, const void *p, size_t *index, misuse_t bad) {
  misuse_t freed = misuse_freed(bad);
  uintptr_t addr = (uintptr_t)p;
  size_t *c = chunk_of(p);
  size_t w = (addr - (uintptr_t)c) / MB_WORD;
  bool placed = chunk_live[chunk_index(c)] && addr % MB_ALIGN == 0 && w >= MB_FIRST + 2 &&
                w < CHUNK_WORDS - MB_TAIL;
  size_t i = w - 2;
  if (!placed || !header_sound(c, i)) {
    const recent_free_t *gone = recent_find(a->freed, WD_MEDIUM_FREED_MEMORY, addr);
    if (gone != NULL) report_fatal(freed, p, REPORT_MEDIUM(gone->size));
    report_fatal(bad, p, REPORT_MEDIUM_UNKNOWN);
  }
  size_t size = mb_size(c[i]);
  WD_CHECK(c[i] % MB_ALIGN == LIVE, freed, p, REPORT_MEDIUM(size));
  /* An overflow reaches the canary before the footer: named first. */
  WD_CHECK(canary_intact(c, i, size), MISUSE_CANARY_OVERWRITTEN, p, REPORT_MEDIUM(size));
  WD_CHECK(c[i + mb_words(size) - 1] == c[i], MISUSE_BOUNDARY_TAG_CORRUPTED, p, REPORT_MEDIUM(size));
  *index = i;
  return c;
}

/* Checks the block after i before it is trusted for a merge. */
static void check_next(const size_t *c, size_t i) {
  size_t j = mb_next(c, i);
  if (j == CHUNK_WORDS - MB_TAIL) {
    WD_CHECK(c[j] == mb_tag(0, 0), MISUSE_BOUNDARY_TAG_CORRUPTED, &c[j], REPORT_MEDIUM_UNKNOWN);
    return;
  }
  WD_CHECK(header_sound(c, j), MISUSE_BOUNDARY_TAG_CORRUPTED, &c[j], REPORT_MEDIUM_UNKNOWN);
}

/* Cuts block i down to `need` bytes, allocated; a remainder large enough to
 * be a block goes back on the lists, merged with a free block after it. The
 * remainder's words must hold no metadata (zero, when zeroing). */
static void trim(arena_t *a, size_t *c, size_t i, size_t need) {
  size_t size = mb_size(c[i]);
  if (size - need < MB_MIN) {
    mb_set_state(c, i, LIVE);
    seal(c, i);
    return;
  }
  /* A free block after i joins the remainder. It is merged into i before
   * the split, so that the split and the remainder's insertion are one
   * proved step (ms_split_put_all); the blocks that result are the same. */
  check_next(c, i);
  size_t k = mb_next(c, i);
  if (k < CHUNK_WORDS - MB_TAIL && mb_is_free(c[k])) unlist_merge(a, c, i, k, k, FREE);
  size_t j = i + mb_words(need);
  pages_used(a, c, j, j + 4); /* the remainder's header and links */
  split_put(a, c, i, need, LIVE, false);
  seal(c, i);
  seal(c, j);
}

static void *arena_alloc(arena_t *a, size_t need, size_t want, size_t alignment) {
  lock_acquire(arena_lock(a));
  size_t *b = find_block(a, want);
  if (b == NULL) {
    if (!add_chunk(a)) {
      lock_release(arena_lock(a));
      return NULL;
    }
    b = find_block(a, want);
    if (b == NULL) {
      lock_release(arena_lock(a));
      return NULL;
    }
  }
  size_t *c = chunk_of(b);
  size_t i = (size_t)(b - c);
  list_remove(a, c, i);
  /* The links were the free block's; the rest of it holds nothing. */
  c[i + ML_NEXT] = 0;
  c[i + ML_PREV] = 0;
  if (is_whole(i, mb_size(c[i]))) a->empty_chunks--;
  if (alignment > MB_ALIGN) {
    uintptr_t payload = (uintptr_t)&c[i + 2];
    uintptr_t aligned = align_up(payload, alignment);
    /* A gap too small to be a free block is widened to the next boundary. */
    if (aligned != payload && aligned - payload < MB_MIN) aligned = align_up(payload + MB_MIN, alignment);
    if (aligned != payload) {
      size_t j = i + mb_words(aligned - payload);
      pages_used(a, c, j - 1, j); /* the front block's footer */
      split_put(a, c, i, aligned - payload, FREE, true);
      seal(c, i);
      i = j;
    }
  }
  trim(a, c, i, need);
  pages_used(a, c, i, mb_next(c, i));
  put_canary(c, i);
  a->live++;
  a->live_bytes += mb_size(c[i]);
  note_use(a, mb_size(c[i]));
  lock_release(arena_lock(a));
  return &c[i + 2];
}

void *medium_alloc(size_t n, size_t alignment) {
  size_t need = mb_block_for(n + CANARY);
  size_t want = alignment <= MB_ALIGN ? need : need + alignment + MB_MIN;
  unsigned count = sealed.medium_arenas;
  if (thread_arena == 0) thread_arena = (uint8_t)(1 + __atomic_fetch_add(&next_arena, 1, __ATOMIC_RELAXED) % count);
  /* The thread's own arena first; the others when its share is used up. */
  for (unsigned k = 0; k < count; k++) {
    void *p = arena_alloc(&arenas[(thread_arena - 1u + k) % count], need, want, alignment);
    if (p != NULL) return p;
  }
  return NULL;
}

bool medium_hands_out_zero(void) { return sealed_zero_on_free(); }

unsigned medium_arena_count(void) { return sealed.medium_arenas; }

unsigned medium_arena_index(const void *p) { return (unsigned)(arena_of(p) - arenas); }

/* For a trim: drops the pages inside every free block and every block in
 * quarantine, under the arena's lock; returns the bytes that could have
 * held memory. Sweeps leave quarantined blocks alone: their check on
 * leaving would read the dropped pages back in as the shared zero page, and
 * every later write to one would then cost a copy-on-write fault. Their
 * pages are not marked, as they are in no free block. */
static size_t purge_all(arena_t *a) {
  size_t purged = 0;
  for (uint32_t idx = share_first(a); idx < share_first(a) + a->carved; idx++) {
    if (!chunk_live[idx]) continue;
    size_t *c = (size_t *)(sealed.medium_start + (uintptr_t)idx * CHUNK_BYTES);
    for (size_t i = MB_FIRST; i < CHUNK_WORDS - MB_TAIL; i = mb_next(c, i)) {
      size_t state = c[i] % MB_ALIGN;
      if (state == FREE) {
        purged += purge_free_block(a, c, i) * OS_PAGE;
      } else if (state == QUARANTINED) {
        size_t lo, hi;
        inner_pages(c, i, mb_size(c[i]), &lo, &hi);
        if (hi > lo) {
          os_purge((char *)c + lo * OS_PAGE, (hi - lo) * OS_PAGE);
          purged += (hi - lo) * OS_PAGE;
          a->given_back += (hi - lo) * OS_PAGE;
        }
      }
    }
  }
  return purged;
}

/* Frees block i (freed, or leaving the quarantine): merges it with free
 * neighbours and lists it, a wholly free chunk too; the budget decides
 * what goes back to the kernel. */
static void free_block(arena_t *a, size_t *c, size_t i) {
  check_next(c, i);
  mb_set_state(c, i, FREE);
  size_t j = mb_next(c, i);
  if (j < CHUNK_WORDS - MB_TAIL && mb_is_free(c[j])) {
    unlist_merge(a, c, i, j, j, FREE);
  }
  if (mb_is_free(c[i - 1])) {
    size_t h = mb_prev(c, i);
    bool sound = h >= MB_FIRST && h < i && header_sound(c, h) && c[h] == c[i - 1];
    WD_CHECK(sound, MISUSE_BOUNDARY_TAG_CORRUPTED, &c[i - 1], REPORT_MEDIUM_UNKNOWN);
    unlist_merge(a, c, h, i, h, FREE);
    i = h;
  }
  seal(c, i);
  if (is_whole(i, mb_size(c[i]))) a->empty_chunks++;
  list_insert(a, c, i);
  keep_within_budget(a);
}

/* The arena lock is let go while a block is zeroed or checked, which
 * takes microseconds for the biggest: its tag says quarantined, so nothing
 * else touches it meanwhile (a second free is named, neighbours do not
 * merge with it), and the heap check counts it as pending. */
static void unlock_pending(arena_t *a, size_t size) {
  a->q_pending++;
  a->q_pending_bytes += size;
  lock_release(arena_lock(a));
}

static void relock_pending(arena_t *a, size_t size) {
  lock_acquire(arena_lock(a));
  a->q_pending--;
  a->q_pending_bytes -= size;
}

/* A block leaves the quarantine, under the lock. It must be as it was
 * left: its tags intact and, when zeroing, every payload word still zero,
 * or something wrote through a dangling pointer. Then it is freed for
 * real, and its address remembered for naming a later second free. */
static void leave_quarantine(arena_t *a, uintptr_t entry) {
  size_t *c = chunk_of((const void *)entry);
  size_t i = (size_t)((size_t *)entry - c);
  size_t size = mb_size(c[i]);
  size_t *payload = &c[i + 2];
  WD_CHECK(header_sound(c, i) && c[i] % MB_ALIGN == QUARANTINED && c[i + mb_words(size) - 1] == c[i],
           MISUSE_BOUNDARY_TAG_CORRUPTED, payload, REPORT_MEDIUM(size));
  a->q_blocks--;
  a->q_bytes -= size;
  if (sealed_zero_on_free()) {
    unlock_pending(a, size);
    WD_CHECK(words_zero(payload, mb_words(size) - 3), MISUSE_WRITE_AFTER_FREE, payload, REPORT_MEDIUM(size));
    relock_pending(a, size);
  }
  recent_add(a->freed, WD_MEDIUM_FREED_MEMORY, &a->freed_next, (uintptr_t)payload, size);
  free_block(a, c, i);
}

void medium_free(void *p) {
  arena_t *a = arena_of(p);
  lock_acquire(arena_lock(a));
  size_t i;
  size_t *c = locate(a, p, &i, MISUSE_INVALID_FREE);
  size_t size = mb_size(c[i]);
  check_next(c, i);
  a->live--;
  a->live_bytes -= size;
  uint32_t random_len = q_random_len();
  if (random_len != 0) {
    mb_set_state(c, i, QUARANTINED);
    seal(c, i);
  }
  /* Zeroed while the block is warm, so that nothing stale reaches its next
   * owner and a write through a dangling pointer stands out when it leaves
   * the quarantine; without zeroing, only the canary goes (no metadata
   * stays in freed memory). */
  if (!sealed_zero_on_free()) {
    clear_canary(c, i, size);
  } else if (random_len != 0) {
    unlock_pending(a, size);
    memset(p, 0, size - MB_OVERHEAD);
    relock_pending(a, size);
  } else {
    memset(p, 0, size - MB_OVERHEAD);
  }
  if (random_len == 0) {
    recent_add(a->freed, WD_MEDIUM_FREED_MEMORY, &a->freed_next, (uintptr_t)p, size);
    free_block(a, c, i);
    lock_release(arena_lock(a));
    return;
  }
  a->q_blocks++;
  a->q_bytes += size;
  uintptr_t out = quarantine_put(&a->q, a->q_random, a->q_fifo, q_fifo_len(), random_below(&a->rng, random_len),
                                 (uintptr_t)&c[i]);
  if (out != 0) leave_quarantine(a, out);
  while (a->q_bytes > WD_MEDIUM_QUARANTINE_BYTES) {
    out = quarantine_evict(&a->q, a->q_random, random_len, a->q_fifo, q_fifo_len(),
                           random_below(&a->rng, random_len));
    leave_quarantine(a, out);
  }
  lock_release(arena_lock(a));
}

size_t medium_usable(const void *p, misuse_t bad) {
  arena_t *a = arena_of(p);
  lock_acquire(arena_lock(a));
  size_t i;
  size_t *c = locate(a, p, &i, bad);
  size_t usable = mb_size(c[i]) - MB_OVERHEAD - CANARY;
  lock_release(arena_lock(a));
  return usable;
}

bool medium_resize(void *p, size_t n) {
  size_t need = mb_block_for(n + CANARY);
  arena_t *a = arena_of(p);
  lock_acquire(arena_lock(a));
  size_t i;
  size_t *c = locate(a, p, &i, MISUSE_INVALID_FREE);
  size_t size = mb_size(c[i]);
  bool done = need <= size;
  if (!done) {
    check_next(c, i);
    size_t j = mb_next(c, i);
    if (j < CHUNK_WORDS - MB_TAIL && mb_is_free(c[j]) && size + mb_size(c[j]) >= need) {
      unlist_merge(a, c, i, j, j, LIVE);
      done = true;
    }
  }
  if (done) {
    /* The old canary is metadata inside the block now; a tail cut off
     * becomes a free block, which holds zeros when zeroing. A block grown
     * into its free neighbour needs nothing more: that one's words are
     * zero already, its tags and links cleared by the merge. */
    clear_canary(c, i, size);
    if (sealed_zero_on_free() && need < size && size - need >= MB_MIN) memset(&c[i + mb_words(need)], 0, size - need - MB_WORD);
    trim(a, c, i, need);
    pages_used(a, c, i, mb_next(c, i)); /* a free neighbour's pages, if it grew */
    put_canary(c, i);
    a->live_bytes = a->live_bytes - size + mb_size(c[i]);
    if (mb_size(c[i]) > size) note_use(a, mb_size(c[i]) - size);
  }
  lock_release(arena_lock(a));
  return done;
}

size_t medium_block_size(size_t usable) { return usable + MB_OVERHEAD + CANARY; }

bool medium_size_matches(size_t usable, size_t n) {
  size_t block = medium_block_size(usable);
  size_t need = mb_block_for(n + CANARY);
  return block >= need && block - need < MB_MIN;
}

/* What check_chunk counts, for check_arena to compare with the arena. */
typedef struct found {
  size_t free_blocks, q_blocks;
  size_t free_pages, purged_pages;
} found_t;

/* The purged map marks pages strictly inside free blocks only: a block
 * that is not free has none among the pages it touches, a free one none
 * outside its inner pages. */
static void check_pages(const size_t *c, size_t i, size_t size, found_t *found) {
  const uint64_t *map = purged_map[chunk_index(c)];
  size_t touched = map_count(map, i * MB_WORD / OS_PAGE, ((i + mb_words(size)) * MB_WORD + OS_PAGE - 1) / OS_PAGE);
  size_t inner = 0;
  if (mb_is_free(c[i])) {
    size_t lo, hi;
    inner_pages(c, i, size, &lo, &hi);
    inner = map_count(map, lo, hi);
    found->free_pages += hi - lo;
    found->purged_pages += inner;
  }
  if (touched != inner) report_check_failed("purged pages inside free blocks", &c[i], REPORT_MEDIUM(size));
}

static void check_chunk(size_t *c, found_t *found) {
  report_where_t none = REPORT_MEDIUM_UNKNOWN;
  if (c[MB_FIRST - 1] != mb_tag(0, 0)) report_check_failed("chunk prologue", &c[MB_FIRST - 1], none);
  if (c[CHUNK_WORDS - MB_TAIL] != mb_tag(0, 0)) {
    report_check_failed("chunk epilogue", &c[CHUNK_WORDS - MB_TAIL], none);
  }
  /* The blocks before `bad` are well formed and tile the chunk up to it
   * (mb_walk, proved), so this loop steps through the same blocks: it checks
   * what the proof does not cover and, at `bad`, names the rule broken. */
  size_t bad = mb_walk(c);
  size_t prev_free = 0;
  for (size_t i = MB_FIRST; i < CHUNK_WORDS - MB_TAIL; i = mb_next(c, i)) {
    size_t size = mb_size(c[i]);
    report_where_t where = REPORT_MEDIUM(size);
    if (i == bad) {
      if (c[i] % MB_ALIGN > QUARANTINED) report_check_failed("tag encoding", &c[i], where);
      if (size < MB_MIN || mb_words(size) > CHUNK_WORDS - MB_TAIL - i) {
        report_check_failed("blocks tile the chunk", &c[i], where);
      }
    }
    if (c[i + 1] != checksum(&c[i], c[i])) report_check_failed("header checksum", &c[i], where);
    /* mb_walk's contract: a block that breaks the tiling with a sound tag
     * and size has a footer unlike its header. */
    if (i == bad) report_check_failed("footer matches header", &c[i], where);
    if ((uintptr_t)&c[i + 2] % MB_ALIGN != 0) report_check_failed("payload aligned", &c[i], where);
    size_t is_free = mb_is_free(c[i]);
    if (is_free && prev_free) report_check_failed("no adjacent free blocks", &c[i], where);
    found->free_blocks += is_free;
    prev_free = is_free;
    if (c[i] % MB_ALIGN == LIVE && !canary_intact(c, i, size)) report_check_failed("canary intact", &c[i + 2], where);
    found->q_blocks += c[i] % MB_ALIGN == QUARANTINED;
    check_pages(c, i, size, found);
  }
}

/* Every quarantine entry names a quarantined block of this arena, still
 * zero when zeroing, each once: with the pending ones (zeroed or checked
 * by a free right now), the blocks counted in the chunks are all there is. */
static void check_quarantine(arena_t *a, const found_t *found) {
  uint32_t fifo_len = q_fifo_len();
  size_t named = 0, bytes = 0;
  for (uint32_t k = 0; k < Q_RANDOM_CAP + a->q.fifo_count; k++) {
    uintptr_t e = k < Q_RANDOM_CAP ? a->q_random[k] : quarantine_fifo_at(&a->q, a->q_fifo, fifo_len, k - Q_RANDOM_CAP);
    if (e == 0 && k < Q_RANDOM_CAP) continue;
    const size_t *c = chunk_of((const void *)e);
    size_t i = (size_t)((const size_t *)e - c);
    bool sound = medium_owns((const void *)e) && arena_of((const void *)e) == a && chunk_live[chunk_index(c)] &&
                 e % MB_ALIGN == 0 && i >= MB_FIRST && i < CHUNK_WORDS - MB_TAIL &&
                 header_sound(c, i) && c[i] % MB_ALIGN == QUARANTINED;
    if (!sound) report_check_failed("quarantine holds quarantined blocks", (const void *)e, REPORT_MEDIUM_UNKNOWN);
    size_t size = mb_size(c[i]);
    if (sealed_zero_on_free() && !words_zero(&c[i + 2], mb_words(size) - 3)) {
      report_check_failed("quarantined block zero", &c[i + 2], REPORT_MEDIUM(size));
    }
    named++;
    bytes += size;
  }
  if (named != a->q_blocks || named + a->q_pending != found->q_blocks || bytes != a->q_bytes) {
    report_check_failed("quarantined blocks counted once", NULL, REPORT_MEDIUM_UNKNOWN);
  }
}

static void check_lists(arena_t *a, size_t free_found) {
  size_t *r = range_words();
  size_t listed = 0;
  for (unsigned fl = 0; fl < FL_COUNT; fl++) {
    for (unsigned sl = 0; sl < MB_SL_COUNT; sl++) {
      size_t *head = &a->heads[fl][sl];
      bool marked = (a->sl_map[fl] >> sl) & 1;
      bool empty = *head == empty_head(head);
      if (marked == empty) report_check_failed("bitmap marks non-empty lists", head, REPORT_MEDIUM_UNKNOWN);
      size_t prev = ML_NONE;
      for (size_t k = follow_head(head); k != ML_NONE; k = follow_word(r, k + ML_NEXT)) {
        size_t *b = r + k;
        mb_list_t l = mb_list_of(mb_size(b[0]));
        if (l.fl != fl || l.sl != sl) {
          report_check_failed("free block on its size's list", b, REPORT_MEDIUM(mb_size(b[0])));
        }
        if (follow_word(r, k + ML_PREV) != prev) {
          report_check_failed("free list back links", b, REPORT_MEDIUM(mb_size(b[0])));
        }
        if (++listed > free_found) report_check_failed("free blocks listed once", b, REPORT_MEDIUM_UNKNOWN);
        prev = k;
      }
    }
    bool fl_marked = (a->fl_map >> fl) & 1;
    if (fl_marked != (a->sl_map[fl] != 0)) {
      report_check_failed("bitmap marks non-empty lists", &a->sl_map[fl], REPORT_MEDIUM_UNKNOWN);
    }
  }
  if (listed != free_found) report_check_failed("every free block listed", NULL, REPORT_MEDIUM_UNKNOWN);
  if (listed != a->free_blocks) report_check_failed("free block count", NULL, REPORT_MEDIUM_UNKNOWN);
}

static void check_arena(arena_t *a) {
  lock_acquire(arena_lock(a));
  found_t found = {0, 0, 0, 0};
  size_t chunks = 0, empty = 0;
  for (uint32_t idx = share_first(a); idx < share_first(a) + a->carved; idx++) {
    if (!chunk_live[idx]) {
      if (map_count(purged_map[idx], 0, CHUNK_PAGES) != 0) {
        report_check_failed("purged pages inside free blocks", purged_map[idx], REPORT_MEDIUM_UNKNOWN);
      }
      continue;
    }
    size_t *c = (size_t *)(sealed.medium_start + (uintptr_t)idx * CHUNK_BYTES);
    check_chunk(c, &found);
    chunks++;
    empty += is_whole(MB_FIRST, mb_size(c[MB_FIRST])) && mb_is_free(c[MB_FIRST]);
  }
  if (chunks != a->chunks || empty != a->empty_chunks) {
    report_check_failed("chunk counts", NULL, REPORT_MEDIUM_UNKNOWN);
  }
  if (found.free_pages != a->free_pages || found.purged_pages != a->purged_pages) {
    report_check_failed("purged page count", NULL, REPORT_MEDIUM_UNKNOWN);
  }
  check_lists(a, found.free_blocks);
  check_quarantine(a, &found);
  lock_release(arena_lock(a));
}

void medium_check(void) {
  for (unsigned k = 0; k < sealed.medium_arenas; k++) check_arena(&arenas[k]);
}

void medium_add_stats(wd_stats_t *stats) {
  for (unsigned k = 0; k < sealed.medium_arenas; k++) {
    arena_t *a = &arenas[k];
    lock_acquire(arena_lock(a));
    stats->medium_live += a->live;
    stats->medium_bytes += a->live_bytes;
    stats->medium_free_blocks += a->free_blocks;
    stats->medium_free_bytes += a->free_bytes;
    stats->medium_quarantined_bytes += a->q_bytes + a->q_pending_bytes;
    stats->medium_chunks += a->chunks;
    stats->medium_retained_bytes += (a->free_pages - a->purged_pages) * OS_PAGE;
    stats->medium_purged_bytes += a->given_back;
    stats->mapped_bytes += a->chunks * CHUNK_BYTES;
    lock_release(arena_lock(a));
  }
}

static size_t trim_arena(arena_t *a) {
  lock_acquire(arena_lock(a));
  size_t released = 0;
  for (uint32_t idx = share_first(a); idx < share_first(a) + a->carved; idx++) {
    if (!chunk_live[idx]) continue;
    size_t *c = (size_t *)(sealed.medium_start + (uintptr_t)idx * CHUNK_BYTES);
    if (mb_is_free(c[MB_FIRST]) && is_whole(MB_FIRST, mb_size(c[MB_FIRST]))) {
      list_remove(a, c, MB_FIRST);
      release_chunk(a, c);
      released += CHUNK_BYTES;
    }
  }
  released += purge_all(a);
  a->stuck_pages = 0;
  lock_release(arena_lock(a));
  return released;
}

size_t medium_trim(void) {
  size_t released = 0;
  for (unsigned k = 0; k < sealed.medium_arenas; k++) released += trim_arena(&arenas[k]);
  return released;
}

/* Always in index order, so that two callers cannot deadlock. */
void medium_lock_all(void) {
  for (unsigned k = 0; k < sealed.medium_arenas; k++) lock_acquire(&arena_locks[k].lock);
}

void medium_unlock_all(void) {
  for (unsigned k = sealed.medium_arenas; k > 0; k--) lock_release(&arena_locks[k - 1].lock);
}

void medium_after_fork_child(void) {
  for (unsigned k = 0; k < sealed.medium_arenas; k++) {
    /* The rng needs nothing: the child's new random key (heap.c) already
     * makes its draws unrelated to the parent's. */
    lock_reset(&arena_locks[k].lock);
  }
}
