#include "core/io/npy.h"

#include "core/api/errors.h"
#include "core/io/atomic_file.h"

#include <cstring>
#include <numeric>
#include <regex>

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

NpyArray readNpy(const std::string& path)
{
    const std::string bytes = readWholeFile(path);
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
    if (bytes.size() < headerStart + headerLen)
        throw IoError(path + ": truncated .npy header");
    const std::string header = bytes.substr(headerStart, headerLen);
    if (header.find("'<f4'") == std::string::npos)
        throw IoError(path + ": only little-endian float32 ('<f4') arrays are supported");
    if (header.find("'fortran_order': True") != std::string::npos)
        throw IoError(path + ": Fortran-ordered arrays are not supported");
    std::smatch m;
    if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)")))
        throw IoError(path + ": .npy header has no shape");
    NpyArray out;
    const std::string dims = m[1];
    std::regex num("\\d+");
    for (auto it = std::sregex_iterator(dims.begin(), dims.end(), num);
        it != std::sregex_iterator(); ++it)
        out.shape.push_back(std::stoll(it->str()));
    const size_t count = static_cast<size_t>(product(out.shape));
    const size_t dataStart = headerStart + headerLen;
    if (bytes.size() - dataStart != count * sizeof(float))
        throw IoError(path + ": data size does not match the shape in the header (truncated?)");
    out.data.resize(count);
    std::memcpy(out.data.data(), bytes.data() + dataStart, count * sizeof(float));
    return out;
}

} // namespace ddil
