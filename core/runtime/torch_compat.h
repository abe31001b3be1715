#pragma once
// The differences between the two LibTorch generations the project builds against, in one place:
// Debian 12's LibTorch 1.13 (CPU) and PyTorch 2.x's (CUDA). Everything else is the same API.
//
// - c10d: in 2.x ProcessGroupGloo / ProcessGroupNCCL are c10d::Backends (wrapped by a
//   c10d::ProcessGroup for Python); in 1.13 they are c10d::ProcessGroups. Both have the same
//   collectives (allreduce, broadcast), which is all DataParallel calls.
// - The symmetric eigendecompositions of the FID are at::linalg_eigh / at::linalg_eigvalsh in
//   both (2.x dropped <torch/linalg.h>), so they need nothing here.
// - Autocast: 2.4 made its switches per device type (is_autocast_enabled(kCUDA), ...); 1.13 has
//   one function per device (is_enabled() for CUDA, is_cpu_enabled(), ...).
// - TCPStore: from 2.4 on its server defaults to the libuv backend, and the constructor refuses
//   (server and client alike) when the build has no libuv, as Debian 13's 2.6 has not; 1.13 has
//   no such option. storeOptions() asks the build (and honours USE_LIBUV=0, as PyTorch does).
// - Multiplying a list of tensors by a 0-dim tensor (gradient clipping without reading the norm)
//   is one multi-tensor op from 2.1 on; 1.13 has no such overload, so it is one op per tensor.

#include <ATen/autocast_mode.h>
#include <ATen/ops/_foreach_mul.h>
#include <torch/version.h>

#define DDIL_TORCH_AT_LEAST(major, minor)                                                          \
    (TORCH_VERSION_MAJOR > (major)                                                                 \
        || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

#ifdef DDIL_WITH_C10D
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <cstdlib>
#include <cstring>

namespace ddil::compat {
#if DDIL_TORCH_AT_LEAST(2, 0)
using CollectiveGroup = c10d::Backend;
#else
using CollectiveGroup = c10d::ProcessGroup;
#endif

// Whether this LibTorch's TCPStore has its libuv server. The build says so only by refusing one
// (is_libuv_tcpstore_backend_available is not exported), so ask it once: a server on an
// ephemeral loopback port that waits for nobody, closed at once.
inline bool storeHasLibuv()
{
#if DDIL_TORCH_AT_LEAST(2, 4)
    static const bool has = [] {
        try {
            c10d::TCPStoreOptions probe;
            probe.port = 0;
            probe.isServer = true;
            probe.waitWorkers = false;
            probe.useLibUV = true;
            c10d::TCPStore store("127.0.0.1", probe);
            return true;
        } catch (const c10::Error&) {
            return false;
        }
    }();
    return has;
#else
    return false;
#endif
}

// The TCPStore options of a rank: the libuv server where the build has it and USE_LIBUV is not
// 0 (PyTorch's own switch, which torchrun reads too); a client never needs it (it speaks the same
// protocol to either server), so it never asks for it.
inline c10d::TCPStoreOptions storeOptions(std::uint16_t port, bool isServer, std::size_t workers)
{
    c10d::TCPStoreOptions options;
    options.port = port;
    options.isServer = isServer;
    options.numWorkers = workers;
#if DDIL_TORCH_AT_LEAST(2, 4)
    const char* env = std::getenv("USE_LIBUV");
    const bool allowed = !(env && std::strcmp(env, "0") == 0);
    options.useLibUV = isServer && allowed && storeHasLibuv();
#endif
    return options;
}
} // namespace ddil::compat
#endif

namespace ddil::compat {
// list[i] *= factor for every i; factor is a 0-dim tensor on the list's device.
inline void foreachMul(at::TensorList list, const at::Tensor& factor)
{
#if DDIL_TORCH_AT_LEAST(2, 1)
    at::_foreach_mul_(list, factor);
#else
    for (const auto& t : list)
        t.mul_(factor);
#endif
}
} // namespace ddil::compat

namespace ddil::compat {
// Whether autocast is on for `device`'s type on this thread, and the type it casts to.
#if DDIL_TORCH_AT_LEAST(2, 4)
inline bool autocastEnabled(c10::DeviceType d)
{
    return at::autocast::is_autocast_enabled(d);
}
inline at::ScalarType autocastType(c10::DeviceType d)
{
    return at::autocast::get_autocast_dtype(d);
}
inline void setAutocast(c10::DeviceType d, bool on, at::ScalarType dtype)
{
    at::autocast::set_autocast_enabled(d, on);
    at::autocast::set_autocast_dtype(d, dtype);
}
#else
inline bool autocastEnabled(c10::DeviceType d)
{
    return d == c10::DeviceType::CUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
}
inline at::ScalarType autocastType(c10::DeviceType d)
{
    return d == c10::DeviceType::CUDA ? at::autocast::get_autocast_gpu_dtype()
                                      : at::autocast::get_autocast_cpu_dtype();
}
inline void setAutocast(c10::DeviceType d, bool on, at::ScalarType dtype)
{
    if (d == c10::DeviceType::CUDA) {
        at::autocast::set_enabled(on);
        at::autocast::set_autocast_gpu_dtype(dtype);
    } else {
        at::autocast::set_cpu_enabled(on);
        at::autocast::set_autocast_cpu_dtype(dtype);
    }
}
#endif

// Autocast to `dtype` on `device`'s type for the scope's lifetime (this thread only), as
// torch.autocast does: nested scopes restore what was in force before them.
class AutocastScope {
public:
    AutocastScope(c10::DeviceType device, at::ScalarType dtype)
        : m_device(device)
        , m_wasEnabled(autocastEnabled(device))
        , m_previousType(autocastType(device))
    {
        setAutocast(device, true, dtype);
        at::autocast::increment_nesting();
    }
    ~AutocastScope()
    {
        if (at::autocast::decrement_nesting() == 0)
            at::autocast::clear_cache();
        setAutocast(m_device, m_wasEnabled, m_previousType);
    }
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

private:
    c10::DeviceType m_device;
    bool m_wasEnabled;
    at::ScalarType m_previousType;
};
} // namespace ddil::compat
