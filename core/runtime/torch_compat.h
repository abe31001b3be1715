#pragma once
// The differences between the two LibTorch generations the project builds against, in one place:
// Debian 12's LibTorch 1.13 (CPU) and PyTorch 2.x's (CUDA). Everything else is the same API.
//
// - c10d: in 2.x ProcessGroupGloo / ProcessGroupNCCL are c10d::Backends (wrapped by a
//   c10d::ProcessGroup for Python); in 1.13 they are c10d::ProcessGroups. Both have the same
//   collectives (allreduce, broadcast), which is all DataParallel calls.
// - The symmetric eigendecompositions of the FID are at::linalg_eigh / at::linalg_eigvalsh in
//   both (2.x dropped <torch/linalg.h>), so they need nothing here.

#include <torch/version.h>

#define DDIL_TORCH_AT_LEAST(major, minor)                                                          \
    (TORCH_VERSION_MAJOR > (major)                                                                 \
        || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

#ifdef DDIL_WITH_C10D
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>

namespace ddil::compat {
#if DDIL_TORCH_AT_LEAST(2, 0)
using CollectiveGroup = c10d::Backend;
#else
using CollectiveGroup = c10d::ProcessGroup;
#endif
} // namespace ddil::compat
#endif
