"""The one list of compiler options for Warden's code, its tests and tools."""

# As strict as the code allows; every warning is an error.
WARNINGS = [
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wshadow",
    "-Wconversion",
    "-Wsign-conversion",
    "-Wcast-qual",
    "-Wformat=2",
    "-Wundef",
    "-Wvla",
    "-Wimplicit-fallthrough",
]

# Optimized in every compilation mode: the real-program tests and the stress
# test run the library as users do. Internal symbols stay hidden, so only the
# API in include/warden.h and the overrides are exported.
_COMMON = WARNINGS + [
    "-O2",
    "-g",
    "-fvisibility=hidden",
    "-fno-plt",
    # The toolchain keeps frame pointers by default; malloc and free are
    # short enough that setting one up is a measurable part of each call.
    "-fomit-frame-pointer",
]

WARDEN_COPTS = ["-std=gnu11", "-Wstrict-prototypes", "-Wmissing-prototypes"] + _COMMON

WARDEN_CXX_COPTS = ["-std=c++17", "-fsized-deallocation", "-faligned-allocation"] + _COMMON

# Tests are held to the same warnings; they may use anything in C11 + POSIX.
TEST_COPTS = ["-std=gnu11", "-O1", "-g"] + WARNINGS

TEST_CXX_COPTS = ["-std=c++17", "-fsized-deallocation", "-faligned-allocation", "-O1", "-g"] + WARNINGS
