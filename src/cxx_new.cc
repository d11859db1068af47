// Every standard form of C++ operator new and delete, served by Warden.
// Sized forms check the size (a mismatch aborts); aligned forms honour the
// alignment; throwing forms call the new-handler and throw std::bad_alloc as
// the standard requires.
#include <cstddef>
#include <new>

#include "warden.h"

#define OVERRIDE WD_API

// Every reference to the C++ runtime is weak, so the library needs no
// libstdc++: loading it (and libm behind it) into every preloaded program
// cost 2.5 ms of start-up, more than all of Warden's own set-up, and a dozen
// mappings copied at each fork. A program that uses these operators is a
// C++ program and has the runtime loaded, so the references resolve; a C
// program never reaches them. The compiler emits its own references to the
// exception-handling entry points, which only the assembler can mark weak.
__asm__(".weak __cxa_begin_catch\n"
        ".weak __cxa_end_catch\n"
        ".weak __gxx_personality_v0\n"
        ".weak _ZSt9terminatev");

namespace std {
__attribute__((weak)) new_handler get_new_handler() noexcept;
__attribute__((weak, noreturn)) void __throw_bad_alloc();
}  // namespace std

extern "C" {
#include "report.h"
}

namespace {

void *allocate(std::size_t size, std::size_t alignment) {
  return alignment <= __STDCPP_DEFAULT_NEW_ALIGNMENT__ ? wd_malloc(size)
                                                       : wd_aligned_alloc(alignment, size);
}

void *allocate_or_throw(std::size_t size, std::size_t alignment) {
  for (;;) {
    void *p = allocate(size, alignment);
    if (p != nullptr) return p;
    // Without the runtime in the global scope (only a C++ library that a C
    // program opened privately can call here so), there is no handler to
    // call and no way to throw: the standard's alternative is to end.
    if (&std::get_new_handler == nullptr || &std::__throw_bad_alloc == nullptr) {
      report_failure("out of memory in operator new, and no C++ runtime to throw", nullptr, REPORT_OUTSIDE);
    }
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) std::__throw_bad_alloc();
    handler();
  }
}

void *allocate_nothrow(std::size_t size, std::size_t alignment) noexcept {
  try {
    return allocate_or_throw(size, alignment);
  } catch (...) {
    return nullptr;
  }
}

void release_sized(void *p, std::size_t size, std::size_t alignment) noexcept {
  if (alignment <= __STDCPP_DEFAULT_NEW_ALIGNMENT__) wd_free_sized(p, size);
  else wd_free_aligned_sized(p, alignment, size);
}

constexpr std::size_t kDefault = 1;

}  // namespace

OVERRIDE void *operator new(std::size_t n) { return allocate_or_throw(n, kDefault); }
OVERRIDE void *operator new[](std::size_t n) { return allocate_or_throw(n, kDefault); }
OVERRIDE void *operator new(std::size_t n, const std::nothrow_t &) noexcept {
  return allocate_nothrow(n, kDefault);
}
OVERRIDE void *operator new[](std::size_t n, const std::nothrow_t &) noexcept {
  return allocate_nothrow(n, kDefault);
}
OVERRIDE void *operator new(std::size_t n, std::align_val_t a) {
  return allocate_or_throw(n, static_cast<std::size_t>(a));
}
OVERRIDE void *operator new[](std::size_t n, std::align_val_t a) {
  return allocate_or_throw(n, static_cast<std::size_t>(a));
}
OVERRIDE void *operator new(std::size_t n, std::align_val_t a, const std::nothrow_t &) noexcept {
  return allocate_nothrow(n, static_cast<std::size_t>(a));
}
OVERRIDE void *operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t &) noexcept {
  return allocate_nothrow(n, static_cast<std::size_t>(a));
}

OVERRIDE void operator delete(void *p) noexcept { wd_free(p); }
OVERRIDE void operator delete[](void *p) noexcept { wd_free(p); }
OVERRIDE void operator delete(void *p, const std::nothrow_t &) noexcept { wd_free(p); }
OVERRIDE void operator delete[](void *p, const std::nothrow_t &) noexcept { wd_free(p); }
OVERRIDE void operator delete(void *p, std::size_t n) noexcept { release_sized(p, n, kDefault); }
OVERRIDE void operator delete[](void *p, std::size_t n) noexcept { release_sized(p, n, kDefault); }
OVERRIDE void operator delete(void *p, std::align_val_t) noexcept { wd_free(p); }
OVERRIDE void operator delete[](void *p, std::align_val_t) noexcept { wd_free(p); }
OVERRIDE void operator delete(void *p, std::align_val_t, const std::nothrow_t &) noexcept {
  wd_free(p);
}
OVERRIDE void operator delete[](void *p, std::align_val_t, const std::nothrow_t &) noexcept {
  wd_free(p);
}
OVERRIDE void operator delete(void *p, std::size_t n, std::align_val_t a) noexcept {
  release_sized(p, n, static_cast<std::size_t>(a));
}
OVERRIDE void operator delete[](void *p, std::size_t n, std::align_val_t a) noexcept {
  release_sized(p, n, static_cast<std::size_t>(a));
}
