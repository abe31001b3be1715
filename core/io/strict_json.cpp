#include "core/io/strict_json.h"

#include <set>
#include <vector>

namespace ddil {

namespace {

// Where the parse stopped, and why.
struct Refused {
    std::string problem;
};
} // namespace

std::string joinJsonPath(const std::string& parent, const std::string& key)
{
    return parent.empty() ? key : parent + "." + key;
}

namespace {
// The parse with a callback that counts depth and keys: nlohmann's parser is iterative, and the
// callback refuses the value that would go deeper before it is built.
template <class Json>
bool parseStrict(const std::string& text, Json& out, std::string& problem, int maxDepth)
{
    // The keys seen in each open object and the path to it; arrays count their elements.
    struct Level {
        bool array = false;
        std::set<std::string> keys;
        std::string key;
        long index = -1;
    };
    std::vector<Level> levels;
    const auto pathOf = [&levels](const std::string& last) {
        std::string path;
        for (const auto& l : levels) {
            if (&l == &levels.back())
                break;
            path = l.array ? path + "[" + std::to_string(l.index) + "]" : joinJsonPath(path, l.key);
        }
        return joinJsonPath(path, last);
    };
    const typename Json::parser_callback_t check = [&](int, typename Json::parse_event_t event,
                                                       Json& parsed) {
        using E = typename Json::parse_event_t;
        const bool starts = event == E::object_start || event == E::array_start;
        if ((starts || event == E::value) && !levels.empty() && levels.back().array)
            ++levels.back().index;
        if (starts) {
            if (static_cast<int>(levels.size()) >= maxDepth)
                throw Refused { "nested deeper than " + std::to_string(maxDepth) + " levels at \""
                    + pathOf(levels.empty() || levels.back().array ? "" : levels.back().key)
                        .substr(0, 200)
                    + "\"" };
            levels.push_back({ event == E::array_start, {}, {}, -1 });
        } else if (event == E::object_end || event == E::array_end) {
            levels.pop_back();
        } else if (event == E::key) {
            auto& level = levels.back();
            level.key = parsed.template get<std::string>();
            if (!level.keys.insert(level.key).second)
                throw Refused { "duplicate key \"" + pathOf(level.key).substr(0, 200)
                    + "\" (JSON allows it, but only one would count)" };
        }
        return true;
    };
    try {
        out = Json::parse(text, check);
        return true;
    } catch (const Refused& r) {
        problem = r.problem;
        return false;
    } catch (const nlohmann::json::exception& e) { // parse_error, or out_of_range for 1e400
        // nlohmann's message starts with "[json.exception.parse_error.101] parse error at ...".
        std::string what = e.what();
        const auto pos = what.find("] ");
        problem = "invalid JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2));
        return false;
    }
}
} // namespace

bool parseStrictJson(
    const std::string& text, nlohmann::ordered_json& out, std::string& problem, int maxDepth)
{
    return parseStrict(text, out, problem, maxDepth);
}

bool parseStrictJson(
    const std::string& text, nlohmann::json& out, std::string& problem, int maxDepth)
{
    return parseStrict(text, out, problem, maxDepth);
}

nlohmann::json parseStrictJsonOrDiscarded(const std::string& text, int maxDepth)
{
    nlohmann::json out;
    std::string problem;
    return parseStrict(text, out, problem, maxDepth)
        ? out
        : nlohmann::json(nlohmann::json::value_t::discarded);
}

} // namespace ddil
