#include "tcache.h"

#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "lock.h"
#include "os.h"
#include "quiesce.h"
#include "report.h"
#include "small.h"
#include "small_slot.h"

/* Bytes a bin may hold per class and thread. */
#define BIN_BYTES 16384

__thread tcache_t *tcache_current __attribute__((tls_model("initial-exec")));

static lock_t registry_lock LOCK_FORK_STATE = LOCK_INIT;
static tcache_t *registry;
static tcache_t *spare;
static unsigned next_lane;

static uint32_t bin_cap(unsigned c) { return tcache_bin_caps()[c]; }

static void on_thread_exit(void *arg);

void tcache_init(void) {
  for (unsigned c = 0; c < SMALL_CLASS_COUNT; c++) {
    uint32_t cap = BIN_BYTES / small_geometry[c].slot_size;
    sealed.tcache_bin_caps[c] = (uint8_t)(cap < 2 ? 2 : cap > TCACHE_BIN_MAX ? TCACHE_BIN_MAX : cap);
  }
  quiesce_init();
  /* Without a key there is no exit hook: threads then use the locked paths
   * only, which is slower but loses nothing. */
  if (pthread_key_create(&sealed.tcache_exit_key, on_thread_exit) != 0) tcache_current = TCACHE_EXITED;
}

static void link_cache(tcache_t *tc) {
  tc->prev = NULL;
  tc->next = registry;
  if (registry != NULL) registry->prev = tc;
  registry = tc;
}

static void unlink_cache(tcache_t *tc) {
  if (tc->prev != NULL) tc->prev->next = tc->next;
  else registry = tc->next;
  if (tc->next != NULL) tc->next->prev = tc->prev;
}

/* Caches come from the kernel, between guard pages, never from the heap
 * they serve; a spare one left by an exited thread is taken first. */
tcache_t *tcache_create(void) {
  if (tcache_current == TCACHE_EXITED) return NULL;
  lock_acquire(&registry_lock);
  tcache_t *tc = spare;
  if (tc != NULL) spare = tc->next;
  lock_release(&registry_lock);
  if (tc == NULL) {
    size_t bytes = align_up(sizeof(tcache_t), OS_PAGE);
    char *map = os_reserve(bytes + 2 * OS_PAGE);
    if (map == NULL || !os_commit(map + OS_PAGE, bytes)) return NULL;
    tc = (tcache_t *)(void *)(map + OS_PAGE);
  } else {
    memset(tc, 0, sizeof *tc);
  }
  lock_acquire(&registry_lock);
  /* Threads in turn, like medium arenas: the first few share nothing. */
  tc->lane = next_lane++ % SMALL_LANES;
  link_cache(tc);
  lock_release(&registry_lock);
  tcache_current = tc;
  pthread_setspecific(sealed.tcache_exit_key, tc);
  return tc;
}

/* Freed slots are traded: the slots the quarantine lets go of in return
 * come straight into the bin, still reserved, instead of going back to
 * their slabs for a refill to take out again. */
void tcache_retire_all(tcache_bin_t *b, unsigned c, unsigned lane) {
  uint32_t room = bin_cap(c) - b->avail_count;
  b->avail_count += small_trade(c, lane, b->freed_at, b->freed_count, b->avail + b->avail_count,
                                b->avail_at + b->avail_count, room);
  b->freed_count = 0;
}

bool tcache_refill(tcache_bin_t *b, unsigned c, unsigned lane) {
  if (b->freed_count != 0) tcache_retire_all(b, c, lane);
  uint32_t cap = bin_cap(c);
  if (b->avail_count < cap) {
    b->avail_count += small_reserve(c, lane, b->avail + b->avail_count, b->avail_at + b->avail_count,
                                    cap - b->avail_count);
  }
  return b->avail_count != 0;
}

/* Gives everything a cache holds back to the classes. */
static void drain(tcache_t *tc) {
  for (unsigned c = 0; c < SMALL_CLASS_COUNT; c++) {
    tcache_bin_t *b = &tc->bins[c];
    if (b->avail_count != 0) small_unreserve(c, b->avail_at, b->avail_count);
    if (b->freed_count != 0) small_retire(c, b->freed_at, b->freed_count);
    if (tc->live[c] != 0) small_adjust_live(c, tc->live[c]);
    b->avail_count = b->freed_count = 0;
    tc->live[c] = 0;
  }
}

static void on_thread_exit(void *arg) {
  tcache_t *tc = arg;
  while (!quiesce_enter(&tc->flag)) sched_yield();
  drain(tc);
  quiesce_leave(&tc->flag);
  lock_acquire(&registry_lock);
  unlink_cache(tc);
  tc->next = spare;
  spare = tc;
  lock_release(&registry_lock);
  tcache_current = TCACHE_EXITED;
}

void tcache_stop_world(void) {
  lock_acquire(&registry_lock);
  quiesce_request();
  for (tcache_t *tc = registry; tc != NULL; tc = tc->next) quiesce_wait(&tc->flag);
}

void tcache_resume_world(void) {
  quiesce_release();
  lock_release(&registry_lock);
}

size_t tcache_walk_class(unsigned c, void (*fn)(unsigned c, const void *slot), int64_t *live) {
  size_t held = 0;
  for (tcache_t *tc = registry; tc != NULL; tc = tc->next) {
    const tcache_bin_t *b = &tc->bins[c];
    if (b->avail_count > TCACHE_BIN_MAX || b->freed_count > TCACHE_BIN_MAX) {
      report_check_failed("thread cache counts", tc, REPORT_SMALL(small_class_size(c)));
    }
    for (uint32_t k = 0; k < b->avail_count && fn != NULL; k++) {
      /* Hand-out trusts the place beside the pointer: they must agree. */
      if (small_pack_place(small_place_of(c, b->avail[k])) != b->avail_at[k]) {
        report_check_failed("thread cache places", b->avail[k], REPORT_SMALL(small_class_size(c)));
      }
      fn(c, b->avail[k]);
    }
    for (uint32_t k = 0; k < b->freed_count && fn != NULL; k++) {
      if (small_pack_place(small_place_of(c, b->freed[k])) != b->freed_at[k]) {
        report_check_failed("thread cache places", b->freed[k], REPORT_SMALL(small_class_size(c)));
      }
      fn(c, b->freed[k]);
    }
    held += b->avail_count + b->freed_count;
    *live += tc->live[c];
  }
  return held;
}

void tcache_after_fork_child(void) {
  lock_reset(&registry_lock);
  tcache_t *tc = registry;
  while (tc != NULL) {
    tcache_t *next = tc->next;
    if (tc != tcache_current) {
      drain(tc);
      unlink_cache(tc);
      tc->flag.busy = 0;
      tc->next = spare;
      spare = tc;
    }
    tc = next;
  }
  quiesce_release();
}
