#!/usr/bin/env bash
# Installs the project's build, test and run dependencies from Debian's packages, on the two
# releases the project supports: Debian 12 "bookworm" (LibTorch 1.13, Qt 6.4, OpenCV 4.6, gcc 12)
# and Debian 13 "trixie" (LibTorch 2.6, Qt 6.8, OpenCV 4.10, gcc 14). Any other system is refused.
# Idempotent: does nothing (and needs no root) when every package is already installed.
#   --list   print the package list of this release and exit (scripts/debian13-check.sh hashes it)
#   --release CODENAME   use that release's list instead of this machine's (with --list)
set -euo pipefail

# Both releases name every package alike; the lists are kept apart so that a release that renames
# one changes only its own list.
common=(
  build-essential cmake ninja-build ccache pkg-config git
  libtorch-dev libopenblas0-pthread libgloo-dev python3-torch
  qt6-base-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-svg-dev libqt6svg6
  libqcustomplot-dev libqcustomplot2.1-qt6
  libopencv-dev nlohmann-json3-dev libcli11-dev zlib1g-dev
  libprotobuf-dev protobuf-compiler libisal-dev
  # stb's image codecs: the GPU bundle's stand-in for OpenCV's imgcodecs (make gpu-bundle).
  libstb-dev
  dataset-fashion-mnist
  xvfb xauth imagemagick xdotool
  # CPack's dependency scan (dpkg-shlibdeps) needs file(1); Debian 13's minimal systems lack it.
  file
  # The format check's pinned clang-format (cmake/FormatCheck.cmake): 19 on both releases.
  clang-format-19
)
bookworm=("${common[@]}")
# The safetensors library, for the test that our checkpoints and its files agree (Debian 12 does
# not package it; the test is then skipped, naming it).
trixie=("${common[@]}" python3-safetensors)

release=""
list_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --list) list_only=1 ;;
    --release) release="$2"; shift ;;
    *) echo "install-deps: unknown argument $1 (--list, --release CODENAME)" >&2; exit 2 ;;
  esac
  shift
done

if [ -z "$release" ]; then
  if [ -r /etc/os-release ]; then
    # shellcheck disable=SC1091
    release=$(. /etc/os-release && echo "${ID:-}:${VERSION_CODENAME:-}")
    pretty=$(. /etc/os-release && echo "${PRETTY_NAME:-unknown}")
  else
    release="unknown:"
    pretty="a system without /etc/os-release"
  fi
  case "$release" in
    debian:bookworm) release=bookworm ;;
    debian:trixie) release=trixie ;;
    *)
      echo "install-deps: this is $pretty; the project installs its dependencies on" \
        "Debian 12 (bookworm) and Debian 13 (trixie) only. On another system install the" \
        "equivalents of scripts/install-deps.sh's package list by hand and build with cmake" \
        "(README: Building by hand)." >&2
      exit 1
      ;;
  esac
fi

case "$release" in
  bookworm) packages=("${bookworm[@]}") ;;
  trixie) packages=("${trixie[@]}") ;;
  *) echo "install-deps: unknown release $release (bookworm, trixie)" >&2; exit 2 ;;
esac

if [ "$list_only" -eq 1 ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps ($release): installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then
    sudo="sudo"
  else
    echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
