#!/usr/bin/env bash
# The C++ dependencies the headless core needs besides LibTorch, from this Debian machine, for a
# build on a machine that has a CUDA LibTorch (PyTorch 2.x) and none of Debian's packages:
# OpenCV core + imgproc (imgcodecs is replaced by imgcodecs_stb.cpp, built there on stb's codecs:
# the real one pulls in GDAL, x265 and 140 more libraries), protobuf + protoc, ISA-L, gloo's
# headers, CLI11, nlohmann-json and zlib's headers, with the shared libraries they need (not the
# C and C++ runtimes), and Fashion-MNIST's files.
#
#   packaging/gpu/bundle-deps.sh DEST        (make gpu-bundle: DEST = gpu-bundle)
#
# Writes the folder DEST (about 70 MB) and DEST.tar.gz (about 20 MB: what travels to a GPU
# machine); scripts/gpu-check.sh takes either and builds against it.
set -euo pipefail
dest=${1:?usage: bundle-deps.sh DEST}
here=$(cd "$(dirname "$0")" && pwd)
"$here/../../scripts/install-deps.sh"
L=/usr/lib/x86_64-linux-gnu
rm -rf "$dest"
mkdir -p "$dest"/{include,lib,bin,cmake/OpenCV,share/cmake,data/fashion-mnist}
cp -a /usr/include/opencv4 /usr/include/CLI /usr/include/nlohmann /usr/include/isa-l \
  /usr/include/isa-l.h /usr/include/zlib.h /usr/include/zconf.h /usr/include/gloo "$dest/include/"
mkdir -p "$dest/include/google" "$dest/include/stb"
cp -a /usr/include/google/protobuf "$dest/include/google/"
cp /usr/include/stb/stb_image.h /usr/include/stb/stb_image_write.h "$dest/include/stb/"
# CMake packages: a config file's prefix is three levels above it.
cp -a /usr/share/cmake/CLI11 /usr/share/cmake/nlohmann_json "$dest/share/cmake/"
libs="$L/libopencv_core.so.406 $L/libopencv_imgproc.so.406 $L/libprotobuf-lite.so.32
  $L/libprotobuf.so.32 $L/libprotoc.so.32 $L/libisal.so.2"
for f in $libs $(ldd $libs | awk '/=>/ { print $3 }' | sort -u); do
  case $(basename "$f") in
    libc.so* | libm.so* | libstdc++* | libgcc_s* | libpthread* | libdl.so* | librt.so* | ld-linux* | libz.so*) continue ;;
  esac
  cp -L "$f" "$dest/lib/"
done
# Reference BLAS/LAPACK instead of OpenBLAS: OpenCV core only needs the symbols.
rm -f "$dest/lib/libopenblas.so.0"
cp -L $L/lapack/liblapack.so.3 $L/blas/libblas.so.3 "$dest/lib/"
for m in core imgproc; do ln -sf "libopencv_$m.so.406" "$dest/lib/libopencv_$m.so"; done
ln -sf libprotobuf-lite.so.32 "$dest/lib/libprotobuf-lite.so"
ln -sf libprotobuf.so.32 "$dest/lib/libprotobuf.so"
ln -sf libisal.so.2 "$dest/lib/libisal.so"
cp -L /usr/bin/protoc "$dest/bin/"
cp "$here/imgcodecs_stb.cpp" "$dest/"
cat > "$dest/cmake/OpenCV/OpenCVConfig.cmake" << 'CM'
get_filename_component(_dd "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)
set(OpenCV_FOUND TRUE)
set(OpenCV_VERSION 4.6.0)
set(OpenCV_INCLUDE_DIRS "${_dd}/include/opencv4")
set(OpenCV_LIBS "${_dd}/lib/libopencv_core.so;${_dd}/lib/libopencv_imgproc.so;${_dd}/lib/libopencv_imgcodecs.so")
CM
cp /usr/share/datasets/fashion-mnist/*.gz "$dest/data/fashion-mnist/" 2> /dev/null \
  || cp -L /usr/share/datasets/fashion-mnist/* "$dest/data/fashion-mnist/"
tar czf "$dest.tar.gz" -C "$(dirname "$dest")" "$(basename "$dest")"
du -sh "$dest" "$dest.tar.gz"
