/*
 * Per-process secrets: canary values, medium header checksums and free-list
 * link encoding are all keyed, so that an attacker who can write heap memory
 * still cannot forge them without first reading the keys. The keys live in
 * the sealed page, read-only after initialization: sealed.h, a layer above
 * this one, holds them and names them secret_keys.
 */
#ifndef WD_SECRET_H
#define WD_SECRET_H

#include <stdint.h>

typedef struct secret {
  uint64_t canary; /* small slot and medium block canaries */
  uint64_t header; /* medium tag checksums */
  uint64_t link;   /* medium free-list link encoding */
} secret_t;

/* Draws the keys from the kernel. Called once, before any allocation; never
 * again, not even in a forked child, whose inherited blocks carry canaries
 * and checksums made with these keys. */
void secret_init(secret_t *out);

/* A keyed mix: every input bit affects every output bit, so a checksum over
 * (value, address) cannot be adjusted for a changed value without the key. */
static inline uint64_t secret_mix(uint64_t x, uint64_t key) {
  x ^= key;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x ^ key;
}

/* The canary for memory at addr (key: secret_keys.canary), as small slots
 * and medium blocks place it after their usable bytes. Its first byte
 * (lowest address) is zero so that an overflowing string copy stops at it
 * rather than running on with the canary's bytes. */
static inline uint64_t secret_canary(uintptr_t addr, uint64_t key) {
  return secret_mix(addr, key) & ~(uint64_t)0xff;
}

#endif /* WD_SECRET_H */
