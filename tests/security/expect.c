#include "tests/security/expect.h"

#include "src/config.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "warden.h"

/* A bug that neither dies nor returns would hang the whole test target
 * until Bazel's timeout, without saying which check it was. */
#define CHILD_SECONDS 60

typedef struct outcome {
  int status;
  char err[4096];
  size_t err_len;
  size_t err_total; /* bytes written, even past err */
} outcome_t;

typedef struct job {
  void (*bug)(void *ctx);
  int (*body)(void *ctx);
  void *ctx;
} job_t;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  exit(1);
}

/* Reads fd to its end, so that the writer never blocks on a full pipe,
 * keeping the first size - 1 bytes in buf, NUL-terminated; returns how many
 * it kept, and in *total how many it read. */
static size_t read_all(int fd, char *buf, size_t size, size_t *total) {
  size_t kept = 0;
  *total = 0;
  for (;;) {
    char chunk[512];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    size_t room = size - 1 - kept;
    size_t take = (size_t)n < room ? (size_t)n : room;
    memcpy(buf + kept, chunk, take);
    kept += take;
    *total += (size_t)n;
  }
  buf[kept] = '\0';
  return kept;
}

static void run(const job_t *job, outcome_t *out) {
  int fds[2];
  if (pipe(fds) != 0) fail("pipe: %s\n", strerror(errno));
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) fail("fork: %s\n", strerror(errno));
  if (pid == 0) {
    /* Dozens of deliberate aborts must not each leave a core file. */
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    alarm(CHILD_SECONDS);
    close(fds[0]);
    if (dup2(fds[1], STDERR_FILENO) < 0) _exit(126);
    close(fds[1]);
    int rc = 0;
    if (job->bug != NULL) job->bug(job->ctx);
    else rc = job->body(job->ctx);
    /* _exit: the parent's stdio buffers and atexit handlers are not the
     * child's to run. */
    _exit(rc == 0 ? 0 : 1);
  }
  close(fds[1]);
  out->err_len = read_all(fds[0], out->err, sizeof out->err, &out->err_total);
  close(fds[0]);
  while (waitpid(pid, &out->status, 0) < 0) {
    if (errno != EINTR) fail("waitpid: %s\n", strerror(errno));
  }
}

static void describe(int status, char *buf, size_t size) {
  if (WIFSIGNALED(status)) {
    snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
  } else if (WIFEXITED(status)) {
    snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
  } else {
    snprintf(buf, size, "wait status 0x%x", (unsigned)status);
  }
}

void expect_death(void (*bug)(void *ctx), void *ctx, int signal, const char *line_fmt, ...) {
  char want[512] = "";
  if (line_fmt != NULL) {
    va_list ap;
    va_start(ap, line_fmt);
    int n = vsnprintf(want, sizeof want - 1, line_fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof want - 1) fail("expected line too long: %s\n", line_fmt);
    want[n] = '\n';
    want[n + 1] = '\0';
  }
  job_t job = {bug, NULL, ctx};
  outcome_t got;
  run(&job, &got);
  bool signal_ok = WIFSIGNALED(got.status) && WTERMSIG(got.status) == signal;
  bool text_ok = got.err_total == got.err_len && strcmp(got.err, want) == 0;
  if (signal_ok && text_ok) return;
  char how[128];
  describe(got.status, how, sizeof how);
  fail("MISMATCH\n  expected: killed by signal %d (%s), stderr [%s]\n  got:      %s, stderr [%s]%s\n",
       signal, strsignal(signal), want, how, got.err,
       got.err_total > got.err_len ? " (truncated)" : "");
}

void expect_survives(const char *what, int (*body)(void *ctx), void *ctx) {
  job_t job = {NULL, body, ctx};
  outcome_t got;
  run(&job, &got);
  if (WIFEXITED(got.status) && WEXITSTATUS(got.status) == 0 && got.err_total == 0) return;
  char how[128];
  describe(got.status, how, sizeof how);
  fail("MISMATCH in %s\n  expected: exit 0, empty stderr\n  got:      %s, stderr [%s]\n", what, how,
       got.err);
}

bool rerun_self(const char *mode, void (*prepare)(void *ctx), void *ctx, char *out, size_t size) {
  int fds[2];
  if (size == 0 || pipe(fds) != 0) return false;
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    close(fds[0]);
    if (dup2(fds[1], STDOUT_FILENO) < 0) _exit(126);
    close(fds[1]);
    if (prepare != NULL) prepare(ctx);
    execl("/proc/self/exe", "rerun_self", mode, (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  size_t total;
  read_all(fds[0], out, size, &total);
  close(fds[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return false;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void expect_check_failed(const char *file, int line, const char *cond) {
  fprintf(stderr, "%s:%d: check failed: %s\n", file, line, cond);
}

static void query_freed(void *p) {
  /* Warden's own entry point on a pointer freed with plain free(): this
   * dies only if that free() was Warden's. */
  (void)wd_malloc_usable_size(p);
}

void expect_warden(void) {
  void *p = launder(malloc(1));
  /* A one-byte request gets the 16-byte class less its 8-byte canary, a
   * size that only Warden's bookkeeping produces. */
  size_t plain = malloc_usable_size(p);
  size_t own = wd_malloc_usable_size(p);
  if (plain != 8 || own != 8) {
    fail("not running on Warden: malloc_usable_size(malloc(1)) = %zu, wd_malloc_usable_size = %zu\n",
         plain, own);
  }
  free(p);
  void *q = launder(wd_malloc(24));
  free(q);
  job_t job = {query_freed, NULL, q};
  outcome_t got;
  run(&job, &got);
  if (!WIFSIGNALED(got.status) || WTERMSIG(got.status) != SIGABRT ||
      strncmp(got.err, "warden: ", 8) != 0) {
    char how[128];
    describe(got.status, how, sizeof how);
    fail("not running on Warden: free() left a wd_malloc'd block live (%s, stderr [%s])\n", how,
         got.err);
  }
}

void medium_flush_reserve(medium_flush_t *f) {
  /* The smallest medium size, so that the byte bound plays no part. */
  for (int i = 0; i < MEDIUM_FLUSH; i++) f->blocks[i] = WD_MEDIUM_QUARANTINE_RANDOM ? launder(malloc(16400)) : NULL;
}

void medium_flush(medium_flush_t *f) {
  /* A block waits in the random array until a later free draws its place
   * (1 in 16 per free), then in a FIFO of 16: after 300 frees the chance
   * that one is still there is about 1e-8. The ring of recent frees (1024
   * per arena) still remembers the blocks under test afterwards. */
  for (int i = 0; i < MEDIUM_FLUSH; i++) free(f->blocks[i]);
}
