# Fuzzing rules for Warden: one LLVMFuzzerTestOneInput harness builds for libFuzzer and AFL++,
# with the allocator itself instrumented too, and without any --config on the command line.
#
# Public API:
#   wd_libfuzzer_binary(name, srcs | binary, deps, sanitizers, extra_copts, extra_linkopts, ...)
#   wd_afl_binary(name, srcs | binary, deps, sanitizers, extra_copts, extra_linkopts, ...)
#   wd_libfuzzer_test(name, fuzzer, corpus, runs, max_total_time, seed, args, ...)
#   wd_afl_run(name, fuzzer, seeds, out, ...)
#   wd_fuzz_target(name, srcs, deps, corpus, ...)   # all of the above for one harness

_LIBFUZZER_SANITIZERS = ["address", "undefined"]

# Paths of the Debian afl++ package; its compiler runtime supplies the coverage callbacks and
# the driver supplies main() around LLVMFuzzerTestOneInput.
_AFL_RUNTIME = "/usr/lib/afl/afl-compiler-rt.o"
_AFL_DRIVER = "/usr/lib/afl/libAFLDriver.a"

# Debug info and frame pointers make sanitizer and crash reports readable; -O1 keeps them fast.
_COMMON_COPTS = ["-g", "-O1", "-fno-omit-frame-pointer"]

# The auto-configured toolchain links with gold, which prints over a hundred warnings about
# the sanitizer runtimes' local symbols on every link; the BFD linker links them quietly.
# BFD does not know gold's --start-lib, hence the feature switched off in the transition.
_LINKER = ["-fuse-ld=bfd"]

def _cxx_runtime(sanitizers):
    # Bazel links through the C driver, which leaves out the C++ half of the sanitizer runtimes:
    # C++ code then fails to link under UBSan (vptr checks), and under ASan operator new and
    # delete bypass it, losing new/delete mismatch reports.
    return ["-fsanitize-link-c++-runtime"] if sanitizers else []

def _sanitizer_flags(sanitizers):
    """Returns (copts, linkopts) for the plain sanitizers, without any fuzzing engine."""
    if not sanitizers:
        return [], []
    joined = ",".join(sanitizers)
    copts = ["-fsanitize=" + joined]
    if "undefined" in sanitizers:
        # A UBSan report must stop the run, or the fuzzer never records the input as a crash.
        copts.append("-fno-sanitize-recover=undefined")
    return copts, ["-fsanitize=" + joined] + _cxx_runtime(sanitizers)

def _libfuzzer_flags(attr):
    sanitizers = attr.sanitizers
    copts = ["-fsanitize=" + ",".join(["fuzzer-no-link"] + sanitizers)]
    if "undefined" in sanitizers:
        copts.append("-fno-sanitize-recover=undefined")
    linkopts = ["-fsanitize=" + ",".join(["fuzzer"] + sanitizers)] + _cxx_runtime(sanitizers) + _LINKER
    return copts + _COMMON_COPTS + attr.extra_copts, linkopts + attr.extra_linkopts

def _afl_flags(attr):
    san_copts, san_linkopts = _sanitizer_flags(attr.sanitizers)

    # Plain clang plus the AFL++ runtime gives the same edge coverage as afl-clang-fast,
    # without routing the whole toolchain through AFL's compiler wrapper.
    copts = ["-fsanitize-coverage=trace-pc-guard"] + san_copts + _COMMON_COPTS
    linkopts = san_linkopts + _LINKER + [_AFL_RUNTIME, _AFL_DRIVER]
    return copts + attr.extra_copts, linkopts + attr.extra_linkopts

def _updated_flags(settings, copts, linkopts, crosstool_top = ""):
    updated = {
        # Appending keeps whatever the user passed on the command line (e.g. --copt=-DX).
        "//command_line_option:copt": settings["//command_line_option:copt"] + copts,
        "//command_line_option:linkopt": settings["//command_line_option:linkopt"] + linkopts,
        # fastbuild strips debug info at link time by default, which would cost the line
        # numbers in every crash report.
        "//command_line_option:strip": "never",
        "//command_line_option:features": settings["//command_line_option:features"] + [
            "-supports_start_end_lib",
        ],
        "//command_line_option:crosstool_top": crosstool_top or settings["//command_line_option:crosstool_top"],
    }
    return updated

def _libfuzzer_transition_impl(settings, attr):
    copts, linkopts = _libfuzzer_flags(attr)
    return _updated_flags(settings, copts, linkopts, attr.crosstool_top)

def _afl_transition_impl(settings, attr):
    copts, linkopts = _afl_flags(attr)
    return _updated_flags(settings, copts, linkopts, attr.crosstool_top)

_TRANSITION_INPUTS = [
    "//command_line_option:copt",
    "//command_line_option:crosstool_top",
    "//command_line_option:features",
    "//command_line_option:linkopt",
]

_TRANSITION_OUTPUTS = _TRANSITION_INPUTS + ["//command_line_option:strip"]

_libfuzzer_transition = transition(
    implementation = _libfuzzer_transition_impl,
    inputs = _TRANSITION_INPUTS,
    outputs = _TRANSITION_OUTPUTS,
)

_afl_transition = transition(
    implementation = _afl_transition_impl,
    inputs = _TRANSITION_INPUTS,
    outputs = _TRANSITION_OUTPUTS,
)

def _single(target):
    # Attributes behind a Starlark transition arrive as a one-element list.
    if type(target) == "list":
        return target[0]
    return target

def _runfiles_path(ctx, f):
    """Path of `f` below the runfiles root, as the runfiles tree lays it out."""
    if f.short_path.startswith("../"):
        return f.short_path[3:]
    return ctx.workspace_name + "/" + f.short_path

def _sh_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"

def _libfuzzer_binary_impl(ctx):
    binary = _single(ctx.attr.binary)
    real = binary[DefaultInfo].files_to_run.executable

    # A launcher instead of a symlink: under `bazel run` the process starts in the runfiles
    # tree, so it moves back to the caller's directory, where corpus paths given on the
    # command line are meant and where libFuzzer should drop crash-* files.
    launcher = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.write(
        output = launcher,
        is_executable = True,
        content = """#!/usr/bin/env bash
# Generated by wd_libfuzzer_binary: finds the instrumented binary in the runfiles tree and runs it
# from the caller's directory.
set -euo pipefail
rel={rel}
if [[ -d "$0.runfiles" ]]; then
  root="$0.runfiles"
elif [[ -n "${{RUNFILES_DIR:-}}" ]]; then
  root="$RUNFILES_DIR"
elif [[ -n "${{TEST_SRCDIR:-}}" ]]; then
  root="$TEST_SRCDIR"
else
  echo "$0: cannot find the runfiles tree of the fuzz binary" >&2
  exit 2
fi
bin="$(cd "$root" && pwd)/$rel"
if [[ -n "${{BUILD_WORKING_DIRECTORY:-}}" ]]; then
  cd "$BUILD_WORKING_DIRECTORY"
fi
exec "$bin" "$@"
""".format(rel = _sh_quote(_runfiles_path(ctx, real))),
    )
    runfiles = ctx.runfiles(files = [launcher, real]).merge(binary[DefaultInfo].default_runfiles)
    return [
        DefaultInfo(executable = launcher, files = depset([launcher]), runfiles = runfiles),
        # The bare ELF, for tools that want to run or inspect it without the launcher.
        OutputGroupInfo(binary = depset([real])),
    ]

def _afl_binary_impl(ctx):
    binary = _single(ctx.attr.binary)
    real = binary[DefaultInfo].files_to_run.executable

    # afl-fuzz insists on an ELF file carrying its instrumentation marker, so this must stay a
    # symlink to the binary rather than a launcher script.
    out = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.symlink(output = out, target_file = real, is_executable = True)
    runfiles = ctx.runfiles(files = [out, real]).merge(binary[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = out, files = depset([out]), runfiles = runfiles)]

def _binary_attrs(transition, default_sanitizers, engine):
    return {
        "binary": attr.label(
            mandatory = True,
            executable = True,
            cfg = transition,
            doc = "cc_binary whose sources define LLVMFuzzerTestOneInput (and no main).",
        ),
        "sanitizers": attr.string_list(
            default = default_sanitizers,
            doc = "Values for -fsanitize= besides the " + engine + " instrumentation.",
        ),
        "extra_copts": attr.string_list(
            doc = "More compiler flags for the harness and everything it depends on.",
        ),
        "extra_linkopts": attr.string_list(doc = "More linker flags for the harness."),
        "crosstool_top": attr.string(
            doc = "C++ toolchain suite for the fuzz build (--crosstool_top), e.g. one whose " +
                  "compiler inputs carry a sanitizer ignorelist named in `extra_copts`. " +
                  "Empty: the toolchain of the surrounding build.",
        ),
        # Bazel 4 only lets allowlisted rules carry Starlark transitions.
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    }

_wd_libfuzzer_binary = rule(
    implementation = _libfuzzer_binary_impl,
    attrs = _binary_attrs(_libfuzzer_transition, _LIBFUZZER_SANITIZERS, "libFuzzer"),
    executable = True,
    doc = "Builds a harness and all its deps with libFuzzer coverage and sanitizers.",
)

_wd_afl_binary = rule(
    implementation = _afl_binary_impl,
    attrs = _binary_attrs(_afl_transition, [], "AFL++"),
    executable = True,
    doc = "Builds a harness and all its deps with AFL++ coverage, linked to the AFL++ driver.",
)

# Harness settings that belong to the cc_binary a macro generates rather than to the rule.
_HARNESS_KEYS = ["copts", "linkopts", "defines", "local_defines", "includes", "data", "linkstatic", "features"]

def _harness(name, srcs, deps, binary, kwargs):
    """Returns the label of the harness binary, declaring it from srcs when needed."""
    if (srcs == None) == (binary == None):
        fail("%s: give exactly one of `srcs` or `binary`" % name)
    harness_kwargs = {}
    for key in _HARNESS_KEYS:
        if key in kwargs:
            harness_kwargs[key] = kwargs.pop(key)
    if binary != None:
        if deps or harness_kwargs:
            fail("%s: `deps` and harness options only go with `srcs`" % name)
        return binary
    harness = name + "_harness"
    native.cc_binary(
        name = harness,
        srcs = srcs,
        deps = deps,
        # Without the fuzzing engine there is no main(), so this only builds through the rule.
        tags = ["manual"],
        testonly = kwargs.get("testonly", False),
        visibility = ["//visibility:private"],
        **harness_kwargs
    )
    return ":" + harness

def wd_libfuzzer_binary(name, srcs = None, deps = [], binary = None, **kwargs):
    """libFuzzer binary; `bazel run //pkg:name -- [libFuzzer flags] [corpus dirs]`.

    Give either `srcs` (+ `deps`, and optionally copts/linkopts/defines/... for the harness)
    or `binary`, an existing cc_binary. `sanitizers` (default address, undefined),
    `extra_copts` and `extra_linkopts` apply to the harness and all its dependencies.
    """
    binary = _harness(name, srcs, deps, binary, kwargs)
    _wd_libfuzzer_binary(name = name, binary = binary, **kwargs)

def wd_afl_binary(name, srcs = None, deps = [], binary = None, **kwargs):
    """AFL++ binary for `afl-fuzz -- bazel-bin/pkg/name` or fuzz/afl_run.sh.

    Same arguments as wd_libfuzzer_binary; `sanitizers` defaults to none, since AFL++ runs
    fastest without them and finds crashes from the allocator's own checks.
    """
    binary = _harness(name, srcs, deps, binary, kwargs)
    _wd_afl_binary(name = name, binary = binary, **kwargs)

def _libfuzzer_test_impl(ctx):
    fuzzer = ctx.attr.fuzzer[DefaultInfo].files_to_run.executable

    # Seeds are listed file by file (Bazel tracks files, not directories); libFuzzer wants
    # directories, so pass each distinct directory of the runfiles tree once.
    dirs = {}
    for f in ctx.files.corpus:
        dirs[f.short_path.rpartition("/")[0] or "."] = True
    seed_dirs = " ".join([_sh_quote(d) for d in sorted(dirs.keys())])

    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(
        output = script,
        is_executable = True,
        content = """#!/usr/bin/env bash
# Generated by wd_libfuzzer_test: replays the corpus, then fuzzes for a bounded time so that
# `bazel test` catches regressions on known inputs and shallow new ones.
set -euo pipefail
fuzzer={fuzzer}
seed_dirs=({seed_dirs})
runs={runs}
max_total_time={max_total_time}
# Crashing inputs become test outputs (bazel-testlogs/.../test.outputs) instead of vanishing.
artifacts="${{TEST_UNDECLARED_OUTPUTS_DIR:-$TEST_TMPDIR}}/"
if ((${{#seed_dirs[@]}})); then
  echo "== replaying ${{#seed_dirs[@]}} corpus director(y/ies)"
  "$fuzzer" -runs=0 -artifact_prefix="$artifacts" "$@" "${{seed_dirs[@]}}"
fi
if ((runs > 0 || max_total_time > 0)); then
  # The seed directories are read-only runfiles: the run starts from a scratch directory.
  work="$TEST_TMPDIR/corpus"
  mkdir -p "$work"
  # libFuzzer counts -max_total_time from its start, and loading a large corpus again (the
  # replay above has already run every file) can take all of it before the first mutation.
  # So the run starts from at most {sample} seeds spread evenly over the sorted corpus.
  files=()
  if ((${{#seed_dirs[@]}})); then
    mapfile -t files < <(find -L "${{seed_dirs[@]}}" -type f | sort)
  fi
  step=$(( (${{#files[@]}} + {sample} - 1) / {sample} ))
  ((step > 0)) || step=1
  for ((i = 0; i < ${{#files[@]}}; i += step)); do
    cp "${{files[i]}}" "$work/seed-$i"
  done
  echo "== fuzzing: runs=$runs max_total_time=$max_total_time seed={seed}, from $(ls "$work" | wc -l) of ${{#files[@]}} seed(s)"
  "$fuzzer" -seed={seed} -runs="$((runs > 0 ? runs : -1))" -max_total_time="$max_total_time" \\
    -print_final_stats=1 -artifact_prefix="$artifacts" "$@" "$work"
fi
""".format(
            fuzzer = _sh_quote(fuzzer.short_path),
            seed_dirs = seed_dirs,
            runs = ctx.attr.runs,
            max_total_time = ctx.attr.max_total_time,
            seed = ctx.attr.seed,
            sample = ctx.attr.fuzz_sample,
        ),
    )
    runfiles = ctx.runfiles(files = [script] + ctx.files.corpus)
    runfiles = runfiles.merge(ctx.attr.fuzzer[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = script, runfiles = runfiles)]

wd_libfuzzer_test = rule(
    implementation = _libfuzzer_test_impl,
    test = True,
    attrs = {
        "fuzzer": attr.label(
            mandatory = True,
            executable = True,
            cfg = "target",
            doc = "A wd_libfuzzer_binary target.",
        ),
        "corpus": attr.label_list(
            allow_files = True,
            doc = "Seed inputs, e.g. glob([\"corpus/NAME/**\"]); each one is replayed first.",
        ),
        "runs": attr.int(
            default = 0,
            doc = "Fuzzing iterations after the replay; 0 with max_total_time 0 means replay only.",
        ),
        "max_total_time": attr.int(
            default = 0,
            doc = "Upper bound in seconds for the fuzzing after the replay; 0 means no bound.",
        ),
        "fuzz_sample": attr.int(
            default = 64,
            doc = "How many corpus files (spread evenly) the bounded run starts from.",
        ),
        "seed": attr.int(
            default = 1,
            doc = "libFuzzer -seed; fixed by default so a failing test fails again on rerun.",
        ),
    },
    doc = "Test: replay `corpus`, then fuzz for `runs` / `max_total_time`. `args` go to libFuzzer.",
)

def wd_afl_run(name, fuzzer, seeds, out, **kwargs):
    """`bazel run //pkg:name -- [SECONDS [INSTANCES [afl-fuzz flags...]]]` runs afl-fuzz.

    `fuzzer` is a wd_afl_binary target; `seeds` and `out` are directories, relative to the
    directory bazel is run from, or to the workspace root when they start with `//`
    (`out` is created; an existing one is resumed).
    """
    native.sh_binary(
        name = name,
        srcs = [Label("//fuzz:afl_run.sh")],
        data = [fuzzer],
        args = ["$(rootpath %s)" % fuzzer, seeds, out],
        **kwargs
    )

def wd_fuzz_target(
        name,
        srcs,
        deps = [],
        corpus = [],
        seeds = None,
        runs = 10000,
        max_total_time = 30,
        test_args = [],
        test_tags = [],
        test_size = "medium",
        test_timeout = None,
        visibility = None,
        **kwargs):
    """One harness, every way to fuzz it:

      :name            libFuzzer binary (bazel run //pkg:name -- -max_total_time=60 DIR)
      :name_afl        AFL++ binary
      :name_afl_run    afl-fuzz launcher (bazel run //pkg:name_afl_run -- SECONDS INSTANCES)
      :name_test       corpus replay + bounded libFuzzer run for `bazel test`

    `corpus` is the list of seed files (a glob); `seeds` is their directory for AFL++ (defaults
    to the directory of the first corpus file; `//dir` means relative to the workspace root).
    AFL++ findings go to //fuzz/out/NAME. Other keyword arguments go to the harness
    cc_binary (copts, defines, ...) or to both fuzz binary rules (sanitizers, extra_copts, ...).
    """
    harness = name + "_harness"
    harness_kwargs = {}
    for key in _HARNESS_KEYS:
        if key in kwargs:
            harness_kwargs[key] = kwargs.pop(key)
    native.cc_binary(
        name = harness,
        srcs = srcs,
        deps = deps,
        tags = ["manual"],
        testonly = kwargs.get("testonly", False),
        visibility = ["//visibility:private"],
        **harness_kwargs
    )

    # `sanitizers`, when given, applies to both engines; otherwise each keeps its own default.
    wd_libfuzzer_binary(name = name, binary = ":" + harness, visibility = visibility, **kwargs)
    wd_afl_binary(name = name + "_afl", binary = ":" + harness, visibility = visibility, **kwargs)
    wd_libfuzzer_test(
        name = name + "_test",
        fuzzer = ":" + name,
        corpus = corpus,
        runs = runs,
        max_total_time = max_total_time,
        args = test_args,
        size = test_size,
        timeout = test_timeout,
        tags = test_tags,
        testonly = kwargs.get("testonly", False),
    )
    pkg = native.package_name()
    if seeds == None:
        if corpus:
            first = corpus[0]
            if first.startswith(":") or first.startswith("//") or first.startswith("@"):
                fail("%s: give `seeds` (a directory) when `corpus` holds labels" % name)
            seeds = first.rpartition("/")[0]
        else:
            seeds = "corpus/" + name

        # afl_run.sh reads a leading // as the workspace root, so this works from any directory.
        seeds = "//" + (pkg + "/" + seeds if pkg else seeds)
    wd_afl_run(
        name = name + "_afl_run",
        fuzzer = ":" + name + "_afl",
        seeds = seeds,
        out = "//fuzz/out/" + name,
        testonly = kwargs.get("testonly", False),
        tags = ["manual"],
    )
