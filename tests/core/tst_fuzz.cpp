// Deterministic mutation fuzzing of every file the program reads: a config, a checkpoint, an IDX
// image/label pair, a run folder's logs and a TensorBoard event file, each mutated by a seeded
// generator and run
// through the real loaders in this process (the `ddil` command line's own entry point, runCli,
// where there is a command for it). A case fails on a crash (the test process dies), a hang (a
// watchdog ends the process after kCaseSeconds), an exit code outside what bad input may give
// (0 accepted, 3 invalid config, 4 file or checkpoint problem), or a checkpoint whose bytes
// changed being accepted without its CRC re-made. A failing case prints its file kind, seed and
// mutation, and the mutated file is kept in DDIL_FUZZ_KEEP (when set) to replay.
#include "core/api/errors.h"
#include "core/cli/cli.h"
#include "core/cli/exit_codes.h"
#include "core/io/tensorboard.h"
#include "core/train/run_folder.h"
#include "tests/test_support.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <unistd.h>
#include <zlib.h>

using namespace ddil;

namespace {

constexpr int kCaseSeconds = 20; // times DDIL_TEST_TIME_SCALE (6 under the sanitize preset)

int caseSeconds()
{
    return ddil::test::patienceMs(kCaseSeconds * 1000) / 1000;
}

std::string readAll(const QString& path)
{
    std::ifstream in(path.toStdString(), std::ios::binary);
    return { std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>() };
}

void writeAll(const QString& path, const std::string& bytes)
{
    std::ofstream(path.toStdString(), std::ios::binary | std::ios::trunc) << bytes;
}

// One mutation of `in`, chosen and placed by `rng`: bit flips, bytes set to boundary values,
// truncation, insertion, a chunk copied over another place, a chunk deleted. `focus` > 0 puts
// the change within the first `focus` bytes half of the time (a header). `what` says what was
// done, for the failure message.
std::string mutate(const std::string& in, std::mt19937_64& rng, size_t focus, std::string& what)
{
    std::string s = in;
    const auto place = [&](size_t size) {
        const size_t range = focus > 0 && rng() % 2 == 0 ? std::min(focus, size) : size;
        return range == 0 ? size_t(0) : size_t(rng() % range);
    };
    switch (rng() % 6) {
    case 0: {
        const int flips = 1 + int(rng() % 4);
        what = std::to_string(flips) + " bit flips at";
        for (int i = 0; i < flips && !s.empty(); ++i) {
            const size_t at = place(s.size());
            s[at] = char(s[at] ^ (1 << (rng() % 8)));
            what += " " + std::to_string(at);
        }
        break;
    }
    case 1: {
        static const char kValues[]
            = { 0, char(0xff), 0x7f, char(0x80), '9', '-', '"', '{', '[', ']', '}', ',', ':', 'e' };
        const size_t at = place(s.size());
        if (!s.empty())
            s[at] = kValues[rng() % sizeof kValues];
        what = "byte set at " + std::to_string(at);
        break;
    }
    case 2: {
        const size_t at = place(s.size());
        s.resize(at);
        what = "truncated to " + std::to_string(at);
        break;
    }
    case 3: {
        const size_t at = place(s.size() + 1);
        std::string bytes(1 + rng() % 16, '\0');
        for (auto& b : bytes)
            b = char(rng());
        s.insert(at, bytes);
        what = std::to_string(bytes.size()) + " bytes inserted at " + std::to_string(at);
        break;
    }
    case 4: {
        const size_t from = place(s.size()), to = place(s.size());
        const size_t n = std::min({ size_t(1 + rng() % 64), s.size() - from, s.size() - to });
        s.replace(to, n, in.substr(from, n));
        what = std::to_string(n) + " bytes copied from " + std::to_string(from) + " to "
            + std::to_string(to);
        break;
    }
    default: {
        const size_t at = place(s.size());
        const size_t n = std::min(size_t(1 + rng() % 64), s.size() - at);
        s.erase(at, n);
        what = std::to_string(n) + " bytes deleted at " + std::to_string(at);
        break;
    }
    }
    return s;
}

// A scalar value of a JSON text (after some "key":) replaced by one of another type or out of
// range: the type confusions byte mutations rarely make. `in` unchanged when it has none.
std::string swapJsonValue(const std::string& in, std::mt19937_64& rng, std::string& what)
{
    std::vector<size_t> starts; // where a scalar value begins
    for (size_t i = 0; i + 1 < in.size(); ++i) {
        if (in[i] != ':')
            continue;
        size_t v = i + 1;
        while (v < in.size() && in[v] == ' ')
            ++v;
        if (v < in.size() && in[v] != '{' && in[v] != '[')
            starts.push_back(v);
    }
    if (starts.empty())
        return in;
    const size_t at = starts[rng() % starts.size()];
    size_t end = at;
    if (in[at] == '"') {
        end = in.find('"', at + 1);
        end = end == std::string::npos ? in.size() : end + 1;
    } else {
        while (end < in.size() && std::string(",}]\n").find(in[end]) == std::string::npos)
            ++end;
    }
    static const char* kValues[] = { "\"x\"", "\"\"", "[]", "{}", "null", "true", "-1", "0",
        "1e400", "-1e400", "1e18", "18446744073709551616", "-9223372036854775809", "0.5",
        "[1, \"a\"]", "{\"a\": 1}", "\"\\u0000\"", "NaN", "Infinity", "-Infinity" };
    const char* value = kValues[rng() % (sizeof kValues / sizeof *kValues)];
    what = "JSON value at " + std::to_string(at) + " set to " + value;
    return in.substr(0, at) + value + in.substr(end);
}

// Where the JSON value starting at `at` ends (one past it): a string, a balanced container
// (strings inside it skipped), or a scalar up to the next delimiter.
size_t jsonValueEnd(const std::string& text, size_t at)
{
    if (at >= text.size())
        return text.size();
    if (text[at] == '"') {
        for (size_t i = at + 1; i < text.size(); ++i) {
            if (text[i] == '\\')
                ++i;
            else if (text[i] == '"')
                return i + 1;
        }
        return text.size();
    }
    if (text[at] == '{' || text[at] == '[') {
        int depth = 0;
        for (size_t i = at; i < text.size(); ++i) {
            if (text[i] == '"')
                i = jsonValueEnd(text, i) - 1;
            else if (text[i] == '{' || text[i] == '[')
                ++depth;
            else if ((text[i] == '}' || text[i] == ']') && --depth == 0)
                return i + 1;
        }
        return text.size();
    }
    size_t end = at;
    while (end < text.size() && std::string(",}] \n").find(text[end]) == std::string::npos)
        ++end;
    return end;
}

// A change to a JSON text's structure that byte mutations rarely make, at any level: a value
// wrapped in arrays nested 2 to 100,000 deep, or a member repeated in its object (a duplicate
// key, with the same or another value). `in` unchanged when it has no member.
std::string mutateStructure(const std::string& in, std::mt19937_64& rng, std::string& what)
{
    std::vector<std::pair<size_t, size_t>> members; // key start, value start
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '"')
            continue;
        const size_t keyEnd = jsonValueEnd(in, i);
        size_t colon = keyEnd;
        while (colon < in.size() && in[colon] == ' ')
            ++colon;
        if (colon < in.size() && in[colon] == ':') {
            size_t value = colon + 1;
            while (value < in.size() && (in[value] == ' ' || in[value] == '\n'))
                ++value;
            members.emplace_back(i, value);
        }
        i = keyEnd - 1;
    }
    if (members.empty())
        return in;
    const auto [key, value] = members[rng() % members.size()];
    const size_t valueEnd = jsonValueEnd(in, value);
    if (rng() % 2 == 0) {
        static const size_t kDepths[] = { 2, 63, 64, 65, 1000, 100000 };
        const size_t depth = kDepths[rng() % (sizeof kDepths / sizeof *kDepths)];
        what = "value at " + std::to_string(value) + " nested in " + std::to_string(depth)
            + " arrays";
        return in.substr(0, value) + std::string(depth, '[') + in.substr(value, valueEnd - value)
            + std::string(depth, ']') + in.substr(valueEnd);
    }
    const std::string member = in.substr(key, valueEnd - key);
    const std::string repeated = rng() % 2 == 0
        ? member
        : in.substr(key, value - key) + (in[value] == '"' ? "0" : "\"other\"");
    what = "member at " + std::to_string(key) + " repeated (a duplicate key)";
    return in.substr(0, valueEnd) + "," + repeated + in.substr(valueEnd);
}

// A safetensors checkpoint with its ddil.crc32c made to match again after a mutation (where the
// key still stands in its header): the header and layout checks then see the damage instead of
// the CRC check.
std::string withCrcFixed(std::string bytes)
{
    const std::string key = "\"ddil.crc32c\":\"";
    const auto at = bytes.find(key);
    if (at == std::string::npos || at + key.size() + 8 > bytes.size())
        return bytes;
    const size_t digits = at + key.size();
    bytes.replace(digits, 8, "00000000");
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", crc32c(bytes.data(), bytes.size()));
    bytes.replace(digits, 8, hex);
    return bytes;
}

std::string u64Bytes(std::uint64_t v)
{
    std::string out;
    for (int i = 0; i < 8; ++i)
        out.push_back(char((v >> (8 * i)) & 0xff));
    return out;
}

std::string gzipped(const std::string& bytes)
{
    uLongf size = compressBound(bytes.size()) + 32;
    std::string out(size, '\0');
    z_stream z {};
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY); // gzip wrapper
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    z.avail_in = static_cast<uInt>(bytes.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

std::string idxBytes(std::vector<uint32_t> dims, const std::string& data)
{
    std::string out { 0, 0, 0x08, static_cast<char>(dims.size()) };
    for (uint32_t d : dims)
        for (int shift : { 24, 16, 8, 0 })
            out.push_back(static_cast<char>((d >> shift) & 0xff));
    return out + data;
}

// Ends the process when one case runs longer than caseSeconds(), naming it: a hang fails the test
// instead of stalling the suite.
class Watchdog {
public:
    Watchdog()
        : m_thread([this] { watch(); })
    {
    }
    ~Watchdog()
    {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_done = true;
        }
        m_wake.notify_all();
        m_thread.join();
    }
    void start(const std::string& name)
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_case = name;
        m_since = std::chrono::steady_clock::now();
    }

private:
    void watch()
    {
        std::unique_lock<std::mutex> lock(m_mutex);
        while (!m_done) {
            m_wake.wait_for(lock, std::chrono::milliseconds(200));
            if (!m_case.empty()
                && std::chrono::steady_clock::now() - m_since
                    > std::chrono::seconds(caseSeconds())) {
                std::fprintf(
                    stdout, "FAIL: hang: %s ran past %d s\n", m_case.c_str(), caseSeconds());
                std::fflush(stdout);
                std::_Exit(124);
            }
        }
    }

    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_done = false;
    std::string m_case;
    std::chrono::steady_clock::time_point m_since;
    std::thread m_thread;
};

// stdout and stderr of the commands go to /dev/null while the cases run (hundreds of one-line
// errors), and come back for the verdicts.
class Silence {
public:
    Silence()
    {
        std::fflush(stdout);
        std::fflush(stderr);
        m_out = ::dup(1);
        m_err = ::dup(2);
        const int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 1);
        ::dup2(null, 2);
        ::close(null);
    }
    ~Silence()
    {
        std::fflush(stdout);
        std::fflush(stderr);
        ::dup2(m_out, 1);
        ::dup2(m_err, 2);
        ::close(m_out);
        ::close(m_err);
    }

private:
    int m_out = -1, m_err = -1;
};

int cli(QStringList args)
{
    args.prepend("ddil");
    std::vector<QByteArray> bytes;
    for (const auto& a : args)
        bytes.push_back(a.toLocal8Bit());
    std::vector<char*> argv;
    for (auto& b : bytes)
        argv.push_back(b.data());
    argv.push_back(nullptr);
    return runCli(static_cast<int>(bytes.size()), argv.data());
}

// The exit code `ddil` gives an exception of this kind (as core/cli's guarded()); -1 for one
// that bad input must never raise.
template <class F>
int codeOf(F&& body, std::string& unexpected)
{
    try {
        body();
        return exit_code::kOk;
    } catch (const ConfigError&) {
        return exit_code::kInvalidConfig;
    } catch (const IoError&) {
        return exit_code::kFile;
    } catch (const CheckpointError&) {
        return exit_code::kFile;
    } catch (const std::exception& e) {
        unexpected = e.what();
        return -1;
    }
}

// A small teacher run; its distill section is parsed (and fuzzed) though a teacher does not use it.
const QByteArray kTinyConfig = R"({
  "schema_version": 1, "name": "fuzz", "seed": 3,
  "runtime": {"device": "cpu", "threads": 1},
  "data": {"kind": "toy2d", "distribution": "eight_gaussians"},
  "model": {"hidden": 16, "depth": 1, "time_embedding": 8},
  "train": {"steps": 4, "batch_size": 16, "log_every": 2, "checkpoint_every": 0, "warmup_steps": 1},
  "sample": {"steps": 2},
  "eval": {"every": 0, "count": 20, "projections": 4},
  "distill": {"teacher": "teacher.pt", "ddil": {"beta": [0.5, 0.25, 0.25]}}
})";

} // namespace

class TestFuzz : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::map<int, int> m_codes; // exit code -> cases of the last fuzz()
    QString path(const QString& name) const { return m_dir.filePath(name); }

    using Judge = std::function<QString(int code)>; // why an exit code is wrong; "" if right
    // One mutated case, its files written: its bytes (empty: the mutation changed nothing, and
    // the case is skipped and counted as such), how to run it, and the verdict on its exit code.
    struct Case {
        std::string bytes;
        std::function<int()> run;
        Judge judge;
    };
    static QString badInputCode(int code)
    {
        return code == 0 || code == exit_code::kInvalidConfig || code == exit_code::kFile
            ? QString()
            : QString("exit code %1").arg(code);
    }

    // Runs `cases` cases made by `make(seed, rng, what)` under the watchdog, with the commands'
    // output silenced; then prints the exit codes seen and every failure.
    void fuzz(const QString& kind, int cases,
        const std::function<Case(uint64_t, std::mt19937_64&, std::string&)>& make)
    {
        m_codes.clear();
        QStringList failures;
        int skipped = 0;
        Watchdog watchdog;
        {
            Silence quiet;
            for (uint64_t seed = 0; seed < uint64_t(cases); ++seed) {
                std::mt19937_64 rng(seed);
                std::string what;
                const Case c = make(seed, rng, what);
                if (c.bytes.empty()) {
                    ++skipped;
                    continue;
                }
                watchdog.start(kind.toStdString() + " seed " + std::to_string(seed));
                const int code = c.run();
                ++m_codes[code];
                if (const QString why = c.judge(code); !why.isEmpty()) {
                    failures << QString("%1 seed %2 (%3): %4")
                                    .arg(kind)
                                    .arg(seed)
                                    .arg(what.c_str(), why);
                    const QString keep = QString::fromLocal8Bit(qgetenv("DDIL_FUZZ_KEEP"));
                    if (!keep.isEmpty())
                        writeAll(keep + "/" + QString(kind).replace(' ', '-') + "-"
                                + QString::number(seed),
                            c.bytes);
                }
            }
        }
        QString tally;
        for (const auto& [code, n] : m_codes)
            tally += QString(" exit %1: %2,").arg(code).arg(n);
        const int ran = cases - skipped;
        qInfo("%s: %d cases run (%d more left the file unchanged and were skipped);%s",
            qPrintable(kind), ran, skipped, qPrintable(tally.chopped(1)));
        for (const auto& f : failures)
            qWarning("%s", qPrintable(f));
        QVERIFY2(failures.isEmpty(),
            qPrintable(
                QString("%1 of %2 %3 cases failed").arg(failures.size()).arg(ran).arg(kind)));
        // The count is of cases run: most seeds must change the file.
        QVERIFY2(ran >= cases * 9 / 10,
            qPrintable(
                QString("only %1 of %2 %3 seeds changed the file").arg(ran).arg(cases).arg(kind)));
    }

private Q_SLOTS:
    void configs()
    {
        const std::string good = kTinyConfig.toStdString();
        writeAll(path("good.json"), good);
        const QStringList validate { "validate", path("c.json") };
        QCOMPARE(cli({ "validate", path("good.json") }), exit_code::kOk);
        // A structure change (nesting, a duplicate key) always breaks a valid config: refused.
        const auto refusedConfig = [](int code) {
            return code == exit_code::kInvalidConfig || code == exit_code::kFile
                ? QString()
                : QString("exit code %1 for a config whose structure was changed").arg(code);
        };
        fuzz("config", 4000, [&](uint64_t seed, std::mt19937_64& rng, std::string& what) {
            const bool structure = seed % 6 == 2;
            std::string bytes = structure ? mutateStructure(good, rng, what)
                : seed % 3 == 1           ? swapJsonValue(good, rng, what)
                                          : mutate(good, rng, 0, what);
            if (seed % 3 == 0) // stacked mutations reach further from valid JSON
                bytes = mutate(bytes, rng, 0, what);
            writeAll(path("c.json"), bytes);
            return Case { bytes == good ? std::string() : bytes, [&] { return cli(validate); },
                structure ? Judge(refusedConfig) : Judge(badInputCode) };
        });
    }

    void initTestCase()
    {
        // A finished run folder: its checkpoint and logs are the originals of two file kinds.
        writeAll(path("tiny.json"), kTinyConfig.toStdString());
        Silence quiet;
        QCOMPARE(cli({ "run", path("tiny.json"), "--out", path("tiny"), "-q" }), exit_code::kOk);
    }

    void checkpoints()
    {
        const std::string good = readAll(path("tiny/checkpoint.safetensors"));
        QVERIFY(good.size() > 1000);
        const QStringList sample { "sample", "--checkpoint", path("m.safetensors"), "--steps", "1",
            "--count", "2", "--out", path("m.npy") };
        writeAll(path("m.safetensors"), good);
        QCOMPARE(cli(sample), exit_code::kOk);
        // The header: its length (8), the JSON; the archive layout is a JSON string inside it.
        size_t header = 8;
        for (int i = 0; i < 8; ++i)
            header += size_t(static_cast<unsigned char>(good[i])) << (8 * i);
        const auto json = nlohmann::ordered_json::parse(good.substr(8, header - 8));
        const std::string layout = json["__metadata__"]["ddil.archive"].get<std::string>();
        // A changed checkpoint is refused; with its CRC re-made (odd seeds, so that the header
        // and payload checks behind the CRC are reached) it may also be read.
        const auto refused = [](int code) {
            return code == exit_code::kFile ? QString()
                : code == 0                 ? QString("a changed checkpoint was accepted")
                                            : QString("exit code %1").arg(code);
        };
        const auto refusedOrRead = [](int code) {
            return code == 0 || code == exit_code::kFile ? QString()
                                                         : QString("exit code %1").arg(code);
        };
        fuzz("checkpoint", 4000, [&](uint64_t seed, std::mt19937_64& rng, std::string& what) {
            const bool fixed = seed % 2 == 1;
            bool lieInTheWeights = false; // in a tensor `sample` loads: must be refused
            std::string bytes = mutate(good, rng, header, what);
            if (seed % 4 == 3) { // a value of the JSON header swapped (its length kept apart)
                const std::string swapped = swapJsonValue(good.substr(8, header - 8), rng, what);
                bytes = u64Bytes(swapped.size()) + swapped + good.substr(header);
            } else if (seed % 8 == 5) { // a value of the archive layout swapped
                auto changed = json;
                changed["__metadata__"]["ddil.archive"] = swapJsonValue(layout, rng, what);
                what += " (in the archive layout)";
                const std::string text = changed.dump();
                bytes = u64Bytes(text.size()) + text + good.substr(header);
            } else if (seed % 16 == 9) { // the header's structure: nesting, a duplicate key
                const std::string changed = mutateStructure(good.substr(8, header - 8), rng, what);
                bytes = u64Bytes(changed.size()) + changed + good.substr(header);
                lieInTheWeights = true; // a strict header refuses every such change
            } else if (seed % 16 == 13) { // a weight made NaN, +Inf or -Inf, its bytes in place
                std::vector<std::string> names;
                for (const auto& item : json.items())
                    if (item.key().rfind("ema.", 0) == 0 && item.value()["dtype"] == "F32")
                        names.push_back(item.key());
                const std::string name = names[rng() % names.size()];
                const auto& range = json[name]["data_offsets"];
                const auto count = (range[1].get<size_t>() - range[0].get<size_t>()) / 4;
                static const char* kValues[]
                    = { "\x00\x00\xc0\x7f", "\x00\x00\x80\x7f", "\x00\x00\x80\xff" };
                const size_t k = rng() % 3, at = count == 0 ? 0 : rng() % count;
                bytes = good;
                if (count > 0)
                    bytes.replace(header + range[0].get<size_t>() + 4 * at, 4, kValues[k], 4);
                what = name + "[" + std::to_string(at) + "] set to "
                    + (k == 0        ? "NaN"
                            : k == 1 ? "+Inf"
                                     : "-Inf");
                lieInTheWeights = true;
            } else if (seed % 16 == 1) { // a self-consistent lie: shape or dtype, equal bytes
                auto changed = json;
                std::vector<std::string> names;
                for (const auto& item : json.items())
                    if (item.key() != "__metadata__")
                        names.push_back(item.key());
                const std::string name = names[rng() % names.size()];
                lieInTheWeights = name.rfind("ema.", 0) == 0;
                auto& spec = changed[name];
                if (rng() % 2 == 0) {
                    auto shape = spec["shape"];
                    shape.insert(shape.begin(), 1);
                    spec["shape"] = shape;
                    what = name + ": shape gains a leading 1";
                } else if (spec["dtype"] == "F32") {
                    spec["dtype"] = "I32";
                    what = name + ": F32 read as I32";
                } else {
                    spec["shape"] = nlohmann::ordered_json::array();
                    what = name + ": shape emptied";
                }
                const std::string text = changed.dump();
                bytes = u64Bytes(text.size()) + text + good.substr(header);
            }
            if (fixed) {
                bytes = withCrcFixed(bytes);
                what += ", CRC re-made";
            }
            writeAll(path("m.safetensors"), bytes);
            return Case { bytes == good ? std::string() : bytes, [&] { return cli(sample); },
                fixed && !lieInTheWeights ? Judge(refusedOrRead) : Judge(refused) };
        });
        QVERIFY(m_codes[exit_code::kFile] > 2000);
    }

    void idxFiles()
    {
        // 24 images of 6 x 6 in 3 classes, plain and gzip-compressed, mutated one file at a time.
        std::string pixels(24 * 36, '\0'), labels(24, '\0');
        for (size_t i = 0; i < pixels.size(); ++i)
            pixels[i] = char((i * 37) % 256);
        for (size_t i = 0; i < labels.size(); ++i)
            labels[i] = char(i % 3);
        const std::string images = idxBytes({ 24, 6, 6 }, pixels);
        const std::string labelFile = idxBytes({ 24 }, labels);
        const QByteArray config = R"({"schema_version": 1, "name": "idx", "runtime": {"threads": 1},
            "data": {"kind": "idx", "path": "images", "labels_path": "labels"}, "model": {"kind": "unet"}})";
        std::ofstream(path("idx.json").toStdString()) << config.toStdString();
        const QStringList draw { "data", path("idx.json"), "--count", "4", "--out", path("d.npy") };
        writeAll(path("images"), images);
        writeAll(path("labels"), labelFile);
        QCOMPARE(cli(draw), exit_code::kOk);
        fuzz("idx", 3000, [&](uint64_t seed, std::mt19937_64& rng, std::string& what) {
            const bool imagesMutated = seed % 2 == 0, compressed = seed % 4 >= 2;
            std::string bytes = mutate(imagesMutated ? images : labelFile, rng, 16, what);
            what = (imagesMutated ? "images: " : "labels: ") + what;
            if (compressed)
                bytes = gzipped(bytes);
            writeAll(path("images"), imagesMutated ? bytes : images);
            writeAll(path("labels"), imagesMutated ? labelFile : bytes);
            const std::string& source = imagesMutated ? images : labelFile;
            const bool unchanged = bytes == (compressed ? gzipped(source) : source);
            return Case { unchanged ? std::string() : bytes, [&] { return cli(draw); },
                badInputCode };
        });
    }

    // A run folder's logs as `ddil table` reads them (config.json, state.json, metrics.jsonl),
    // and as a resume rewrites them (metrics.jsonl and metrics.csv cut after a step, the
    // TensorBoard file rebuilt from what is kept).
    void runFolderLogs()
    {
        const char* kFiles[] = { "config.json", "state.json", "metrics.jsonl", "metrics.csv" };
        std::map<std::string, std::string> good;
        for (const char* f : kFiles)
            good[f] = readAll(path("tiny/") + f);
        QVERIFY(QDir().mkpath(path("logs/samples")));
        const auto restore = [&] {
            for (const auto& [name, bytes] : good)
                writeAll(path("logs/") + name.c_str(), bytes);
        };
        restore();
        const QStringList table { "table", path("logs"), "--no-teacher", "--format", "csv" };
        QCOMPARE(cli(table), exit_code::kOk);
        std::string unexpected;
        fuzz("run folder", 3000, [&](uint64_t seed, std::mt19937_64& rng, std::string& what) {
            restore();
            const char* file = kFiles[seed % 4];
            const bool json = std::string(file).find("json") != std::string::npos;
            const std::string bytes = json && (seed / 4) % 4 == 1
                ? mutateStructure(good[file], rng, what)
                : json && (seed / 4) % 2 == 0 ? swapJsonValue(good[file], rng, what)
                                              : mutate(good[file], rng, 0, what);
            what = std::string(file) + ": " + what;
            writeAll(path("logs/") + file, bytes);
            const std::string changed = bytes == good[file] ? std::string() : bytes;
            if (seed % 8 < 4) // through `ddil table`
                return Case { changed, [&] { return cli(table); }, badInputCode };
            // Through a resume's rewrite of the logs, in-process.
            return Case { changed,
                [&] {
                    return codeOf(
                        [&] { RunFolder(path("logs").toStdString()).truncateMetricsAfter(2); },
                        unexpected);
                },
                [&](int code) {
                    return code == 0 || code == exit_code::kFile
                        ? QString()
                        : QString("raised %1").arg(unexpected.c_str());
                } };
        });
    }

    void eventFiles()
    {
        QTemporaryDir dir;
        std::string written;
        {
            EventFileWriter writer(dir.path().toStdString(), 1.0e9);
            for (int step = 1; step <= 5; ++step)
                writer.addScalars(
                    step, 1.0e9 + step, { { "train/loss", 1.0 / step }, { "lr", 1e-3 } });
            written = writer.path();
        }
        const std::string good = readAll(QString::fromStdString(written));
        writeAll(path("events"), good);
        QCOMPARE(readEventFile(path("events").toStdString()).size(), size_t(6));
        // No command reads event files: the reader itself, its exceptions mapped as `ddil` maps
        // them (anything but IoError is a failure).
        std::string unexpected;
        const auto read = [&] {
            return codeOf([&] { readEventFile(path("events").toStdString()); }, unexpected);
        };
        const auto judge = [&](int code) {
            return code == 0 || code == exit_code::kFile
                ? QString()
                : QString("raised %1").arg(unexpected.c_str());
        };
        fuzz("event file", 3000, [&](uint64_t, std::mt19937_64& rng, std::string& what) {
            const std::string bytes = mutate(good, rng, 0, what);
            writeAll(path("events"), bytes);
            return Case { bytes == good ? std::string() : bytes, read, judge };
        });
    }
};

QTEST_GUILESS_MAIN(TestFuzz)
#include "tst_fuzz.moc"
