/*
 * Which library provides malloc and free in this process? Prints the file
 * that dladdr names for each, one per line ("malloc /path", "free /path").
 * bench/run.py runs it under every allocator's LD_PRELOAD to verify that the
 * preload took, before it trusts any measurement made with it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

static const char *owner(const char *name) {
  void *sym = dlsym(RTLD_DEFAULT, name);
  Dl_info info;
  if (sym == NULL || dladdr(sym, &info) == 0 || info.dli_fname == NULL) return "?";
  return info.dli_fname;
}

int main(void) {
  /* Allocate through the symbol, so the check also sees that it works. */
  void *p = malloc(100);
  if (p == NULL) return 1;
  free(p);
  printf("malloc %s\n", owner("malloc"));
  printf("free %s\n", owner("free"));
  return 0;
}
