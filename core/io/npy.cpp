#include "core/io/npy.h"

#include "core/api/errors.h"
#include "core/io/atomic_file.h"

#include <cstring>
#include <limits>
#include <numeric>

namespace ddil {

namespace {
int64_t product(const std::vector<int64_t>& shape)
{
    return std::accumulate(shape.begin(), shape.end(), int64_t { 1 }, std::multiplies<int64_t>());
}
} // namespace

void writeNpy(const std::string& path, const NpyArray& array)
{
    if (product(array.shape) != static_cast<int64_t>(array.data.size()))
        throw std::invalid_argument("writeNpy: shape does not match the data size");
    std::string shape = "(";
    for (size_t i = 0; i < array.shape.size(); ++i)
        shape += std::to_string(array.shape[i])
            + (array.shape.size() == 1 || i + 1 < array.shape.size() ? "," : "");
    shape += ")";
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    // Pad with spaces so magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64.
    const size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header += '\n';
    std::string bytes = "\x93NUMPY";
    bytes += '\x01';
    bytes += '\x00';
    const uint16_t len = static_cast<uint16_t>(header.size());
    bytes += static_cast<char>(len & 0xff);
    bytes += static_cast<char>(len >> 8);
    bytes += header;
    const size_t offset = bytes.size();
    bytes.resize(offset + array.data.size() * sizeof(float));
    std::memcpy(bytes.data() + offset, array.data.data(), array.data.size() * sizeof(float));
    writeFileAtomically(path, bytes);
}

namespace {
// The dims of "'shape': (a, b, c)" in a .npy header, read by hand: each a decimal number below
// 2^40, at most 16 of them, and their product at most `maxCount` (checked as it grows).
std::vector<int64_t> parseShape(
    const std::string& path, const std::string& header, int64_t maxCount)
{
    const auto bad = [&path](const std::string& why) { return IoError(path + ": " + why); };
    const auto key = header.find("'shape':");
    if (key == std::string::npos)
        throw bad(".npy header has no shape");
    size_t i = key + 8;
    const auto skipSpace = [&] {
        while (i < header.size() && (header[i] == ' ' || header[i] == '\t'))
            ++i;
    };
    skipSpace();
    if (i >= header.size() || header[i] != '(')
        throw bad(".npy header's shape is not a tuple");
    ++i;
    std::vector<int64_t> shape;
    int64_t count = 1;
    for (;;) {
        skipSpace();
        if (i < header.size() && header[i] == ')')
            return shape;
        int64_t dim = 0;
        const size_t digits = i;
        for (; i < header.size() && header[i] >= '0' && header[i] <= '9'; ++i) {
            dim = dim * 10 + (header[i] - '0');
            if (dim > (int64_t { 1 } << 40))
                throw bad(".npy header's shape has a dimension past 2^40");
        }
        if (i == digits)
            throw bad(".npy header's shape is not a tuple of whole numbers");
        if (shape.size() == 16)
            throw bad(".npy header's shape has more than 16 dimensions");
        shape.push_back(dim);
        if (dim != 0 && count > maxCount / dim)
            throw bad(".npy header's shape holds more values than a file can");
        count *= dim;
        skipSpace();
        if (i < header.size() && header[i] == ',')
            ++i;
        else if (i >= header.size() || header[i] != ')')
            throw bad(".npy header's shape is not a tuple of whole numbers");
    }
}
} // namespace

NpyArray readNpy(const std::string& path)
{
    // The header first (at most 64 KiB is read for it), then the data it describes.
    std::uint64_t fileSize = 0;
    std::string bytes = readFileRange(path, 0, 12, fileSize);
    if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
        throw IoError(path + ": not a .npy file (bad magic)");
    const int major = static_cast<unsigned char>(bytes[6]);
    size_t headerLen, headerStart;
    if (major == 1) {
        headerLen
            = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
        headerStart = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12)
            throw IoError(path + ": truncated .npy header");
        headerLen = 0;
        for (int i = 0; i < 4; ++i)
            headerLen |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
        headerStart = 12;
    } else {
        throw IoError(path + ": unsupported .npy version " + std::to_string(major));
    }
    if (headerLen > 65536)
        throw IoError(path + ": .npy header longer than 64 KiB");
    if (fileSize < headerStart + headerLen)
        throw IoError(path + ": truncated .npy header");
    const std::string header = readFileRange(path, headerStart, headerLen, fileSize);
    if (header.find("'<f4'") == std::string::npos)
        throw IoError(path + ": only little-endian float32 ('<f4') arrays are supported");
    if (header.find("'fortran_order': True") != std::string::npos)
        throw IoError(path + ": Fortran-ordered arrays are not supported");
    const size_t dataStart = headerStart + headerLen;
    NpyArray out;
    out.shape = parseShape(path, header, std::numeric_limits<int64_t>::max() / 8);
    const size_t count = static_cast<size_t>(product(out.shape));
    if (fileSize - dataStart != count * sizeof(float))
        throw IoError(path + ": data size does not match the shape in the header (truncated?)");
    const std::string data = readFileRange(path, dataStart, count * sizeof(float), fileSize);
    if (data.size() != count * sizeof(float))
        throw IoError(path + ": changed while it was read");
    out.data.resize(count);
    std::memcpy(out.data.data(), data.data(), data.size());
    return out;
}

} // namespace ddil
