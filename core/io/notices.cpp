#include "core/api/notices.h"

#include <cstdio>
#include <mutex>
#include <set>

namespace ddil {

namespace {
struct Notices {
    std::mutex mutex;
    std::set<std::string> given;
    NoticeHandler handler;
};
Notices& notices()
{
    static Notices n;
    return n;
}
} // namespace

void notify(const std::string& line)
{
    NoticeHandler handler;
    {
        auto& n = notices();
        const std::lock_guard<std::mutex> lock(n.mutex);
        if (!n.given.insert(line).second)
            return;
        handler = n.handler;
    }
    if (handler)
        handler(line);
    else
        std::fprintf(stderr, "ddil: note: %s\n", line.c_str());
}

NoticeHandler setNoticeHandler(NoticeHandler handler)
{
    auto& n = notices();
    const std::lock_guard<std::mutex> lock(n.mutex);
    std::swap(n.handler, handler);
    return handler;
}

} // namespace ddil
