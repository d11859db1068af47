/*
 * Secrets come from the kernel afresh in every process: the canary that
 * follows a small allocation differs between two runs of the same program
 * at the same address, so one run's leak does not forge another's canary.
 * The canary's first byte is zero, to stop string overflows at it. Both
 * builds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "expect.h"

/* The canary of a fresh 24-byte allocation (class 32: canary at 24..31). */
static uint64_t canary_of_first_slot(void) {
  unsigned char *p = launder(malloc(24));
  uint64_t c;
  memcpy(&c, p + 24, sizeof c);
  return c;
}

static uint64_t run_child(void) {
  int fds[2];
  if (pipe(fds) != 0) exit(1);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    /* exec: a new process image, so new secrets (fork would share them). */
    execl("/proc/self/exe", "secrets_test", "child", (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  char buf[64] = {0};
  ssize_t n = read(fds[0], buf, sizeof buf - 1);
  int status;
  waitpid(pid, &status, 0);
  if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) exit(1);
  return strtoull(buf, NULL, 16);
}

static int differ(void *ctx) {
  (void)ctx;
  uint64_t a = run_child(), b = run_child(), c = run_child();
  CHECK((a & 0xff) == 0 && (b & 0xff) == 0);
  CHECK(a != 0 && b != 0);
  /* Two equal draws of 56 random bits would be a 2^-56 event. */
  CHECK(a != b || b != c);
  return 0;
}

int main(int argc, char **argv) {
  (void)argv;
  if (argc > 1) {
    printf("%llx\n", (unsigned long long)canary_of_first_slot());
    return 0;
  }
  expect_warden();
  expect_survives("fresh secrets per process", differ, NULL);
  return 0;
}
