#include "core/checkpoint/pickle_prefix.h"

#include <cstring>

namespace ddil {

namespace {
// The pickle opcodes (Python's pickletools) that LibTorch's pickler writes before an object's
// first non-scalar attribute.
enum Op : unsigned char {
    kProto = 0x80,
    kGlobal = 'c',
    kBinPut = 'q',
    kLongBinPut = 'r',
    kBinGet = 'h',
    kLongBinGet = 'j',
    kEmptyTuple = ')',
    kNewObj = 0x81,
    kEmptyDict = '}',
    kMark = '(',
    kBinUnicode = 'X',
    kBinInt1 = 'K',
    kBinInt2 = 'M',
    kBinInt = 'J',
    kLong1 = 0x8a,
    kBinFloat = 'G',
    kNewTrue = 0x88,
    kNewFalse = 0x89,
};

class Cursor {
public:
    explicit Cursor(const std::string& bytes)
        : m_bytes(bytes)
    {
    }
    bool has(std::size_t n) const { return m_bytes.size() - m_pos >= n; }
    int peek() const { return has(1) ? static_cast<unsigned char>(m_bytes[m_pos]) : -1; }
    bool take(std::size_t n, std::string* out = nullptr)
    {
        if (!has(n))
            return false;
        if (out)
            out->assign(m_bytes, m_pos, n);
        m_pos += n;
        return true;
    }
    // A little-endian unsigned integer of n <= 8 bytes.
    bool uint(std::size_t n, std::uint64_t& out)
    {
        if (!has(n))
            return false;
        out = 0;
        for (std::size_t i = 0; i < n; ++i)
            out |= std::uint64_t(static_cast<unsigned char>(m_bytes[m_pos + i])) << (8 * i);
        m_pos += n;
        return true;
    }
    bool line()
    {
        const auto end = m_bytes.find('\n', m_pos);
        if (end == std::string::npos)
            return false;
        m_pos = end + 1;
        return true;
    }

private:
    const std::string& m_bytes;
    std::size_t m_pos = 0;
};

// An object's opening: GLOBAL module\nname\n, [BINPUT], EMPTY_TUPLE, NEWOBJ, EMPTY_DICT, MARK.
bool skipMemo(Cursor& in)
{
    std::uint64_t ignored = 0;
    if (in.peek() == kBinPut)
        return in.take(1) && in.uint(1, ignored);
    if (in.peek() == kLongBinPut)
        return in.take(1) && in.uint(4, ignored);
    return true;
}

bool expect(Cursor& in, unsigned char op)
{
    return in.peek() == op && in.take(1);
}
} // namespace

std::optional<std::map<std::string, PickledScalar>> readLeadingAttributes(const std::string& pickle)
{
    Cursor in(pickle);
    std::uint64_t protocol = 0;
    if (!expect(in, kProto) || !in.uint(1, protocol))
        return std::nullopt;
    if (!expect(in, kGlobal) || !in.line() || !in.line() || !skipMemo(in))
        return std::nullopt;
    if (!expect(in, kEmptyTuple) || !expect(in, kNewObj) || !expect(in, kEmptyDict)
        || !expect(in, kMark))
        return std::nullopt;

    std::map<std::uint64_t, std::string> memo; // BINPUT index -> string (keys repeat via BINGET)
    // A string (BINUNICODE) and its optional BINPUT.
    auto readString = [&](std::string& out) {
        std::uint64_t n = 0;
        if (!expect(in, kBinUnicode) || !in.uint(4, n) || !in.take(n, &out))
            return false;
        std::uint64_t index = 0;
        if (expect(in, kBinPut)) {
            if (!in.uint(1, index))
                return false;
            memo[index] = out;
        } else if (expect(in, kLongBinPut)) {
            if (!in.uint(4, index))
                return false;
            memo[index] = out;
        }
        return true;
    };
    auto readKey = [&](std::string& out) {
        std::uint64_t index = 0;
        if (in.peek() == kBinGet || in.peek() == kLongBinGet) {
            const bool wide = in.peek() == kLongBinGet;
            if (!in.take(1) || !in.uint(wide ? 4 : 1, index) || !memo.count(index))
                return false;
            out = memo[index];
            return true;
        }
        return in.peek() == kBinUnicode && readString(out);
    };

    std::map<std::string, PickledScalar> out;
    for (;;) {
        std::string key;
        if (!readKey(key))
            return out; // the end of the dict (SETITEMS) or a key we do not read
        std::uint64_t raw = 0;
        switch (in.peek()) {
        case kBinUnicode: {
            std::string value;
            if (!readString(value))
                return std::nullopt;
            out[key] = value;
            continue;
        }
        case kBinInt1:
        case kBinInt2:
        case kBinInt: {
            const int op = in.peek();
            const std::size_t width = op == kBinInt1 ? 1 : op == kBinInt2 ? 2 : 4;
            if (!in.take(1) || !in.uint(width, raw))
                return std::nullopt;
            out[key]
                = width == 4 ? std::int64_t(std::int32_t(std::uint32_t(raw))) : std::int64_t(raw);
            break;
        }
        case kLong1: {
            std::uint64_t n = 0;
            if (!in.take(1) || !in.uint(1, n) || n > 8 || !in.uint(n, raw))
                return std::nullopt;
            if (n > 0 && n < 8 && (raw >> (8 * n - 1)) & 1) // two's complement, sign-extended
                raw |= ~std::uint64_t(0) << (8 * n);
            out[key] = std::int64_t(raw);
            break;
        }
        case kBinFloat: {
            std::string bytes;
            if (!in.take(1) || !in.take(8, &bytes))
                return std::nullopt;
            std::uint64_t bits = 0;
            for (unsigned char c : bytes) // big-endian
                bits = (bits << 8) | c;
            double value = 0;
            std::memcpy(&value, &bits, sizeof value);
            out[key] = value;
            break;
        }
        case kNewTrue:
        case kNewFalse:
            out[key] = in.peek() == kNewTrue;
            in.take(1);
            break;
        default:
            return out; // a submodule, a tensor, a list: the plain attributes end here
        }
        if (!skipMemo(in))
            return std::nullopt;
    }
}

} // namespace ddil
