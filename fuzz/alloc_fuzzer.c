/*
 * Single-thread harness: the whole input is one program of allocator
 * operations (fuzz/harness.h) over a table of 64 live blocks, with every
 * check after every operation, death tests of misuse in forked children,
 * and the quarantine's reuse delay followed across inputs.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz/harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  h_initialize(argc, argv, "alloc_fuzzer");
  return 0;
}

static slot_t table[H_TABLE];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* WARDEN_FUZZ_DEATH_TESTS=0 skips the forked misuse checks (faster). */
  static int death = -1;
  if (death < 0) {
    const char *e = getenv("WARDEN_FUZZ_DEATH_TESTS");
    death = e == NULL || e[0] != '0';
  }
  harness_t h = {
      .table = table, .slots = H_TABLE, .death_tests = death != 0, .misuse_left = H_MAX_MISUSE};
  reader_t r = {data, size, 0};
  run_program(&h, &r);
  /* Everything still live is checked and freed: each input starts from an
   * empty table, and the heap must then hold no live block at all. */
  free_all(&h);
  wd_heap_check();
  check_stats(&h, "the end of the input");
  trace_stats();
  return 0;
}
