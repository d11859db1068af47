// Every form of C++ operator new and delete, as Warden defines them.
//
// The operators must be Warden's (the test links //:warden statically, so
// each operator has to live in the same object as wd_malloc), hand out
// aligned memory that Warden owns, free it (the live count drops), and
// follow the standard on failure: nothrow forms return nullptr, throwing
// forms call the new-handler until there is none and then throw
// std::bad_alloc.
#include <dlfcn.h>
#include <malloc.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include "tests/api/check.h"
#include "warden.h"

namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;
// Beyond what any allocator can give, without being a size the compiler
// could reject as a constant.
const std::size_t kImpossible = static_cast<std::size_t>(PTRDIFF_MAX) + 1;

const std::size_t kSizes[] = {0, 1, 24, 100, 5000, 16376, 16377, 20000, 300000, kMiB, kMiB + 1, 3 * kMiB};

std::size_t live_total() {
  wd_stats_t s;
  wd_get_stats(&s);
  return s.small_live + s.medium_live + s.large_live;
}

// Checks a fresh block and uses all of it; malloc_usable_size ends the
// process on a pointer Warden does not own, so it doubles as an ownership
// test.
void check_block(void *p, std::size_t n, std::size_t alignment, const char *form) {
  CHECKF(p != nullptr, "%s(%zu)", form, n);
  if (p == nullptr) return;
  CHECKF(reinterpret_cast<std::uintptr_t>(p) % alignment == 0, "%s(%zu, align %zu) = %p", form, n,
         alignment, p);
  std::size_t usable = malloc_usable_size(p);
  CHECKF(usable >= n, "%s(%zu): usable %zu", form, n, usable);
  pattern_fill(p, usable, n + alignment);
  CHECK(pattern_mismatch(p, usable, n + alignment) == SIZE_MAX);
}

// Runs one allocate/free pair and checks the block is gone afterwards.
template <typename Alloc, typename Release>
void round_trip(const char *form, std::size_t n, std::size_t alignment, Alloc alloc, Release release) {
  void *p = alloc(hide_size(n));
  check_block(p, n, alignment, form);
  if (p == nullptr) return;
  std::size_t live = live_total();
  release(p, n);
  CHECKF(live_total() + 1 == live, "%s(%zu, align %zu) not freed: live %zu -> %zu", form, n, alignment,
         live, live_total());
}

const char *object_of(const void *address) {
  Dl_info info;
  if (dladdr(address, &info) == 0 || info.dli_fname == nullptr) return "?";
  return info.dli_fname;
}

template <typename F>
const void *address_of(F f) {
  return reinterpret_cast<const void *>(f);
}

void test_operators_are_wardens() {
  const char *warden = object_of(address_of(&wd_malloc));
  const void *ops[] = {
      address_of(static_cast<void *(*)(std::size_t)>(&::operator new)),
      address_of(static_cast<void *(*)(std::size_t)>(&::operator new[])),
      address_of(static_cast<void *(*)(std::size_t, const std::nothrow_t &) noexcept>(&::operator new)),
      address_of(static_cast<void *(*)(std::size_t, const std::nothrow_t &) noexcept>(&::operator new[])),
      address_of(static_cast<void *(*)(std::size_t, std::align_val_t)>(&::operator new)),
      address_of(static_cast<void *(*)(std::size_t, std::align_val_t)>(&::operator new[])),
      address_of(static_cast<void *(*)(std::size_t, std::align_val_t, const std::nothrow_t &) noexcept>(
          &::operator new)),
      address_of(static_cast<void *(*)(std::size_t, std::align_val_t, const std::nothrow_t &) noexcept>(
          &::operator new[])),
      address_of(static_cast<void (*)(void *) noexcept>(&::operator delete)),
      address_of(static_cast<void (*)(void *) noexcept>(&::operator delete[])),
      address_of(static_cast<void (*)(void *, std::size_t) noexcept>(&::operator delete)),
      address_of(static_cast<void (*)(void *, std::size_t) noexcept>(&::operator delete[])),
      address_of(static_cast<void (*)(void *, std::align_val_t) noexcept>(&::operator delete)),
      address_of(static_cast<void (*)(void *, std::align_val_t) noexcept>(&::operator delete[])),
      address_of(static_cast<void (*)(void *, std::size_t, std::align_val_t) noexcept>(&::operator delete)),
      address_of(static_cast<void (*)(void *, std::size_t, std::align_val_t) noexcept>(&::operator delete[])),
      address_of(static_cast<void (*)(void *, const std::nothrow_t &) noexcept>(&::operator delete)),
      address_of(static_cast<void (*)(void *, std::align_val_t, const std::nothrow_t &) noexcept>(
          &::operator delete[])),
  };
  for (std::size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    const char *where = object_of(ops[i]);
    CHECKF(std::strcmp(where, warden) == 0, "operator #%zu comes from %s, not %s", i, where, warden);
  }
}

void test_default_alignment_forms() {
  const std::size_t a = __STDCPP_DEFAULT_NEW_ALIGNMENT__;
  for (std::size_t n : kSizes) {
    round_trip("new", n, a, [](std::size_t k) { return ::operator new(k); },
               [](void *p, std::size_t) { ::operator delete(p); });
    round_trip("new[]", n, a, [](std::size_t k) { return ::operator new[](k); },
               [](void *p, std::size_t) { ::operator delete[](p); });
    round_trip("new nothrow", n, a, [](std::size_t k) { return ::operator new(k, std::nothrow); },
               [](void *p, std::size_t) { ::operator delete(p, std::nothrow); });
    round_trip("new[] nothrow", n, a, [](std::size_t k) { return ::operator new[](k, std::nothrow); },
               [](void *p, std::size_t) { ::operator delete[](p, std::nothrow); });
    round_trip("new + sized delete", n, a, [](std::size_t k) { return ::operator new(k); },
               [](void *p, std::size_t k) { ::operator delete(p, k); });
    round_trip("new[] + sized delete[]", n, a, [](std::size_t k) { return ::operator new[](k); },
               [](void *p, std::size_t k) { ::operator delete[](p, k); });
  }
}

void test_aligned_forms() {
  for (std::size_t a = 32; a <= 4096; a *= 2) {
    for (std::size_t n : kSizes) {
      const std::align_val_t al{a};
      round_trip("aligned new", n, a, [al](std::size_t k) { return ::operator new(k, al); },
                 [al](void *p, std::size_t) { ::operator delete(p, al); });
      round_trip("aligned new[]", n, a, [al](std::size_t k) { return ::operator new[](k, al); },
                 [al](void *p, std::size_t) { ::operator delete[](p, al); });
      round_trip("aligned new nothrow", n, a,
                 [al](std::size_t k) { return ::operator new(k, al, std::nothrow); },
                 [al](void *p, std::size_t) { ::operator delete(p, al, std::nothrow); });
      round_trip("aligned new[] nothrow", n, a,
                 [al](std::size_t k) { return ::operator new[](k, al, std::nothrow); },
                 [al](void *p, std::size_t) { ::operator delete[](p, al, std::nothrow); });
      round_trip("aligned new + sized delete", n, a, [al](std::size_t k) { return ::operator new(k, al); },
                 [al](void *p, std::size_t k) { ::operator delete(p, k, al); });
      round_trip("aligned new[] + sized delete[]", n, a,
                 [al](std::size_t k) { return ::operator new[](k, al); },
                 [al](void *p, std::size_t k) { ::operator delete[](p, k, al); });
    }
  }
}

struct alignas(256) OverAligned {
  unsigned char bytes[300];
};

struct WithDestructor {
  int value = 7;
  ~WithDestructor() { value = 0; }
};

template <typename T>
T *escape(T *p) {
  return static_cast<T *>(hide_ptr(p));
}

// new-expressions pick the forms themselves: aligned ones for an
// over-aligned type, and sized delete[] with the array cookie included for a
// type with a destructor. Each must reach Warden with matching sizes. The
// pointers escape, or the compiler may elide the allocations (C++14 allows
// it for new-expressions).
void test_expressions() {
  std::size_t live = live_total();
  OverAligned *one = escape(new OverAligned());
  CHECK(reinterpret_cast<std::uintptr_t>(one) % 256 == 0);
  CHECK(malloc_usable_size(one) >= sizeof(OverAligned));
  OverAligned *many = escape(new OverAligned[hide_size(5)]);
  CHECK(reinterpret_cast<std::uintptr_t>(many) % 256 == 0);
  WithDestructor *objects = escape(new WithDestructor[hide_size(1000)]);
  CHECK(objects[999].value == 7);
  WithDestructor *single = escape(new WithDestructor);
  CHECK(live_total() == live + 4);
  delete single;
  delete[] objects;
  delete[] many;
  delete one;
  CHECK(live_total() == live);
}

void test_impossible_sizes() {
  CHECK(::operator new(hide_size(kImpossible), std::nothrow) == nullptr);
  CHECK(::operator new[](hide_size(kImpossible), std::nothrow) == nullptr);
  CHECK(::operator new(hide_size(kImpossible), std::align_val_t{64}, std::nothrow) == nullptr);
  CHECK(::operator new[](hide_size(kImpossible), std::align_val_t{4096}, std::nothrow) == nullptr);

  int thrown = 0;
  try {
    void *p = ::operator new(hide_size(kImpossible));
    ::operator delete(p);
  } catch (const std::bad_alloc &) {
    thrown++;
  }
  try {
    void *p = ::operator new[](hide_size(kImpossible));
    ::operator delete[](p);
  } catch (const std::bad_alloc &) {
    thrown++;
  }
  try {
    void *p = ::operator new(hide_size(kImpossible), std::align_val_t{128});
    ::operator delete(p, std::align_val_t{128});
  } catch (const std::bad_alloc &) {
    thrown++;
  }
  try {
    void *p = ::operator new[](hide_size(kImpossible), std::align_val_t{64});
    ::operator delete[](p, std::align_val_t{64});
  } catch (const std::bad_alloc &) {
    thrown++;
  }
  CHECKF(thrown == 4, "std::bad_alloc thrown %d times of 4", thrown);
}

int handler_calls;

// Gives up on the third call, as a handler that cannot free memory must.
void counting_handler() {
  if (++handler_calls == 3) std::set_new_handler(nullptr);
}

void test_new_handler() {
  handler_calls = 0;
  std::set_new_handler(counting_handler);
  bool thrown = false;
  try {
    void *p = ::operator new(hide_size(kImpossible));
    ::operator delete(p);
  } catch (const std::bad_alloc &) {
    thrown = true;
  }
  CHECK(thrown);
  CHECKF(handler_calls == 3, "new-handler called %d times, expected 3", handler_calls);

  // The nothrow and aligned forms call the handler too (the standard
  // defines them in terms of the throwing ones).
  handler_calls = 0;
  std::set_new_handler(counting_handler);
  CHECK(::operator new(hide_size(kImpossible), std::nothrow) == nullptr);
  CHECKF(handler_calls == 3, "new-handler called %d times by nothrow new", handler_calls);

  handler_calls = 0;
  std::set_new_handler(counting_handler);
  CHECK(::operator new(hide_size(kImpossible), std::align_val_t{256}, std::nothrow) == nullptr);
  CHECKF(handler_calls == 3, "new-handler called %d times by aligned nothrow new", handler_calls);
  CHECK(std::get_new_handler() == nullptr);

  // A successful allocation never calls it.
  handler_calls = 0;
  std::set_new_handler(counting_handler);
  void *p = ::operator new(hide_size(100));
  ::operator delete(p);
  CHECK(handler_calls == 0);
  std::set_new_handler(nullptr);
}

void delete_wrong_size(void *) {
  void *p = ::operator new(hide_size(100));
  ::operator delete(p, hide_size(5000));
}

void delete_wrong_aligned_size(void *) {
  void *p = ::operator new(hide_size(20000), std::align_val_t{64});
  ::operator delete(p, hide_size(60000), std::align_val_t{64});
}

// Sized delete really compares the size: otherwise the passing round trips
// above would prove nothing about the sized forms.
void test_sized_delete_checks() {
  child_result_t r = run_in_child(delete_wrong_size, nullptr);
  CHECKF(!r.exited && r.signal == SIGABRT, "mismatched sized delete: exited %d code %d", r.exited, r.code);
  CHECKF(std::strstr(r.err, "warden: size mismatch: 0x") != nullptr, "stderr: %s", r.err);
  r = run_in_child(delete_wrong_aligned_size, nullptr);
  CHECKF(!r.exited && r.signal == SIGABRT, "mismatched aligned sized delete: exited %d code %d", r.exited,
         r.code);
  CHECKF(std::strstr(r.err, "warden: size mismatch: 0x") != nullptr, "stderr: %s", r.err);
}

}  // namespace

int main() {
  printf("new_delete_test\n");
  test_operators_are_wardens();
  test_default_alignment_forms();
  test_aligned_forms();
  test_expressions();
  test_impossible_sizes();
  test_new_handler();
  test_sized_delete_checks();
  heap_check();
  return check_done();
}
