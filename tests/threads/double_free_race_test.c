/*
 * Two threads free the same small pointer at the same moment, without any
 * lock on the path: exactly one free may win. Every round must end the
 * process with the double-free line, never with a silently doubled slot.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "tests/api/check.h"

#define ROUNDS 200

static pthread_barrier_t start;
static void *victim;

static void *free_victim(void *arg) {
  (void)arg;
  pthread_barrier_wait(&start);
  free(victim);
  return NULL;
}

static void race(void *arg) {
  (void)arg;
  /* Both threads warm their caches first, so both take the lock-free path. */
  free(malloc(24));
  victim = hide_ptr(malloc(24));
  pthread_barrier_init(&start, NULL, 2);
  pthread_t t;
  pthread_create(&t, NULL, free_victim, NULL);
  free(malloc(24));
  pthread_barrier_wait(&start);
  free(victim);
  pthread_join(t, NULL);
}

int main(void) {
  CHECK(malloc_usable_size(hide_ptr(malloc(1))) == 8);
  for (int r = 0; r < ROUNDS; r++) {
    child_result_t c = run_in_child(race, NULL);
    CHECKF(!c.exited && c.signal == SIGABRT, "round %d: exited=%d code=%d signal=%d", r, c.exited, c.code,
           c.signal);
    CHECKF(strncmp(c.err, "warden: double free: ", 21) == 0 && strstr(c.err, "(small, class 32)\n") != NULL,
           "round %d: stderr %s", r, c.err);
  }
  return check_done();
}
