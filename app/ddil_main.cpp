// `ddil`: the headless command line. All logic lives in core/cli.
#include "core/cli/cli.h"

int main(int argc, char** argv)
{
    return ddil::runCli(argc, argv);
}
