#include "core/distill/replay_buffer.h"

#include "core/api/errors.h"
#include "core/checkpoint/strict_load.h"
#include "core/runtime/device.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace ddil {

ReplayBuffer::ReplayBuffer(int64_t capacity, BufferReplacement replacement)
    : m_capacity(capacity)
    , m_replacement(replacement)
{
    if (capacity <= 0)
        throw std::invalid_argument("replay buffer: capacity must be positive");
}

int64_t ReplayBuffer::insert(const BufferedStates& states, torch::Generator& generator)
{
    const int64_t n = std::min<int64_t>(states.x.size(0), m_capacity);
    if (n == 0)
        return 0;
    if (!m_data.x.defined()) {
        std::vector<int64_t> shape(states.x.sizes().begin(), states.x.sizes().end());
        shape[0] = m_capacity;
        m_data.x = torch::zeros(shape, states.x.options());
        m_data.t = torch::zeros({ m_capacity }, states.t.options());
        m_data.labels = torch::zeros({ m_capacity }, states.labels.options());
        m_data.born = torch::zeros({ m_capacity }, torch::kInt64);
        m_data.w = torch::full({ m_capacity }, std::nan(""), states.t.options());
    }
    const auto device = m_data.x.device();
    const int64_t append = std::min(n, m_capacity - m_size);
    torch::Tensor slots = torch::arange(m_size, m_size + append, torch::kInt64);
    if (append < n) {
        // Overwrite existing entries, each at most once: the oldest, or random ones.
        const auto order = m_replacement == BufferReplacement::Oldest
            ? std::get<1>(m_data.born.sort(/*stable=*/true, /*dim=*/0, /*descending=*/false))
            : torch::randperm(m_capacity, generator, torch::kInt64);
        slots = torch::cat({ slots, order.slice(0, 0, n - append) });
    }
    m_size += append;
    const auto devSlots = toDevice(slots, device);
    m_data.x.index_copy_(0, devSlots, states.x.slice(0, 0, n).to(device));
    m_data.t.index_copy_(0, devSlots, states.t.slice(0, 0, n).to(device));
    m_data.labels.index_copy_(0, devSlots, states.labels.slice(0, 0, n).to(device));
    m_data.born.index_copy_(0, slots, states.born.slice(0, 0, n).to(torch::kCPU));
    const auto w = states.w.defined() ? states.w.slice(0, 0, n).to(device)
                                      : torch::full({ n }, std::nan(""), m_data.w.options());
    m_data.w.index_copy_(0, devSlots, w);
    return n;
}

BufferedStates ReplayBuffer::sample(int64_t count, torch::Generator& generator) const
{
    if (m_size == 0)
        throw std::logic_error("replay buffer: sample from an empty buffer");
    const auto idx = torch::randint(m_size, { count }, generator, torch::kInt64);
    const auto devIdx = toDevice(idx, m_data.x.device());
    return { m_data.x.index_select(0, devIdx), m_data.t.index_select(0, devIdx),
        m_data.labels.index_select(0, devIdx), m_data.born.index_select(0, idx),
        m_data.w.index_select(0, devIdx) };
}

torch::Tensor ReplayBuffer::born() const
{
    return m_size == 0 ? torch::zeros({ 0 }, torch::kInt64)
                       : m_data.born.slice(0, 0, m_size).clone();
}

double ReplayBuffer::meanAge(int64_t now) const
{
    if (m_size == 0)
        return 0.0;
    return static_cast<double>(now)
        - m_data.born.slice(0, 0, m_size).to(torch::kFloat64).mean().item<double>();
}

void ReplayBuffer::save(torch::serialize::OutputArchive& archive, const std::string& prefix) const
{
    archive.write(prefix + "size", c10::IValue(m_size));
    if (m_size == 0)
        return;
    archive.write(prefix + "x", m_data.x.slice(0, 0, m_size).to(torch::kCPU).contiguous());
    archive.write(prefix + "t", m_data.t.slice(0, 0, m_size).to(torch::kCPU));
    archive.write(prefix + "labels", m_data.labels.slice(0, 0, m_size).to(torch::kCPU));
    archive.write(prefix + "born", m_data.born.slice(0, 0, m_size));
    archive.write(prefix + "w", m_data.w.slice(0, 0, m_size).to(torch::kCPU));
}

void ReplayBuffer::load(torch::serialize::InputArchive& archive, const std::string& prefix)
{
    c10::IValue size;
    m_size = 0;
    m_data = {};
    if (!archive.try_read(prefix + "size", size))
        return;
    const std::string what = "replay buffer \"" + prefix + "\"";
    if (!size.isInt() || size.toInt() < 0)
        throw CheckpointError(what + ": its size is not a count");
    const int64_t n = size.toInt();
    if (n == 0)
        return;
    BufferedStates stored;
    archive.try_read(prefix + "x", stored.x);
    archive.try_read(prefix + "t", stored.t);
    archive.try_read(prefix + "labels", stored.labels);
    archive.try_read(prefix + "born", stored.born);
    // Checkpoints written before the rollouts' w was kept have none: NaN, drawn anew.
    if (archive.try_read(prefix + "w", stored.w)) {
        // NaN marks a state rolled out without a scale of its own; anything else is finite.
        const double inf = std::numeric_limits<double>::infinity();
        const auto known = stored.w.defined() && stored.w.is_floating_point()
            ? torch::nan_to_num(stored.w, 0.0, inf, -inf)
            : stored.w;
        checkStoredTensor(known, torch::kFloat32, { n }, what, "w");
    }
    std::vector<int64_t> states(std::max<int64_t>(2, stored.x.defined() ? stored.x.dim() : 2), -1);
    states[0] = n;
    checkStoredTensor(stored.x, torch::kFloat32, states, what, "x");
    checkStoredTensor(stored.t, torch::kFloat32, { n }, what, "t");
    checkStoredTensor(stored.labels, torch::kInt64, { n }, what, "labels");
    checkStoredTensor(stored.born, torch::kInt64, { n }, what, "born");
    if (m_data.x.defined() && stored.x.sizes().slice(1) != m_data.x.sizes().slice(1))
        throw CheckpointError(what + ": its states are " + sizesText(stored.x));
    auto gen = at::detail::createCPUGenerator(0); // only appends: no random slots are drawn
    insert(stored, gen);
}

} // namespace ddil
