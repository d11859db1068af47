// C++ sized delete (-fsized-deallocation) passes the size to Warden, which
// checks it like free_sized. The operators are called explicitly: a
// mismatched delete expression on class types would be undefined behaviour
// before it ever reached the allocator.
#include <csignal>
#include <cstddef>
#include <new>

#include "tests/security/expect.h"

namespace {

struct Sized {
  void *p;
  std::size_t size;
  std::size_t alignment;  // 0: not an aligned operator
  bool array;
};

void sized_delete(void *ctx) {
  const Sized *s = static_cast<const Sized *>(ctx);
  void *p = launder(s->p);
  std::size_t n = launder_size(s->size);
  if (s->alignment != 0) {
    ::operator delete(p, n, std::align_val_t(s->alignment));
  } else if (s->array) {
    ::operator delete[](p, n);
  } else {
    ::operator delete(p, n);
  }
}

struct Forty {
  char bytes[40];
};

int matching_sizes(void *) {
  Forty *f = new Forty();
  f = static_cast<Forty *>(launder(f));
  delete f;
  Forty *many = new Forty[3];
  many = static_cast<Forty *>(launder(many));
  delete[] many;
  ::operator delete(launder(::operator new(24)), 24);
  ::operator delete(launder(::operator new(100000)), 100000);
  ::operator delete(launder(::operator new(2u << 20)), 2u << 20);
  ::operator delete(launder(::operator new(64, std::align_val_t(64))), 64, std::align_val_t(64));
  return 0;
}

}  // namespace

int main() {
  expect_warden();

  void *p = launder(::operator new(24));
  Sized bigger = {p, 100, 0, false};
  expect_death(sized_delete, &bigger, SIGABRT, "warden: size mismatch: %p (small, class 32)", p);

  void *arr = launder(::operator new[](24));
  Sized arr_bigger = {arr, 100, 0, true};
  expect_death(sized_delete, &arr_bigger, SIGABRT, "warden: size mismatch: %p (small, class 32)",
               arr);

  void *aligned = launder(::operator new(64, std::align_val_t(64)));
  Sized aligned_bigger = {aligned, 200, 64, false};
  expect_death(sized_delete, &aligned_bigger, SIGABRT,
               "warden: size mismatch: %p (small, class 128)", aligned);

  void *medium = launder(::operator new(100000));
  Sized medium_half = {medium, 50000, 0, false};
  expect_death(sized_delete, &medium_half, SIGABRT,
               "warden: size mismatch: %p (medium, block 100032)", medium);

  void *large = launder(::operator new(2u << 20));
  Sized large_plus16 = {large, (2u << 20) + 16, 0, false};
  expect_death(sized_delete, &large_plus16, SIGABRT,
               "warden: size mismatch: %p (large, size 2097152)", large);

  expect_survives("matching sizes", matching_sizes, nullptr);
  return 0;
}
