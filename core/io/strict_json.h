#pragma once
// JSON from files this program did not write (configs, checkpoint headers), parsed strictly: a key
// that occurs twice in one object is refused and named by its path (JSON allows it, but only one
// would count), and so is nesting deeper than a limit, before the parse goes deeper.

#include <nlohmann/json.hpp>

#include <string>

namespace ddil {

inline constexpr int kMaxJsonDepth = 64;

// "parent.key" ("key" when parent is empty): the dotted paths that name JSON values and tensors.
std::string joinJsonPath(const std::string& parent, const std::string& key);

// False with `problem` set ("duplicate key \"a.b\" ...", "invalid JSON: ...", "nested deeper
// than 64 levels at \"a.b\"") when `text` is not such JSON.
bool parseStrictJson(const std::string& text, nlohmann::ordered_json& out, std::string& problem,
    int maxDepth = kMaxJsonDepth);
bool parseStrictJson(const std::string& text, nlohmann::json& out, std::string& problem,
    int maxDepth = kMaxJsonDepth);

// Files this program wrote and reads back (state.json, metrics.jsonl lines, caches): the same
// rules, with a damaged file read as a discarded value (`is_discarded()`), never a crash.
nlohmann::json parseStrictJsonOrDiscarded(const std::string& text, int maxDepth = kMaxJsonDepth);

} // namespace ddil
