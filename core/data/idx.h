#pragma once
// The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a big-endian
// header (0, 0, type 0x08 = unsigned byte, number of dimensions, then each dimension as uint32)
// followed by the data. Files may be gzip-compressed or plain; zlib reads both.

#include <cstdint>
#include <string>
#include <vector>

namespace ddil {

struct IdxArray {
    std::vector<int64_t> dims;
    std::vector<std::uint8_t> data; // product(dims) bytes, row-major
};

// Throws IoError naming the file and the problem: missing, not IDX, unsupported element type,
// corrupt gzip stream, fewer bytes than the header promises.
IdxArray readIdxFile(const std::string& path);

} // namespace ddil
