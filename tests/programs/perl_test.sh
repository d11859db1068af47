#!/usr/bin/env bash
# perl under Warden: the same hash, regex, sort and sprintf workload must
# print the same output with and without libwarden.so preloaded.
source tests/programs/compare_lib.sh "$1"
require_warden_serves_python
LD_PRELOAD="$WARDEN_LIB" perl -e 'open(my $f, "<", "/proc/self/maps") or die; print <$f>' | require_mapped perl
compare_runs perl perl "$PWD/tests/programs/perl_workload.pl"
echo PASS
