// `ddil`: starts the command line (ddil-core) with signals defined from the first instruction.
// ddil-core links LibTorch and spends 0.1-0.2 s in the dynamic loader before any of its code
// runs: a SIGTERM or SIGINT then would kill it without a word. This launcher links only the C
// library: it blocks SIGINT and SIGTERM (the mask and any pending signal survive exec), ignores
// SIGXFSZ (also kept across exec) and execs ddil-core, whose first code installs its handlers
// and unblocks them. A signal at any moment then ends `ddil` with exit code 130.
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

int main(int, char** argv)
{
    sigset_t terminate;
    sigemptyset(&terminate);
    sigaddset(&terminate, SIGINT);
    sigaddset(&terminate, SIGTERM);
    sigprocmask(SIG_BLOCK, &terminate, nullptr);
    std::signal(SIGXFSZ, SIG_IGN);

    char self[PATH_MAX] = {};
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    std::string dir = n > 0 ? std::string(self, static_cast<size_t>(n)) : std::string(argv[0]);
    if (n > 0)
        ::setenv("DDIL_LAUNCHER", self, 1); // what `ddil sweep` writes into job scripts
    dir = dir.substr(0, dir.rfind('/') + 1);
    // The build tree keeps both programs in one folder; an installation keeps ddil-core in
    // <prefix>/libexec/ddil-workbench.
    int err = 0;
    for (const std::string candidate : { dir + "ddil-core", dir + DDIL_CORE_FROM_BIN }) {
        ::execv(candidate.c_str(), argv);
        if (errno != ENOENT || err == 0)
            err = errno;
    }
    std::fprintf(stderr, "ddil: error: cannot start ddil-core next to %s: %s\n", dir.c_str(),
        std::strerror(err));
    return 1;
}
