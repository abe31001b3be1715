// ddil-core: the headless command line, started by the `ddil` launcher (ddil_launcher.cpp). All
// logic lives in core/cli.
#include "core/cli/cli.h"

namespace {
void installEarly()
{
    ddil::installSignalHandlers();
}
} // namespace

// The executable's pre-initialisers run before any shared library's initialisers (LibTorch's
// take some 0.3 s to register its operators): the handlers are in place, and SIGINT/SIGTERM
// unblocked, before any of that.
__attribute__((used, section(".preinit_array"))) static void (*const kPreinit)() = installEarly;

int main(int argc, char** argv)
{
    return ddil::runCli(argc, argv);
}
