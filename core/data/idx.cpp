#include "core/data/idx.h"

#include "core/api/errors.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <zlib.h>

namespace ddil {

namespace {

struct GzCloser {
    void operator()(gzFile_s* f) const { gzclose(f); }
};

[[noreturn]] void fail(const std::string& path, const std::string& problem)
{
    throw IoError(path + ": " + problem);
}

// Reads exactly `size` bytes or fails with a message that tells truncation from corruption;
// the bytes are part `[offset, offset + size)` of `what`, `whole` bytes in all.
void readExactly(gzFile file, const std::string& path, void* out, std::size_t size,
    const std::string& what, std::size_t offset = 0, std::size_t whole = 0)
{
    whole = std::max(whole, size);
    auto* bytes = static_cast<unsigned char*>(out);
    std::size_t done = 0;
    while (done < size) {
        const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(size - done, 1u << 30));
        const int n = gzread(file, bytes + done, chunk);
        if (n < 0) {
            int code = 0;
            const char* message = gzerror(file, &code);
            fail(path, "corrupt gzip data while reading " + what + " (" + message + ")");
        }
        if (n == 0) {
            int code = 0;
            const char* message = gzerror(file, &code);
            fail(path,
                "truncated: " + what + " needs " + std::to_string(whole)
                    + " bytes, the file ends after " + std::to_string(offset + done)
                    + (code != Z_OK ? std::string(" (") + message + ")" : std::string()));
        }
        done += static_cast<std::size_t>(n);
    }
}

} // namespace

IdxArray readIdxFile(const std::string& path)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        fail(path, std::filesystem::exists(path, ec) ? "is not a file" : "file not found");
    std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
    if (!file)
        fail(path, "cannot be opened");
    gzbuffer(file.get(), 1 << 20);

    unsigned char magic[4];
    readExactly(file.get(), path, magic, 4, "the IDX header");
    if (magic[0] != 0 || magic[1] != 0)
        fail(path, "not an IDX file (bad magic number)");
    if (magic[2] != 0x08)
        fail(path,
            "IDX element type " + std::to_string(magic[2])
                + " is not supported (only unsigned bytes)");
    const int rank = magic[3];
    if (rank < 1 || rank > 4)
        fail(path, "IDX file with " + std::to_string(rank) + " dimensions is not supported");

    IdxArray array;
    std::size_t total = 1;
    for (int i = 0; i < rank; ++i) {
        unsigned char b[4];
        readExactly(file.get(), path, b, 4, "the IDX header");
        const std::uint32_t dim = (std::uint32_t(b[0]) << 24) | (std::uint32_t(b[1]) << 16)
            | (std::uint32_t(b[2]) << 8) | std::uint32_t(b[3]);
        if (dim == 0 || dim > (1u << 28))
            fail(path, "implausible IDX dimension " + std::to_string(dim));
        array.dims.push_back(dim);
        total *= dim;
        if (total > (std::size_t(1) << 34))
            fail(path, "IDX data larger than 16 GiB");
    }
    const std::size_t header = 4 + 4 * std::size_t(rank);
    if (gzdirect(file.get())) {
        // Plain file: its size must hold what the header promises, checked before allocating.
        const auto size = std::filesystem::file_size(path, ec);
        if (!ec && size < header + total)
            fail(path,
                "truncated: the data needs " + std::to_string(total) + " bytes, the file holds "
                    + std::to_string(size - header));
        array.data.resize(total);
        readExactly(file.get(), path, array.data.data(), total, "the data");
        return array;
    }
    // Compressed: the size is known only by reading, so memory grows with what arrives (a
    // 16-byte file promising gigabytes fails after its few bytes, having allocated one chunk).
    constexpr std::size_t kChunk = std::size_t(64) << 20;
    while (array.data.size() < total) {
        const std::size_t done = array.data.size();
        const std::size_t chunk = std::min(kChunk, total - done);
        array.data.resize(done + chunk);
        readExactly(file.get(), path, array.data.data() + done, chunk, "the data", done, total);
    }
    return array;
}

} // namespace ddil
