#include "core/data/idx.h"

#include "core/api/errors.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>
#include <zlib.h>

namespace ddil {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& problem)
{
    throw IoError(path + ": " + problem);
}

// The most an IDX file may hold: 4 GiB (Fashion-MNIST's training images are 47 MB).
constexpr std::uint64_t kMaxIdxBytes = std::uint64_t(1) << 32;

// A file's bytes as they come: plain, or a gzip stream inflated by zlib, which checks the
// trailer's CRC-32 and length at the end. Output past `limit` bytes (what the IDX header
// promised) stops the read: a bomb is refused at its first piece past it.
class IdxStream {
public:
    explicit IdxStream(const std::string& path)
        : m_path(path)
        , m_in(path, std::ios::binary)
    {
        if (!m_in)
            fail(path, "cannot be opened");
        unsigned char magic[2] = { 0, 0 };
        m_in.read(reinterpret_cast<char*>(magic), 2);
        m_gzip = m_in.gcount() == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        if (m_gzip) { // the trailer's length (the last 4 bytes), read before any data
            unsigned char b[4] = { 0, 0, 0, 0 };
            m_in.clear();
            m_in.seekg(-4, std::ios::end);
            m_in.read(reinterpret_cast<char*>(b), 4);
            if (m_in.gcount() != 4)
                fail(path, "truncated: too short for a gzip file");
            m_trailerSize = std::uint32_t(b[0]) | std::uint32_t(b[1]) << 8
                | std::uint32_t(b[2]) << 16 | std::uint32_t(b[3]) << 24;
        }
        m_in.clear();
        m_in.seekg(0);
        if (m_gzip && inflateInit2(&m_z, 15 + 16) != Z_OK)
            fail(path, "cannot start a gzip decoder");
    }
    ~IdxStream()
    {
        if (m_gzip)
            inflateEnd(&m_z);
    }
    IdxStream(const IdxStream&) = delete;
    IdxStream& operator=(const IdxStream&) = delete;

    bool gzip() const { return m_gzip; }

    // The uncompressed size the gzip trailer states (its last 4 bytes: the size modulo 2^32).
    std::uint32_t trailerSize() const { return m_trailerSize; }

    // Exactly `size` bytes, part `[offset, offset + size)` of `what` (`whole` bytes in all), or
    // IoError telling truncation from corruption.
    void read(void* out, std::size_t size, const std::string& what, std::size_t offset = 0,
        std::size_t whole = 0)
    {
        whole = std::max(whole, size);
        auto* bytes = static_cast<unsigned char*>(out);
        std::size_t done = 0;
        const auto truncated = [&](const std::string& why) {
            fail(m_path,
                "truncated: " + what + " needs " + std::to_string(whole)
                    + " bytes, the file ends after " + std::to_string(offset + done) + why);
        };
        if (!m_gzip) {
            m_in.read(reinterpret_cast<char*>(bytes), static_cast<std::streamsize>(size));
            done = static_cast<std::size_t>(m_in.gcount());
            if (done < size)
                truncated("");
            return;
        }
        while (done < size) {
            if (m_ended)
                truncated(" (the gzip stream ends there)");
            if (!refill())
                truncated(" (the gzip stream is cut before its end)");
            m_z.next_out = bytes + done;
            m_z.avail_out = static_cast<uInt>(std::min<std::size_t>(size - done, 1u << 30));
            const uInt before = m_z.avail_out;
            const int rc = inflate(&m_z, Z_NO_FLUSH);
            done += before - m_z.avail_out;
            if (rc == Z_STREAM_END)
                m_ended = true;
            else if (rc != Z_OK && rc != Z_BUF_ERROR)
                fail(
                    m_path, "corrupt gzip data while reading " + what + " (" + zlibError(rc) + ")");
        }
    }

    // After the data: a gzip stream must end here, with its CRC-32 and length checked by zlib.
    void finish(std::size_t promised)
    {
        if (!m_gzip || m_ended)
            return;
        unsigned char extra = 0;
        for (;;) {
            if (!refill())
                fail(m_path,
                    "truncated: the gzip stream is cut before its trailer (CRC-32 and length)");
            m_z.next_out = &extra;
            m_z.avail_out = 1;
            const int rc = inflate(&m_z, Z_NO_FLUSH);
            if (m_z.avail_out == 0)
                fail(m_path,
                    "decompresses past the " + std::to_string(promised)
                        + " bytes its IDX header promises (stopped there)");
            if (rc == Z_STREAM_END)
                return;
            if (rc != Z_OK && rc != Z_BUF_ERROR)
                fail(m_path, "corrupt gzip data at its end (" + zlibError(rc) + ")");
        }
    }

private:
    // More compressed bytes for zlib once it has used what it had; false at the file's end.
    bool refill()
    {
        if (m_z.avail_in > 0)
            return true;
        m_in.read(reinterpret_cast<char*>(m_buffer.data()),
            static_cast<std::streamsize>(m_buffer.size()));
        m_z.next_in = m_buffer.data();
        m_z.avail_in = static_cast<uInt>(m_in.gcount());
        return m_z.avail_in > 0;
    }

    std::string zlibError(int rc) const
    {
        return m_z.msg ? m_z.msg : "zlib error " + std::to_string(rc);
    }

    std::string m_path;
    std::ifstream m_in;
    bool m_gzip = false;
    bool m_ended = false;
    std::uint32_t m_trailerSize = 0;
    z_stream m_z {};
    std::vector<unsigned char> m_buffer = std::vector<unsigned char>(1 << 20);
};

} // namespace

IdxArray readIdxFile(const std::string& path)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        fail(path, std::filesystem::exists(path, ec) ? "is not a file" : "file not found");
    IdxStream file(path);

    unsigned char magic[4];
    file.read(magic, 4, "the IDX header");
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
    std::uint64_t total = 1;
    for (int i = 0; i < rank; ++i) {
        unsigned char b[4];
        file.read(b, 4, "the IDX header");
        const std::uint32_t dim = (std::uint32_t(b[0]) << 24) | (std::uint32_t(b[1]) << 16)
            | (std::uint32_t(b[2]) << 8) | std::uint32_t(b[3]);
        if (dim == 0 || dim > (1u << 28))
            fail(path, "implausible IDX dimension " + std::to_string(dim));
        array.dims.push_back(dim);
        total *= dim;
        if (total > kMaxIdxBytes)
            fail(path, "IDX data larger than 4 GiB");
    }
    const std::uint64_t header = 4 + 4 * std::uint64_t(rank);
    if (!file.gzip()) {
        // Plain file: its size must hold what the header promises, checked before allocating.
        const auto size = std::filesystem::file_size(path, ec);
        if (!ec && size < header + total)
            fail(path,
                "truncated: the data needs " + std::to_string(total) + " bytes, the file holds "
                    + std::to_string(size - header));
        array.data.resize(total);
        file.read(array.data.data(), total, "the data");
        return array;
    }
    // Compressed: the trailer's length must agree with the header before anything is inflated.
    const auto stated = file.trailerSize();
    if (stated != static_cast<std::uint32_t>(header + total))
        fail(path,
            "truncated or damaged: the gzip trailer gives " + std::to_string(stated)
                + " bytes uncompressed (modulo 2^32), the IDX header needs "
                + std::to_string(header + total));
    // Memory grows with what arrives (a 16-byte file promising gigabytes fails after its few
    // bytes, having allocated one chunk).
    constexpr std::size_t kChunk = std::size_t(64) << 20;
    while (array.data.size() < total) {
        const std::size_t done = array.data.size();
        const std::size_t chunk = std::min<std::size_t>(kChunk, total - done);
        array.data.resize(done + chunk);
        file.read(array.data.data() + done, chunk, "the data", done, total);
    }
    file.finish(header + total);
    return array;
}

} // namespace ddil
