#include "core/parallel/data_parallel.h"

#include "core/api/errors.h"
#include "core/runtime/torch_compat.h"

#include <torch/utils.h>

#ifdef DDIL_WITH_C10D
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#endif

#include <cstdlib>
#include <exception>

namespace ddil {

namespace {
[[maybe_unused]] constexpr const char* kStartHint
    = " (did every rank start? Under Slurm launch one task per rank with srun; with torchrun "
      "check --nnodes, --nproc_per_node and the master address)";
} // namespace

struct DataParallel::Group {
#ifdef DDIL_WITH_C10D
    c10::intrusive_ptr<compat::CollectiveGroup> group;
#endif
    torch::Device device = torch::kCPU; // where collective buffers live (NCCL: the GPU)
    std::string backend;

    // Runs one collective and waits for it; a failed or timed-out peer becomes an IoError.
    template <typename Start>
    void run(const char* what, Start&& start)
    {
        try {
#ifdef DDIL_WITH_C10D
            start(*group)->wait();
#else
            (void)start;
#endif
        } catch (const c10::Error& e) {
            throw IoError(std::string("data parallel ") + what + " failed (" + backend
                + "): " + e.what_without_backtrace());
        }
    }
};

DataParallel::DataParallel() = default;
DataParallel::~DataParallel() = default;

const DataParallel& DataParallel::single()
{
    static const DataParallel instance;
    return instance;
}

std::string DataParallel::backendName() const
{
    return m_group ? m_group->backend : "none";
}

std::shared_ptr<DataParallel> DataParallel::connect(const DistributedEnv& env, torch::Device device)
{
    auto parallel = std::make_shared<DataParallel>();
    if (!env.isDistributed())
        return parallel;
#ifndef DDIL_WITH_C10D
    (void)device;
    throw ConfigError("this build of ddil has no c10d process groups (it was built without the "
                      "Gloo headers of libgloo-dev): it cannot join "
        + env.describe());
#else
    auto group = std::make_unique<Group>();
    group->device = device;
    try {
        const auto options = compat::storeOptions(static_cast<std::uint16_t>(env.masterPort),
            !env.agentStore && env.isMain(), static_cast<std::size_t>(env.worldSize));
        c10::intrusive_ptr<c10d::Store> store
            = c10::make_intrusive<c10d::TCPStore>(env.masterAddr, options);
        if (!env.storePrefix.empty())
            store = c10::make_intrusive<c10d::PrefixStore>(env.storePrefix, store);
        store = c10::make_intrusive<c10d::PrefixStore>("ddil/", store);
        if (device.is_cuda()) {
#ifdef USE_C10D_NCCL
            group->backend = "nccl";
            group->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(
                store, env.rank, env.worldSize, c10d::ProcessGroupNCCL::Options::create());
#else
            throw ConfigError("this LibTorch has no NCCL process group: train on the CPU "
                              "(--device cpu) or build against a CUDA LibTorch with NCCL");
#endif
        } else {
            group->backend = "gloo";
            auto gloo = c10d::ProcessGroupGloo::Options::create();
            const std::string& addr = env.masterAddr;
            if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"))
                gloo->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
            else if (addr == "localhost" || addr.rfind("127.", 0) == 0)
                gloo->devices.push_back(
                    c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
            else
                gloo->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
            group->group
                = c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.worldSize, gloo);
        }
    } catch (const c10::Error& e) {
        throw IoError("could not join the process group as " + env.describe() + ": "
            + e.what_without_backtrace() + kStartHint);
    } catch (const std::system_error& e) {
        throw IoError(
            "could not join the process group as " + env.describe() + ": " + e.what() + kStartHint);
    }
    parallel->m_group = std::move(group);
    parallel->m_rank = env.rank;
    parallel->m_world = env.worldSize;
    return parallel;
#endif
}

torch::Tensor DataParallel::rows(const torch::Tensor& global) const
{
    if (m_world == 1)
        return global;
    const int64_t n = global.size(0);
    TORCH_CHECK(
        n % m_world == 0, "a global batch of ", n, " rows does not split over ", m_world, " ranks");
    const int64_t per = n / m_world;
    return global.slice(0, m_rank * per, (m_rank + 1) * per);
}

torch::Tensor DataParallel::randRows(int64_t localRows, torch::Generator& generator) const
{
    return rows(torch::rand({ globalCount(localRows) }, generator, torch::kFloat32));
}

torch::Tensor DataParallel::randnRows(at::IntArrayRef localShape, torch::Generator& generator) const
{
    std::vector<int64_t> shape(localShape.begin(), localShape.end());
    shape.at(0) = globalCount(shape[0]);
    return rows(torch::randn(shape, generator, torch::kFloat32));
}

void DataParallel::sum(torch::Tensor& tensor) const
{
    if (!m_group)
        return;
#ifdef DDIL_WITH_C10D
    auto buffer = tensor.to(m_group->device).contiguous();
    std::vector<torch::Tensor> list { buffer };
    m_group->run("sum", [&](compat::CollectiveGroup& g) { return g.allreduce(list); });
    tensor = buffer.to(tensor.device());
#endif
}

void DataParallel::averageGradients(const std::vector<torch::Tensor>& parameters) const
{
    if (!m_group)
        return;
    std::vector<torch::Tensor> grads;
    for (const auto& p : parameters)
        if (p.grad().defined())
            grads.push_back(p.grad());
    if (grads.empty())
        return;
    std::vector<torch::Tensor> flat;
    flat.reserve(grads.size());
    for (const auto& g : grads)
        flat.push_back(g.reshape({ -1 }));
    auto buffer = torch::cat(flat);
    sum(buffer);
    buffer.div_(m_world);
    int64_t offset = 0;
    torch::NoGradGuard noGrad;
    for (auto& g : grads) {
        const int64_t n = g.numel();
        g.copy_(buffer.slice(0, offset, offset + n).view(g.sizes()));
        offset += n;
    }
}

void DataParallel::average(Scalars& scalars) const
{
    if (!m_group || scalars.empty())
        return;
    std::vector<double> values;
    for (const auto& entry : scalars)
        values.push_back(entry.second);
    auto buffer = torch::tensor(values, torch::kFloat64);
    sum(buffer);
    buffer.div_(m_world);
    const auto* averaged = buffer.data_ptr<double>();
    for (std::size_t i = 0; i < scalars.size(); ++i)
        scalars[i].second = averaged[i];
}

bool DataParallel::any(bool flag) const
{
    if (!m_group)
        return flag;
    auto buffer = torch::full({ 1 }, flag ? 1.0 : 0.0, torch::kFloat32);
    sum(buffer);
    return buffer.item<float>() > 0.5f;
}

void DataParallel::runAgreed(
    bool here, const std::function<void()>& work, const std::string& othersMessage) const
{
    std::exception_ptr failure;
    if (here) {
        try {
            work();
        } catch (...) {
            failure = std::current_exception();
        }
    }
    if (any(failure != nullptr)) {
        if (failure)
            std::rethrow_exception(failure);
        throw IoError(othersMessage);
    }
}

void DataParallel::broadcast(torch::nn::Module& module) const
{
    if (!m_group)
        return;
#ifdef DDIL_WITH_C10D
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> tensors = module.parameters();
    for (const auto& b : module.buffers())
        tensors.push_back(b);
    for (auto& t : tensors) {
        auto buffer = t.detach().to(m_group->device).contiguous();
        std::vector<torch::Tensor> list { buffer };
        c10d::BroadcastOptions options;
        options.rootRank = 0;
        m_group->run(
            "broadcast", [&](compat::CollectiveGroup& g) { return g.broadcast(list, options); });
        if (!isMain())
            t.detach().copy_(buffer);
    }
#endif
}

} // namespace ddil
