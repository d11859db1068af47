/*
 * Producer/consumer with remote frees: a pipeline in which one thread builds
 * messages and another consumes and frees them, as in logging back ends,
 * network stacks handing requests to workers, or actor mailboxes. Every
 * object is freed by a thread other than the one that allocated it, which is
 * the case that per-thread caches handle worst (the memory piles up on the
 * wrong side unless it is sent back) and that a single locked heap turns
 * into lock traffic.
 *
 * Threads come in pairs (THREADS/2 producers, each feeding its own
 * consumer through a bounded queue of batches guarded by a mutex and a
 * condition variable, up to 256 batches of 64 messages in flight; batching
 * keeps the queue itself cheap so that the allocator dominates). Messages
 * are 8-500 bytes with one 4 KiB message in 128; the batch arrays are heap
 * objects too, also freed remotely. The consumer folds each payload into a
 * checksum, which depends only on what each producer wrote, not on the
 * interleaving.
 *
 * Usage: prodcons [MESSAGES_PER_PRODUCER] [THREADS]     (default 2 threads)
 */
#include <pthread.h>

#include "bench.h"

enum { BATCH = 64, QUEUE = 256 };

typedef struct {
  size_t len;
  unsigned char data[];
} msg_t;

typedef struct {
  pthread_mutex_t mu;
  pthread_cond_t not_empty, not_full;
  msg_t **slots[QUEUE];
  unsigned head, tail, count;
  long messages;
  uint64_t seed;
  uint64_t sum;
} pipe_t;

static void push(pipe_t *p, msg_t **batch) {
  pthread_mutex_lock(&p->mu);
  while (p->count == QUEUE) pthread_cond_wait(&p->not_full, &p->mu);
  p->slots[p->tail] = batch;
  p->tail = (p->tail + 1) % QUEUE;
  p->count++;
  pthread_cond_signal(&p->not_empty);
  pthread_mutex_unlock(&p->mu);
}

static msg_t **pop(pipe_t *p) {
  pthread_mutex_lock(&p->mu);
  while (p->count == 0) pthread_cond_wait(&p->not_empty, &p->mu);
  msg_t **batch = p->slots[p->head];
  p->head = (p->head + 1) % QUEUE;
  p->count--;
  pthread_cond_signal(&p->not_full);
  pthread_mutex_unlock(&p->mu);
  return batch;
}

static void *producer(void *arg) {
  pipe_t *p = arg;
  rng_t r;
  rng_seed(&r, p->seed);
  long left = p->messages;
  while (left > 0) {
    msg_t **batch = xmalloc(BATCH * sizeof *batch);
    for (int i = 0; i < BATCH; i++) {
      if (left == 0) {
        batch[i] = NULL;
        continue;
      }
      size_t len = (rng_next(&r) % 128) == 0 ? 4096 : rng_range(&r, 8, 500);
      msg_t *m = xmalloc(sizeof *m + len);
      m->len = len;
      /* A header and a trailer, as a serialized message would have. */
      memset(m->data, (int)(len & 0xff), len < 32 ? len : 32);
      m->data[len - 1] = (unsigned char)(left & 0xff);
      batch[i] = m;
      left--;
    }
    push(p, batch);
  }
  push(p, NULL); /* end of stream */
  return NULL;
}

static void *consumer(void *arg) {
  pipe_t *p = arg;
  uint64_t h = 0;
  for (;;) {
    msg_t **batch = pop(p);
    if (batch == NULL) break;
    for (int i = 0; i < BATCH && batch[i] != NULL; i++) {
      msg_t *m = batch[i];
      h = mix(h, m->len + m->data[0] + ((uint64_t)m->data[m->len - 1] << 16));
      free(m);
    }
    free(batch);
  }
  p->sum = h;
  return NULL;
}

int main(int argc, char **argv) {
  long messages = arg_long(argc, argv, 1, 4000000);
  int threads = (int)arg_long(argc, argv, 2, 2);
  int pairs = threads / 2 > 0 ? threads / 2 : 1;
  pipe_t *pipes = calloc((size_t)pairs, sizeof *pipes);
  pthread_t *tids = calloc((size_t)pairs * 2, sizeof *tids);
  if (pipes == NULL || tids == NULL) return 1;
  for (int i = 0; i < pairs; i++) {
    pthread_mutex_init(&pipes[i].mu, NULL);
    pthread_cond_init(&pipes[i].not_empty, NULL);
    pthread_cond_init(&pipes[i].not_full, NULL);
    pipes[i].messages = messages;
    pipes[i].seed = 1000 + (uint64_t)i;
    pthread_create(&tids[2 * i], NULL, consumer, &pipes[i]);
    pthread_create(&tids[2 * i + 1], NULL, producer, &pipes[i]);
  }
  uint64_t h = 0;
  for (int i = 0; i < pairs; i++) {
    pthread_join(tids[2 * i], NULL);
    pthread_join(tids[2 * i + 1], NULL);
    h = mix(h, pipes[i].sum);
  }
  free(pipes);
  free(tids);
  print_checksum(h);
  return 0;
}
