/*
 * Slot choice within a slab and the order of fresh slabs are random, so the
 * distance between two objects cannot be known in advance (an overflow
 * cannot aim at a chosen neighbour), and differs between runs and between a
 * parent and its forked children. The light build hands slots out in
 * address order.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "expect.h"

#define COUNT 64
#define REQUEST 100 /* class 112: 36 slots per slab */

static void layout(uintptr_t out[COUNT]) {
  for (int i = 0; i < COUNT; i++) out[i] = (uintptr_t)launder(malloc(REQUEST));
}

static int ascending(const uintptr_t a[COUNT]) {
  for (int i = 1; i < COUNT; i++) {
    if (a[i] < a[i - 1]) return 0;
  }
  return 1;
}

#if !WD_LIGHT
static int random_layout(void *ctx) {
  (void)ctx;
  uintptr_t first[COUNT];
  layout(first);
  CHECK(!ascending(first));
  /* A child draws its own choices: its next layout differs from what the
   * parent does next. */
  int fds[2];
  CHECK(pipe(fds) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    uintptr_t mine[COUNT];
    layout(mine);
    _exit(write(fds[1], mine, sizeof mine) == (ssize_t)sizeof mine ? 0 : 1);
  }
  uintptr_t parent[COUNT], child[COUNT];
  layout(parent);
  CHECK(read(fds[0], child, sizeof child) == (ssize_t)sizeof child);
  int status;
  CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  int same = 0;
  for (int i = 0; i < COUNT; i++) same += parent[i] == child[i];
  CHECK(same < COUNT / 2);
  return 0;
}
#else
static int ordered_layout(void *ctx) {
  (void)ctx;
  uintptr_t a[COUNT];
  layout(a);
  CHECK(ascending(a));
  return 0;
}
#endif

int main(void) {
  expect_warden();
#if WD_LIGHT
  expect_survives("light: slots in address order", ordered_layout, NULL);
#else
  expect_survives("random slots, reseeded after fork", random_layout, NULL);
#endif
  return 0;
}
