#!/usr/bin/env bash
# Builds a repository of a few hundred generated files in nested directories,
# commits it, changes part of it, commits again, repacks, and prints what
# identifies the result. Author, committer and dates are fixed, so the
# object ids (and so the whole output) are the same in every run. Runs in
# the current directory, which the caller gives it empty.
set -euo pipefail

# No user or system configuration may leak in.
export HOME="$PWD/home" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME="Warden Test" GIT_AUTHOR_EMAIL="test@warden.invalid"
export GIT_COMMITTER_NAME="Warden Test" GIT_COMMITTER_EMAIL="test@warden.invalid"
export GIT_AUTHOR_DATE="2024-01-02T03:04:05Z" GIT_COMMITTER_DATE="2024-01-02T03:04:05Z"
export TZ=UTC LC_ALL=C
mkdir -p home repo
cd repo
git -c init.defaultBranch=main init -q .

# 12 x 8 directories of 5 files each: 480 files, sizes from a few bytes to
# tens of kilobytes.
for a in $(seq -f '%02g' 1 12); do
  for b in $(seq -f '%02g' 1 8); do
    dir="module_$a/part_$b"
    mkdir -p "$dir"
    for c in 1 2 3 4 5; do
      n=$((10#$a * 100 + 10#$b * 10 + c))
      {
        echo "file $dir/$c ($n)"
        seq $((n % 37)) $((n % 13 + 1)) $((n * 3))
      } >"$dir/file_$c.txt"
    done
  done
done
git add -A
git commit -q -m "Generated tree"

# Change, add, rename and delete some files, then commit again.
export GIT_AUTHOR_DATE="2024-01-03T00:00:00Z" GIT_COMMITTER_DATE="2024-01-03T00:00:00Z"
for a in 01 05 09; do
  for f in module_$a/part_0*/file_2.txt; do echo "changed $f" >>"$f"; done
done
git mv module_02/part_03 module_02/part_renamed
git rm -q -r module_12/part_08
mkdir -p extra/deep/er/still
seq 1 5000 >extra/deep/er/still/numbers.txt
git add -A
git commit -q -m "Second commit"

git repack -a -d -q
git fsck --strict --no-progress
git log --format='%H %s'
git ls-tree -r HEAD
git diff --stat HEAD~1 HEAD
git rev-list --objects --all | wc -l
git cat-file -p HEAD
