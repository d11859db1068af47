/*
 * Runs a program once with an allocator preloaded and reports what it cost:
 * `launch LIB PROGRAM ARGS...` sets LD_PRELOAD=LIB in the program's
 * environment (none when LIB is "-"), starts it with posix_spawn, its
 * output sent to /dev/null, waits for it and prints one line:
 * "<nanoseconds from spawn to reaped> <peak RSS in KiB> <exit status>".
 *
 * Why: bench/run.py measures start-up (short programs run to their end) and
 * a small program's memory. The kernel carries the resident high-water mark
 * of the process that calls exec into the new program's, so a program
 * started straight from the runner (a python3 process of about 10 MiB)
 * would report at least the runner's RSS. This launcher is linked
 * statically and touches little memory, so the peak that wait4 reports is
 * the program's own; and the clock runs here, around the spawn and the
 * wait only, so the runner's own cost stays out of the time.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_ENV 4096

static char *child_env[MAX_ENV + 2];
static char preload[4096];

int main(int argc, char **argv) {
  if (argc < 3) {
    fputs("usage: launch LIB|- PROGRAM [ARGS...]\n", stderr);
    return 2;
  }
  size_t n = 0;
  for (char **e = environ; *e != NULL && n < MAX_ENV; e++)
    if (strncmp(*e, "LD_PRELOAD=", 11) != 0) child_env[n++] = *e;
  if (strcmp(argv[1], "-") != 0) {
    if ((size_t)snprintf(preload, sizeof preload, "LD_PRELOAD=%s", argv[1]) >= sizeof preload) return 2;
    child_env[n++] = preload;
  }
  child_env[n] = NULL;

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);

  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pid_t pid;
  int err = posix_spawn(&pid, argv[2], &fa, NULL, argv + 2, child_env);
  if (err != 0) {
    fprintf(stderr, "launch: %s: %s\n", argv[2], strerror(err));
    return 127;
  }
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) != pid) {
    perror("launch: wait4");
    return 127;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long long ns = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  printf("%lld %ld %d\n", ns, ru.ru_maxrss, code);
  return 0;
}
