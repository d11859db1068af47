/*
 * Two threads free the same small pointer at the same moment, each through
 * its own thread cache, without any lock on the path: exactly one free may
 * win, and the other must end the process with the double-free line. Both
 * succeeding would leave the slot twice in the caches, to be handed out to
 * two owners.
 *
 * The frees overlap only if both threads run the lock-free path at once.
 * Each thread warms its own cache and reads the victim's metadata first, so
 * that neither free starts with a miss the other does not have; the two
 * threads run on CPUs of their own, pass a counter back and forth until
 * both are running, and then one waits a few cycles, a delay that changes
 * from round to round so that the rounds sweep the frees across each other.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/api/check.h"

/* With a plain load and store in place of the atomic test-and-clear, both
 * frees got through in 0.4% to 4% of rounds on a 2-CPU machine busy with
 * other work: 800 rounds catch that. */
#define ROUNDS 800
/* The delays swept, in spin-loop iterations (about a cycle each), on
 * either side: beyond the time one free takes. */
#define SWEEP 1500
/* Turns of the counter: long enough that both threads are on their CPUs. */
#define HANDSHAKES 200
/* About 18 s on a 2-CPU machine with a load average of 12, less when
 * idle; only a hang reaches this. */
#define WATCHDOG_SECONDS 120

typedef struct race {
  void *victim;
  cpu_set_t cpus[2]; /* empty when the process may use a single CPU */
  atomic_int turn;
  unsigned delay[2];
} race_t;

static void spin(unsigned n) {
  for (unsigned i = 0; i < n; i++) __asm__ volatile("");
}

/* Thread `me` (0 or 1) takes its turns until the counter reaches
 * HANDSHAKES: then both have just run, and leave within one cache-line
 * transfer of each other. */
static void meet(atomic_int *turn, int me) {
  for (unsigned long n = 1;; n++) {
    int t = atomic_load(turn);
    if (t >= HANDSHAKES) return;
    if (t % 2 == me) atomic_store(turn, t + 1);
    else if (n % (1u << 16) == 0) sched_yield();
  }
}

static void free_victim(race_t *r, int me) {
  if (CPU_COUNT(&r->cpus[me]) != 0) sched_setaffinity(0, sizeof r->cpus[me], &r->cpus[me]);
  free(hide_ptr(malloc(24)));
  (void)malloc_usable_size(r->victim);
  meet(&r->turn, me);
  spin(r->delay[me]);
  free(r->victim);
}

static void *second_thread(void *arg) {
  free_victim(arg, 1);
  return NULL;
}

static void race(void *arg) {
  race_t *r = arg;
  r->victim = hide_ptr(malloc(24));
  pthread_t t;
  if (pthread_create(&t, NULL, second_thread, r) != 0) _exit(2);
  free_victim(r, 0);
  pthread_join(t, NULL);
}

/* Two CPUs this process may run on, one per thread; false when it has one. */
static bool two_cpus(cpu_set_t out[2]) {
  cpu_set_t all;
  CPU_ZERO(&out[0]);
  CPU_ZERO(&out[1]);
  if (sched_getaffinity(0, sizeof all, &all) != 0) return false;
  int found = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; cpu++) {
    if (CPU_ISSET(cpu, &all)) CPU_SET(cpu, &out[found++]);
  }
  if (found == 2) return true;
  CPU_ZERO(&out[0]);
  return false;
}

int main(void) {
  alarm(WATCHDOG_SECONDS);
  CHECK(malloc_usable_size(hide_ptr(malloc(1))) == 8);
  race_t r = {0};
  if (!two_cpus(r.cpus)) printf("one CPU: the frees interleave only where the scheduler switches threads\n");
  for (int k = 0; k < ROUNDS; k++) {
    /* From the second thread SWEEP iterations late to the first as late. */
    int offset = -SWEEP + 2 * SWEEP * k / (ROUNDS - 1);
    r.delay[0] = offset > 0 ? (unsigned)offset : 0;
    r.delay[1] = offset < 0 ? (unsigned)-offset : 0;
    atomic_store(&r.turn, 0);
    child_result_t c = run_in_child(race, &r);
    CHECKF(!c.exited && c.signal == SIGABRT, "round %d: exited=%d code=%d signal=%d", k, c.exited, c.code,
           c.signal);
    CHECKF(strncmp(c.err, "warden: double free: ", 21) == 0 && strstr(c.err, "(small, class 32)\n") != NULL,
           "round %d: stderr %s", k, c.err);
  }
  return check_done();
}
