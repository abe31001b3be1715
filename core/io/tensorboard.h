#pragma once
// TensorBoard event files: TFRecord framing (length, masked CRC-32C of the length, the Event
// protobuf, masked CRC-32C of the data) around Events holding scalars and PNG images, so that
// `tensorboard --logdir runs/` shows a run folder's curves and sample sheets. Protobuf is
// Debian's libprotobuf; CRC-32C is ISA-L's crc32_iscsi.

#include <cstdint>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace ddil {

// CRC-32C (Castagnoli) of `size` bytes (continuing `previous`, the CRC of the bytes before
// them), and TFRecord's masked form of it.
std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t previous = 0);
std::uint32_t maskedCrc32c(const void* data, std::size_t size);

class EventFileWriter {
public:
    // Creates <dir>/events.out.tfevents.<unix seconds>.<host>.ddil with its version event.
    // IoError when it cannot.
    EventFileWriter(const std::string& dir, double wallTime);

    const std::string& path() const { return m_path; }
    // One event holding every scalar (as float32, TensorBoard's simple_value).
    void addScalars(std::int64_t step, double wallTime,
        const std::vector<std::pair<std::string, double>>& scalars);
    // One image event from PNG bytes (its size and colours read from the PNG header); false
    // when `png` is not a PNG.
    bool addPng(std::int64_t step, double wallTime, const std::string& tag, const std::string& png);

private:
    void writeRecord(const std::string& data);

    std::string m_path;
    std::ofstream m_out;
};

// What an event file holds, for tests and tools: every record checked against its CRCs.
struct TensorBoardEvent {
    double wallTime = 0.0;
    std::int64_t step = 0;
    std::string fileVersion;
    std::vector<std::pair<std::string, float>> scalars;
    struct Image {
        std::string tag;
        int width = 0, height = 0, colorspace = 0;
        std::string png;
    };
    std::vector<Image> images;
};
// IoError naming the record for a bad CRC, a truncated record or an unparsable event.
std::vector<TensorBoardEvent> readEventFile(const std::string& path);

// The event files in `dir`, oldest name first.
std::vector<std::string> eventFilesIn(const std::string& dir);

} // namespace ddil
