#!/usr/bin/env bash
# The Debian package as a user gets it: built by CPack from this build folder, unpacked into a
# scratch root with dpkg -x, and its programs run from there.
#   tests/package_install.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$build" && cpack -G DEB -B "$work/out" > "$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/out/ddil-workbench_*.deb)
echo "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"
dpkg-deb -I "$deb" control | tee "$work/control"
grep -q '^Package: ddil-workbench$' "$work/control"
# The packages of the libraries this build linked (libtorch1.13 or libtorch2.6, libopencv-core406
# or 410, ...), asked of dpkg, not written here: the .deb must depend on each.
for lib in libtorch_cpu libQt6Widgets libQCustomPlotQt6 libopencv_core; do
  path=$(ldd "$build/app/ddil-workbench" | awk -v l="$lib" 'index($1, l) == 1 && !found { print $3; found = 1 }')
  [ -n "$path" ] || { echo "ddil-workbench does not link $lib" >&2; exit 1; }
  owner=$(dpkg -S "$(readlink -f "$path")" | head -1 | cut -d: -f1)
  grep -Eq "^Depends: (.*[ ,])?$owner( |,|$)" "$work/control" \
    || { echo "the package does not depend on $owner (for $lib)" >&2; exit 1; }
done
grep -q '^Depends: .*libopenblas0' "$work/control"
grep -q '^Recommends: dataset-fashion-mnist' "$work/control"

root=$work/root
dpkg -x "$deb" "$root"
for f in usr/bin/ddil usr/libexec/ddil-workbench/ddil-core usr/bin/ddil-workbench usr/bin/ddil-torchrun \
         usr/share/ddil-workbench/resources/weights/fashion-mnist-teacher.safetensors \
         usr/share/ddil-workbench/resources/weights/toy-checkerboard-teacher.safetensors \
         usr/share/ddil-workbench/configs/fashion-mnist/distill/lcm-ddil.json \
         usr/share/ddil-workbench/translations/ddil_workbench_zh_TW.qm \
         usr/share/applications/ddil-workbench.desktop \
         usr/share/icons/hicolor/scalable/apps/ddil-workbench.svg \
         usr/share/icons/hicolor/48x48/apps/ddil-workbench.png \
         usr/share/icons/hicolor/256x256/apps/ddil-workbench.png \
         usr/share/metainfo/io.github.ddil_workbench.DdilWorkbench.metainfo.xml \
         usr/share/doc/ddil-workbench/copyright; do
  [ -s "$root/$f" ] || { echo "missing from the package: /$f" >&2; exit 1; }
done
grep -q 'GPL-3.0-or-later' "$root/usr/share/doc/ddil-workbench/copyright"
grep -q '<project_license>GPL-3.0-or-later</project_license>' \
  "$root/usr/share/metainfo/io.github.ddil_workbench.DdilWorkbench.metainfo.xml"
file_size=$(head -c 24 "$root/usr/share/icons/hicolor/48x48/apps/ddil-workbench.png" | od -An -tu1 | tr -s ' ')
case "$file_size" in *" 0 0 0 48 0 0 0 48") ;; *) echo "48x48 icon is not 48 x 48: $file_size" >&2; exit 1 ;; esac

# Run from the scratch root, away from the source tree, with its own data only.
cd "$work"
"$root/usr/bin/ddil" --help | grep -q 'Exit codes'
"$root/usr/bin/ddil" --version
QT_QPA_PLATFORM=offscreen "$root/usr/bin/ddil-workbench" --version | grep -q "ddil-workbench"
# The installed presets validate and the installed weights sample.
"$root/usr/bin/ddil" validate "$root/usr/share/ddil-workbench/configs/toy/distill/checkerboard-dmd2.json"
"$root/usr/bin/ddil" sample --checkpoint \
  "$root/usr/share/ddil-workbench/resources/weights/toy-checkerboard-teacher.safetensors" --steps 4 \
  --count 16 --out "$work/toy.npy" > /dev/null
[ -s "$work/toy.npy" ]
echo "package installs and runs"
