#!/usr/bin/env bash
# The Debian 13 check (`make test-debian13`), run on a Debian 12 machine (or any Debian with
# debootstrap and the archive): the whole suite on Debian 13 "trixie" with its LibTorch 2.6,
# Qt 6.8, OpenCV 4.10 and gcc 14, as a new user there gets it.
#
#   1. Makes a Debian 13 root with debootstrap, or reuses the cached one. It lives outside the
#      repository, in /var/cache/ddil-workbench/debian13-root (DDIL_DEBIAN13_ROOT overrides), and
#      is made anew whenever the package list of scripts/install-deps.sh for trixie (or this
#      recipe) changes: its stamp file holds their hash.
#   2. Installs the project's packages inside it with the project's own scripts/install-deps.sh.
#   3. Clones the current commit (HEAD: uncommitted changes are not part of the check) into it,
#      and runs `make test` there: install-deps (nothing left to install), configure, build and
#      the whole ctest.
#   4. Prints one summary line, `debian13-check: N passed, N failed, N skipped`, after a line
#      with the platform, the commit and the times.
#
# Needs root (debootstrap, chroot, mounts); the mounts live in a private mount namespace
# (unshare), so a killed check leaves none behind. ccache's cache stays inside the root, so a
# second run rebuilds only what changed.
#   DDIL_DEBIAN13_CTEST_ARGS   extra ctest arguments, e.g. "-LE slow"
#   DDIL_DEBIAN13_MIRROR       the archive (default: http://deb.debian.org/debian)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
root=${DDIL_DEBIAN13_ROOT:-/var/cache/ddil-workbench/debian13-root}
mirror=${DDIL_DEBIAN13_MIRROR:-http://deb.debian.org/debian}
ctest_args=${DDIL_DEBIAN13_CTEST_ARGS:-}
suite=trixie
# Bumped when the way the root is made changes (suites, mounts, setup inside it).
recipe="recipe 1: debootstrap --variant=minbase $suite main, $suite-updates, $suite-security"

say() { echo "debian13-check: $*"; }
fail() { echo "debian13-check: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "needs root (debootstrap, chroot and mounts): run it as root or with sudo"
command -v unshare > /dev/null || fail "needs unshare (util-linux)"
if ! command -v debootstrap > /dev/null; then
  say "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap \
    > /dev/null || { apt-get update -q > /dev/null && DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -q --no-install-recommends debootstrap > /dev/null; } \
    || fail "could not install debootstrap"
fi
commit=$(git -C "$here" rev-parse HEAD) || fail "$here is not a git checkout"
if [ -n "$(git -C "$here" status --porcelain --untracked-files=no)" ]; then
  say "note: uncommitted changes are not checked; this checks commit ${commit:0:12}"
fi

started=$(date +%s)
stamp_wanted=$( { echo "$recipe"; echo "$mirror";
                  bash "$here/scripts/install-deps.sh" --release "$suite" --list; } | sha256sum | cut -c1-16)
stamp_file=$root/.ddil-debian13-root
if [ -d "$root" ] && [ "$(cat "$stamp_file" 2> /dev/null)" = "$stamp_wanted" ]; then
  say "reusing the Debian 13 root $root (package list $stamp_wanted)"
else
  # Made beside the old one and moved into place only when complete, so that a killed run never
  # leaves a half-made root that a later run would take for a good one.
  fresh=$root.new
  rm -rf --one-file-system "$fresh"
  mkdir -p "$(dirname "$root")"
  say "making a Debian 13 root in $root (package list $stamp_wanted; about a minute, then the packages)"
  debootstrap --variant=minbase "$suite" "$fresh" "$mirror" > "$fresh.log" 2>&1 \
    || { tail -20 "$fresh.log"; fail "debootstrap failed (log: $fresh.log)"; }
  cat > "$fresh/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb ${mirror%/debian}/debian-security $suite-security main
EOF
  cp /etc/resolv.conf "$fresh/etc/resolv.conf"
  install -m 0755 "$here/scripts/install-deps.sh" "$fresh/tmp/install-deps.sh"
  unshare --mount --propagation private bash -c '
    set -e
    mount -t proc proc "$1/proc"
    chroot "$1" bash /tmp/install-deps.sh' _ "$fresh" >> "$fresh.log" 2>&1 \
    || { tail -20 "$fresh.log"; fail "installing the packages inside the root failed (log: $fresh.log)"; }
  rm -f "$fresh/tmp/install-deps.sh"
  echo "$stamp_wanted" > "$fresh/.ddil-debian13-root"
  rm -rf --one-file-system "$root"
  mv "$fresh" "$root"
  mv "$fresh.log" "$root.log"
  say "root made in $(( $(date +%s) - started )) s"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The host's names (its own hostname among them): c10d and Gloo resolve it.
cp /etc/hosts "$root/etc/hosts"

# A clean clone of the commit, at a fixed path inside the root (ccache's hits need one).
src=$root/work/ddil-workbench
rm -rf --one-file-system "$src"
mkdir -p "$root/work"
git clone -q --no-hardlinks "$here" "$src"
git -C "$src" checkout -q --detach "$commit"

log=$root/work/make-test.log
built=$(date +%s)
set +e
unshare --mount --propagation private bash -c '
  set -e
  r=$1; shift
  mount -t proc proc "$r/proc"
  mount -t sysfs -o ro sysfs "$r/sys"
  mount --bind /dev "$r/dev"
  mount -t devpts -o newinstance,ptmxmode=0666 devpts "$r/dev/pts" 2> /dev/null || true
  mount -t tmpfs -o mode=1777 tmpfs "$r/dev/shm"
  mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
  exec chroot "$r" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    CI="${CI:-}" bash -c "cd /work/ddil-workbench && make test CTEST_ARGS=\"$1\""' \
  _ "$root" "$ctest_args" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
finished=$(date +%s)

platform=$(chroot "$root" bash -c '. /etc/os-release; echo "Debian $(cat /etc/debian_version)"')
torch=$(chroot "$root" dpkg-query -W -f='${Version}' libtorch-dev 2> /dev/null || echo '?')
qt=$(chroot "$root" dpkg-query -W -f='${Version}' qt6-base-dev 2> /dev/null || echo '?')
gcc=$(chroot "$root" gcc -dumpfullversion 2> /dev/null || echo '?')
total=$(grep -Eo 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+$' || true)
failed=$(grep -Eo 'tests passed, [0-9]+ tests failed' "$log" | tail -1 | grep -Eo '[0-9]+' | tail -1 || true)
skipped=$(grep -Ec '^[[:space:]]*[0-9]+ - .*\(Skipped\)$' "$log" || true)
say "$platform, LibTorch $torch, Qt $qt, gcc $gcc; commit ${commit:0:12}; $(( finished - started )) s in all (make test $(( finished - built )) s); log $log"
if [ -z "$total" ]; then
  say "0 passed, 1 failed (make test stopped before ctest finished: exit $rc; see the log)"
  exit 1
fi
passed=$(( total - failed - skipped ))
say "$passed passed, $failed failed, $skipped skipped"
[ "$rc" -eq 0 ] || exit "$rc"
