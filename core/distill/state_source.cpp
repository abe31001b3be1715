#include "core/distill/state_source.h"

#include "core/api/errors.h"
#include "core/checkpoint/strict_load.h"
#include "core/diffusion/parameterization.h"
#include "core/distill/guided_teacher.h"
#include "core/distill/student_policy.h"
#include "core/runtime/device.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace ddil {

namespace {
// Rollouts per batched sampler run: small image batches stay in the CPU caches (see
// ModelSampleOptions); 2-D states are cheap enough that a run's fixed cost per step dominates.
int64_t rolloutChunk(const std::vector<int64_t>& sampleShape)
{
    int64_t numel = 1;
    for (auto s : sampleShape)
        numel *= s;
    return numel <= 64 ? 1024 : 16;
}

int64_t bufferCapacity(const DdilConfig& c, int64_t batchSize)
{
    return c.buffer_capacity > 0 ? c.buffer_capacity : 32 * batchSize;
}
} // namespace

DdilStateSource::DdilStateSource(const DdilConfig& config, int64_t batchSize,
    GuidedTeacher& teacher, const StudentPolicy& policy, DenoiserNet& student,
    const DataSource& data, torch::Device device, const DataParallel& parallel,
    std::function<torch::Tensor(int64_t, torch::Generator&)> dataTimes,
    std::function<std::vector<double>()> studentTimesNow)
    : m_config(config)
    , m_batchSize(batchSize)
    , m_teacher(teacher)
    , m_policy(policy)
    , m_student(student)
    , m_data(data)
    , m_device(device)
    , m_parallel(parallel)
    , m_dataTimes(std::move(dataTimes))
    , m_studentTimesNow(std::move(studentTimesNow))
    , m_teacherBuffer(bufferCapacity(config, batchSize), config.buffer_replacement)
    , m_studentBuffer(bufferCapacity(config, batchSize), config.buffer_replacement)
{
    m_settings.beta = { config.beta.at(0), config.beta.at(1), config.beta.at(2) };
    m_settings.pTeach = config.p_teach;
}

void DdilStateSource::setSettings(const MixtureSettings& settings)
{
    m_settings = settings;
}

void DdilStateSource::setBufferSettings(int capacity, int refreshEvery, double refreshFraction)
{
    m_config.buffer_capacity = capacity;
    m_config.refresh_every = refreshEvery;
    m_config.refresh_fraction = refreshFraction;
    const int64_t slots = bufferCapacity(m_config, m_batchSize);
    if (slots != m_teacherBuffer.capacity()) {
        m_teacherBuffer = ReplayBuffer(slots, m_config.buffer_replacement);
        m_studentBuffer = ReplayBuffer(slots, m_config.buffer_replacement);
    }
}

std::array<double, 3> DdilStateSource::betaAt(int64_t step) const
{
    auto beta = m_settings.beta;
    if (m_config.beta_schedule == BetaSchedule::RampStudent && m_config.ramp_steps > 0) {
        // DAgger's schedule: the student's share grows from 0; the data source gives way.
        const double ramp = std::min(1.0, static_cast<double>(step) / m_config.ramp_steps);
        const double moved = beta[2] * (1.0 - ramp);
        beta[2] -= moved;
        beta[0] += moved;
    }
    return beta;
}

double DdilStateSource::pTeachAt(int64_t step) const
{
    const double p = m_settings.pTeach;
    if (m_config.p_teach_schedule != PTeachSchedule::LinearDecay
        || m_config.p_teach_decay_steps <= 0)
        return p;
    // DAgger: the expert's share falls linearly, from p_teach at step 0 to 0.
    const double left
        = 1.0 - static_cast<double>(step) / static_cast<double>(m_config.p_teach_decay_steps);
    return p * std::clamp(left, 0.0, 1.0);
}

torch::Tensor DdilStateSource::rolloutScales(int64_t count, torch::Generator& gen) const
{
    if (m_config.rollout_guidance == RolloutGuidance::Fixed)
        return torch::full({ count }, m_config.rollout_guidance_scale, torch::kFloat32);
    const auto& distill = m_policy.config().distill;
    if (distill.method != DistillMethod::Consistency)
        return {}; // the student takes no w; the teacher keeps distill.guidance.scale
    // LCM: the w its targets are made with, one per rollout.
    const auto& c = distill.lcm;
    return c.w_min + (c.w_max - c.w_min) * torch::rand({ count }, gen, torch::kFloat32);
}

int64_t DdilStateSource::firstStoredState(int64_t steps, int64_t step) const
{
    const bool dataGivesFirst = betaAt(step)[0] > 0.0;
    return m_config.store_first_state || steps < 2 || !dataGivesFirst ? 0 : 1;
}

BufferedStates DdilStateSource::rolloutStates(bool teacherSource, const torch::Tensor& noise,
    const torch::Tensor& labels, int64_t step, int64_t first, torch::Generator& gen, int64_t last)
{
    const auto times = m_studentTimesNow();
    const int64_t n = noise.size(0);
    const int64_t steps = last < 0 ? static_cast<int64_t>(times.size()) - 1 : last + 1;
    // A student rollout stopped at state `last` takes only the steps that lead to it: its first
    // `last` steps (times tau_N ... the state's own), which draw what the full rollout's first
    // steps draw; its end point is that state.
    const std::vector<double> rolloutTimes(
        times.begin(), last < 0 ? times.end() : times.begin() + last + 1);
    const auto scales = rolloutScales(n, gen);
    // Chunk i draws from a generator of its own, so the chunks can be rolled out by different
    // ranks (chunk i by rank i mod W) and summed: every rank then holds every state.
    const auto chunkSeed = torch::randint(0, int64_t(1) << 62, { 1 }, gen, torch::kInt64);
    const uint64_t firstSeed = static_cast<uint64_t>(chunkSeed.item<int64_t>());
    std::vector<torch::Tensor> xs, ts, ls, ws;
    const int64_t chunkRows = rolloutChunk(m_data.sampleShape());
    for (int64_t begin = 0, chunk = 0; begin < n; begin += chunkRows, ++chunk) {
        const int64_t end = std::min(n, begin + chunkRows);
        auto z = toDevice(noise.slice(0, begin, end), m_device);
        const auto y = toDevice(labels.slice(0, begin, end), m_device);
        const auto w = scales.defined() ? scales.slice(0, begin, end) : torch::Tensor();
        std::vector<torch::Tensor> states;
        if (!m_parallel.ownsChunk(chunk)) {
            states.assign(steps, torch::zeros_like(z));
        } else if (teacherSource) {
            states = m_teacher.trajectory(
                z, std::vector<double>(times.begin(), times.end() - 1), y, w);
        } else {
            RolloutOptions options;
            options.pTeach = pTeachAt(step);
            options.teacher = &m_teacher;
            options.scale = w;
            auto chunkGen = at::detail::createCPUGenerator(firstSeed + chunk);
            auto rollout
                = rolloutStudent(m_policy, m_student, z, y, rolloutTimes, chunkGen, options);
            states = std::move(rollout.states);
            if (last >= 0)
                states.push_back(rollout.x0); // the state entering step `last`
        }
        for (int64_t k = first; k < steps; ++k) {
            xs.push_back(states[k].contiguous());
            ts.push_back(torch::full({ end - begin }, times[k], z.options()));
            ls.push_back(y);
            ws.push_back(
                w.defined() ? w : torch::full({ end - begin }, std::nan(""), torch::kFloat32));
        }
    }
    BufferedStates out { torch::cat(xs), torch::cat(ts), torch::cat(ls), {}, torch::cat(ws) };
    m_parallel.sum(out.x);
    out.born = torch::full({ out.x.size(0) }, step, torch::kInt64);
    return out;
}

std::pair<torch::Tensor, torch::Tensor> DdilStateSource::startStates(
    int64_t rollouts, torch::Generator& gen)
{
    auto shape = m_data.sampleShape();
    shape.insert(shape.begin(), rollouts);
    auto noise = torch::randn(shape, gen, torch::kFloat32);
    return { noise, m_data.sample(rollouts, gen).labels };
}

namespace {
BufferedStates selectRows(const BufferedStates& s, const torch::Tensor& idx)
{
    const auto dev = idx.to(s.x.device());
    return { s.x.index_select(0, dev), s.t.index_select(0, dev), s.labels.index_select(0, dev),
        s.born.index_select(0, idx), s.w.index_select(0, idx) };
}
} // namespace

void DdilStateSource::refresh(
    int64_t count, bool teacher, bool student, int64_t step, torch::Generator& gen)
{
    if (count <= 0 || (!teacher && !student))
        return;
    const auto started = std::chrono::steady_clock::now();
    const int64_t steps = static_cast<int64_t>(m_studentTimesNow().size()) - 1;
    const int64_t first = firstStoredState(steps, step);
    const int64_t kept = steps - first; // states each rollout gives
    const int64_t rollouts = (count + kept - 1) / kept;
    // A random `count` of the rollouts' states, so every step k is represented evenly.
    auto keep = [&](const BufferedStates& s) {
        return selectRows(s, torch::randperm(s.x.size(0), gen, torch::kInt64).slice(0, 0, count));
    };
    const auto [noise, labels] = startStates(rollouts, gen);
    if (teacher)
        m_teacherBuffer.insert(keep(rolloutStates(true, noise, labels, step, first, gen)), gen);
    if (student) {
        if (m_config.shared_noise) {
            m_studentBuffer.insert(
                keep(rolloutStates(false, noise, labels, step, first, gen)), gen);
        } else {
            const auto [other, otherLabels] = startStates(rollouts, gen);
            m_studentBuffer.insert(
                keep(rolloutStates(false, other, otherLabels, step, first, gen)), gen);
        }
    }
    m_refreshSeconds
        += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

BufferedStates DdilStateSource::freshStudentStates(
    int64_t count, int64_t step, int64_t first, torch::Generator& gen)
{
    const auto started = std::chrono::steady_clock::now();
    const int64_t steps = static_cast<int64_t>(m_studentTimesNow().size()) - 1;
    const auto [noise, labels] = startStates(count, gen);
    // Rollout i stops at its own state index k_i, uniform over the kept states; the rollouts
    // stopping at k run together, k steps each.
    const auto chosen = torch::randint(first, steps, { count }, gen, torch::kInt64);
    std::vector<BufferedStates> parts;
    for (int64_t k = first; k < steps; ++k) {
        const auto rows = (chosen == k).nonzero().squeeze(1);
        if (rows.numel() > 0)
            parts.push_back(rolloutStates(
                false, noise.index_select(0, rows), labels.index_select(0, rows), step, k, gen, k));
    }
    BufferedStates out;
    for (auto field : { &BufferedStates::x, &BufferedStates::t, &BufferedStates::labels,
             &BufferedStates::born, &BufferedStates::w }) {
        std::vector<torch::Tensor> pieces;
        for (const auto& part : parts)
            pieces.push_back(part.*field);
        out.*field = torch::cat(pieces);
    }
    m_refreshSeconds
        += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return out;
}

StateBatch DdilStateSource::draw(int64_t batch, int64_t step, torch::Generator& generator)
{
    const auto beta = betaAt(step);
    // Buffers hold states at the student's times: a new grid (next PD round) invalidates them.
    const auto times = m_studentTimesNow();
    if (times != m_bufferTimes) {
        m_teacherBuffer.clear();
        m_studentBuffer.clear();
        m_bufferTimes = times;
    }
    const bool useTeacher = beta[1] > 0.0;
    const bool useStudentBuffer = beta[2] > 0.0 && !freshStudent();
    const int64_t capacity = m_teacherBuffer.capacity();
    refresh(capacity, useTeacher && m_teacherBuffer.empty(),
        useStudentBuffer && m_studentBuffer.empty(), step, generator);
    if (step > 0 && step % m_config.refresh_every == 0) {
        const auto count = static_cast<int64_t>(std::llround(m_config.refresh_fraction * capacity));
        refresh(count, useTeacher && !m_teacherBuffer.empty(),
            useStudentBuffer && !m_studentBuffer.empty(), step, generator);
    }
    m_lastStep = step;
    return sample(batch, beta, step, generator, true);
}

StateBatch DdilStateSource::drawMore(
    int64_t batch, CriticSources sources, torch::Generator& generator)
{
    if (sources == CriticSources::Student) {
        const auto s = freshStudentStates(batch, m_lastStep, 0, generator);
        return { s.x.to(m_device), s.t.to(m_device), s.labels.to(m_device),
            torch::full({ batch }, int64_t(StateSourceKind::Student), torch::kInt64),
            s.w.to(m_device) };
    }
    return sample(batch, betaAt(m_lastStep), m_lastStep, generator, false);
}

StateBatch DdilStateSource::sample(int64_t batch, const std::array<double, 3>& beta, int64_t step,
    torch::Generator& generator, bool stats)
{
    const auto probs = torch::tensor({ beta[0], beta[1], beta[2] }, torch::kFloat64);
    const auto which = torch::multinomial(probs, batch, /*replacement=*/true, generator);
    const int64_t nData = (which == 0).sum().item<int64_t>();
    const int64_t nTeacher = (which == 1).sum().item<int64_t>();
    const int64_t nStudent = batch - nData - nTeacher;

    std::vector<torch::Tensor> xs, ts, ls, src, ws;
    double teacherAge = 0.0, studentAge = 0.0;
    if (nData > 0) {
        const auto real = m_data.sample(nData, generator);
        const auto t = m_dataTimes(nData, generator);
        const auto eps = torch::randn(real.x.sizes(), generator, torch::kFloat32);
        const auto alpha = m_teacher.schedule().alpha(t), sigma = m_teacher.schedule().sigma(t);
        xs.push_back(
            toDevice(perSample(alpha, real.x) * real.x + perSample(sigma, real.x) * eps, m_device));
        ts.push_back(toDevice(t, m_device));
        ls.push_back(toDevice(real.labels, m_device));
        src.push_back(torch::full({ nData }, int64_t(0), torch::kInt64));
        ws.push_back(torch::full({ nData }, std::nan(""), torch::kFloat32));
    }
    auto add = [&](const BufferedStates& s, int64_t n, int64_t kind, double& age) {
        xs.push_back(s.x.to(m_device));
        ts.push_back(s.t.to(m_device));
        ls.push_back(s.labels.to(m_device));
        src.push_back(torch::full({ n }, kind, torch::kInt64));
        ws.push_back(s.w.to(torch::kCPU));
        age = static_cast<double>(step) - s.born.to(torch::kFloat64).mean().item<double>();
    };
    if (nTeacher > 0)
        add(m_teacherBuffer.sample(nTeacher, generator), nTeacher, 1, teacherAge);
    if (nStudent > 0) {
        const int64_t steps = static_cast<int64_t>(m_studentTimesNow().size()) - 1;
        add(freshStudent()
                ? freshStudentStates(nStudent, step, firstStoredState(steps, step), generator)
                : m_studentBuffer.sample(nStudent, generator),
            nStudent, 2, studentAge);
    }

    if (stats) {
        const double b = static_cast<double>(batch);
        m_stats = { { "ddil/share_data", nData / b }, { "ddil/share_teacher", nTeacher / b },
            { "ddil/share_student", nStudent / b }, { "ddil/beta_data", beta[0] },
            { "ddil/beta_teacher", beta[1] }, { "ddil/beta_student", beta[2] },
            { "ddil/p_teach", pTeachAt(step) } };
        if (m_teacherBuffer.size() > 0) {
            m_stats.emplace_back("ddil/staleness_teacher", teacherAge);
            m_stats.emplace_back("ddil/buffer_age_teacher", m_teacherBuffer.meanAge(step));
        }
        if (m_studentBuffer.size() > 0) {
            m_stats.emplace_back("ddil/staleness_student", studentAge);
            m_stats.emplace_back("ddil/buffer_age_student", m_studentBuffer.meanAge(step));
        } else if (freshStudent() && nStudent > 0) {
            m_stats.emplace_back("ddil/staleness_student", studentAge); // 0: drawn this step
        }
    }
    return { torch::cat(xs), torch::cat(ts), torch::cat(ls), torch::cat(src),
        toDevice(torch::cat(ws), m_device) };
}

void DdilStateSource::save(torch::serialize::OutputArchive& archive) const
{
    archive.write("ddil_beta",
        torch::tensor(
            { m_settings.beta[0], m_settings.beta[1], m_settings.beta[2] }, torch::kFloat64));
    archive.write("ddil_p_teach", c10::IValue(m_settings.pTeach));
    archive.write("ddil_buffer_times", torch::tensor(m_bufferTimes, torch::kFloat64));
    m_teacherBuffer.save(archive, "teacher_buffer_");
    m_studentBuffer.save(archive, "student_buffer_");
}

void DdilStateSource::load(torch::serialize::InputArchive& archive)
{
    torch::Tensor beta, times;
    c10::IValue pTeach;
    const std::string what = "DDIL mixture state";
    if (archive.try_read("ddil_beta", beta)) {
        checkStoredTensor(beta, torch::kFloat64, { 3 }, what, "ddil_beta");
        m_settings.beta
            = { beta[0].item<double>(), beta[1].item<double>(), beta[2].item<double>() };
        if (beta.min().item<double>() < 0.0 || beta.sum().item<double>() <= 0.0)
            throw CheckpointError(what + ": ddil_beta is not a mixture (weights >= 0, sum > 0)");
        if (archive.try_read("ddil_p_teach", pTeach)) {
            if (!pTeach.isDouble() || !(pTeach.toDouble() >= 0.0 && pTeach.toDouble() <= 1.0))
                throw CheckpointError(what + ": ddil_p_teach is not a probability");
            m_settings.pTeach = pTeach.toDouble();
        }
    }
    if (archive.try_read("ddil_buffer_times", times)) {
        checkStoredTensor(times, torch::kFloat64, { -1 }, what, "ddil_buffer_times");
        const auto c = times.contiguous();
        m_bufferTimes.assign(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
    }
    m_teacherBuffer.load(archive, "teacher_buffer_");
    m_studentBuffer.load(archive, "student_buffer_");
}

} // namespace ddil
