/*
 * WARDEN_OPTIONS can only lower what the build compiled in: an operator may
 * shorten quarantines or turn randomization and zeroing off, but nobody who
 * controls the environment can enable what the build left out, and a typo
 * is ignored rather than stopping a service.
 */
#include <stdio.h>
#include <stdlib.h>

#include "src/config.h"
#include "src/options.h"

static int failures;

#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      failures++;                                                     \
    }                                                                 \
  } while (0)

static options_t load(const char *value) {
  if (value == NULL) unsetenv("WARDEN_OPTIONS");
  else setenv("WARDEN_OPTIONS", value, 1);
  options_t o;
  options_load(&o);
  return o;
}

int main(void) {
  options_t d = load(NULL);
  uint32_t small_max = WD_SMALL_QUARANTINE_RANDOM > WD_SMALL_QUARANTINE_FIFO ? WD_SMALL_QUARANTINE_RANDOM
                                                                            : WD_SMALL_QUARANTINE_FIFO;
  CHECK(d.small_quarantine == small_max);
  CHECK(d.randomize == (WD_RANDOMIZE != 0));
  CHECK(d.zero_on_free == (WD_ZERO_ON_FREE != 0));

  options_t o = load("small_quarantine=3:large_quarantine=0");
  CHECK(o.small_quarantine == (small_max < 3 ? small_max : 3));
  CHECK(o.large_quarantine == 0);
  CHECK(o.randomize == d.randomize);

  o = load("randomize=0:zero_on_free=0");
  CHECK(!o.randomize && !o.zero_on_free);
  CHECK(o.small_quarantine == d.small_quarantine);

  /* Raising is refused. */
  o = load("small_quarantine=100000:randomize=1:zero_on_free=1");
  CHECK(o.small_quarantine == d.small_quarantine);
  CHECK(o.randomize == d.randomize && o.zero_on_free == d.zero_on_free);

  /* Garbage around a good setting leaves the good one in force. */
  o = load("bogus=1:small_quarantine=abc:::=:=5:large_quarantine=1:small_quarantine=");
  CHECK(o.small_quarantine == d.small_quarantine);
  CHECK(o.large_quarantine == (d.large_quarantine < 1 ? d.large_quarantine : 1));
  o = load("small_quarantine=99999999999999");
  CHECK(o.small_quarantine == d.small_quarantine);

  /* A secure-execution program (set-uid, file capabilities) takes nothing
   * from an environment that a less trusted user controls. */
  options_parse(&o, "small_quarantine=0:large_quarantine=0:randomize=0:zero_on_free=0", true);
  CHECK(o.small_quarantine == d.small_quarantine && o.large_quarantine == d.large_quarantine);
  CHECK(o.randomize == d.randomize && o.zero_on_free == d.zero_on_free);
  options_parse(&o, "small_quarantine=0", false);
  CHECK(o.small_quarantine == 0);

  printf("%s\n", failures == 0 ? "options: all checks passed" : "options: FAILED");
  return failures == 0 ? 0 : 1;
}
