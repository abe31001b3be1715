#include "core/io/tensorboard.h"

#include "core/api/errors.h"
#include "core/io/atomic_file.h"
#include "core/io/tensorboard.pb.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <isa-l/crc.h>
#include <unistd.h>

namespace ddil {

namespace fs = std::filesystem;

namespace {
constexpr const char* kFileVersion = "brain.Event:2";

void putLittleEndian(std::string& out, std::uint64_t value, int bytes)
{
    for (int i = 0; i < bytes; ++i)
        out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

std::uint64_t getLittleEndian(const unsigned char* p, int bytes)
{
    std::uint64_t value = 0;
    for (int i = bytes - 1; i >= 0; --i)
        value = (value << 8) | p[i];
    return value;
}

std::uint32_t bigEndian32(const unsigned char* p)
{
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8)
        | std::uint32_t(p[3]);
}

std::string hostName()
{
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0')
        return "localhost";
    return name;
}
} // namespace

std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t previous)
{
    // ISA-L's iSCSI CRC leaves the pre- and post-inversion to the caller and takes an int length:
    // longer inputs go through in chunks.
    auto* bytes = static_cast<unsigned char*>(const_cast<void*>(data));
    std::uint32_t state = ~previous;
    constexpr std::size_t kChunk = std::size_t(1) << 30;
    for (std::size_t done = 0; done < size; done += kChunk)
        state = crc32_iscsi(bytes + done, static_cast<int>(std::min(kChunk, size - done)), state);
    return ~state;
}

std::uint32_t maskedCrc32c(const void* data, std::size_t size)
{
    const std::uint32_t crc = crc32c(data, size);
    return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

EventFileWriter::EventFileWriter(const std::string& dir, double wallTime)
    : m_path((fs::path(dir)
          / ("events.out.tfevents." + std::to_string(static_cast<long long>(wallTime)) + "."
              + hostName() + ".ddil"))
              .string())
{
    m_out.open(m_path, std::ios::binary | std::ios::trunc);
    if (!m_out)
        throw IoError(m_path + ": cannot open for writing");
    tensorboard::Event event;
    event.set_wall_time(wallTime);
    event.set_file_version(kFileVersion);
    writeRecord(event.SerializeAsString());
}

void EventFileWriter::writeRecord(const std::string& data)
{
    std::string record;
    putLittleEndian(record, data.size(), 8);
    putLittleEndian(record, maskedCrc32c(record.data(), 8), 4);
    record += data;
    putLittleEndian(record, maskedCrc32c(data.data(), data.size()), 4);
    m_out.write(record.data(), static_cast<std::streamsize>(record.size()));
    m_out.flush();
    if (!m_out)
        throw IoError(m_path + ": write failed (disk full?)");
}

void EventFileWriter::addScalars(
    std::int64_t step, double wallTime, const std::vector<std::pair<std::string, double>>& scalars)
{
    tensorboard::Event event;
    event.set_wall_time(wallTime);
    event.set_step(step);
    auto* summary = event.mutable_summary();
    for (const auto& [tag, value] : scalars) {
        auto* v = summary->add_value();
        v->set_tag(tag);
        v->set_simple_value(static_cast<float>(value));
    }
    writeRecord(event.SerializeAsString());
}

bool EventFileWriter::addPng(
    std::int64_t step, double wallTime, const std::string& tag, const std::string& png)
{
    static const unsigned char signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
    const auto* p = reinterpret_cast<const unsigned char*>(png.data());
    if (png.size() < 26 || std::memcmp(p, signature, 8) != 0 || std::memcmp(p + 12, "IHDR", 4) != 0)
        return false;
    int colorspace = 3;
    switch (p[25]) { // PNG colour type -> TensorBoard colourspace
    case 0:
        colorspace = 1;
        break;
    case 4:
        colorspace = 2;
        break;
    case 6:
        colorspace = 4;
        break;
    default:
        colorspace = 3; // RGB and palette
    }
    tensorboard::Event event;
    event.set_wall_time(wallTime);
    event.set_step(step);
    auto* image = event.mutable_summary()->add_value();
    image->set_tag(tag);
    auto* content = image->mutable_image();
    content->set_width(static_cast<int>(bigEndian32(p + 16)));
    content->set_height(static_cast<int>(bigEndian32(p + 20)));
    content->set_colorspace(colorspace);
    content->set_encoded_image_string(png);
    writeRecord(event.SerializeAsString());
    return true;
}

std::vector<TensorBoardEvent> readEventFile(const std::string& path)
{
    const std::string bytes = readWholeFile(path);
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    std::vector<TensorBoardEvent> events;
    std::size_t at = 0;
    while (at < bytes.size()) {
        const std::string where = path + ": record " + std::to_string(events.size());
        if (bytes.size() - at < 12)
            throw IoError(where + " is truncated");
        const std::uint64_t length = getLittleEndian(p + at, 8);
        if (getLittleEndian(p + at + 8, 4) != maskedCrc32c(p + at, 8))
            throw IoError(where + ": the length's CRC does not match");
        if (bytes.size() - at < 16 || length > bytes.size() - at - 16) // (no length + 4: wraps)
            throw IoError(where + " is truncated");
        const std::string data = bytes.substr(at + 12, length);
        if (getLittleEndian(p + at + 12 + length, 4) != maskedCrc32c(data.data(), data.size()))
            throw IoError(where + ": the data's CRC does not match");
        at += 12 + length + 4;

        tensorboard::Event event;
        if (!event.ParseFromString(data))
            throw IoError(where + " is not an Event");
        TensorBoardEvent out;
        out.wallTime = event.wall_time();
        out.step = event.step();
        out.fileVersion = event.file_version();
        for (const auto& v : event.summary().value()) {
            if (v.has_image()) {
                const auto& image = v.image();
                out.images.push_back({ v.tag(), image.width(), image.height(), image.colorspace(),
                    image.encoded_image_string() });
            } else {
                out.scalars.emplace_back(v.tag(), v.simple_value());
            }
        }
        events.push_back(std::move(out));
    }
    return events;
}

std::vector<std::string> eventFilesIn(const std::string& dir)
{
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
        if (entry.is_regular_file()
            && entry.path().filename().string().rfind("events.out.tfevents.", 0) == 0)
            files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
    return files;
}

} // namespace ddil
