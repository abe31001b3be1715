#include "core/api/nearest_images.h"

#include "core/api/errors.h"
#include "core/data/image_dataset.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace ddil {

namespace {

constexpr std::int64_t kChunk = 4096; // training images per distance block
// The fast pass (|q|^2 + |x|^2 - 2 q.x in float) keeps this many extra candidates, which are
// measured again exactly: an image identical to the sample must come out at distance 0.
constexpr std::int64_t kExtraCandidates = 8;

torch::Tensor toUnit(const torch::Tensor& bytes)
{
    return bytes.to(torch::kFloat32).div_(127.5).sub_(1.0);
}

std::string shapeText(const std::vector<std::int64_t>& shape)
{
    std::string out;
    for (auto d : shape)
        out += (out.empty() ? "" : "x") + std::to_string(d);
    return out;
}

} // namespace

struct TrainingImageIndex::Impl {
    std::unique_ptr<ImageDataset> train;
    torch::Tensor flat; // uint8 (N, D)
    std::vector<torch::Tensor> classMembers; // int64 indices of each class's images
    std::vector<std::vector<double>> heldOut; // per class, ascending
    std::string heldOutNote;

    // The k nearest of `pool` (training indices; undefined: every image) to each row of
    // `queries` (n, D) in [-1, 1], nearest first.
    std::vector<std::vector<std::pair<std::int64_t, double>>> search(
        const torch::Tensor& queries, const torch::Tensor& pool, int k) const
    {
        const std::int64_t total = pool.defined() ? pool.size(0) : flat.size(0);
        const std::int64_t n = queries.size(0);
        const std::int64_t keep = std::min<std::int64_t>(total, k + kExtraCandidates);
        const auto queryNorms = queries.pow(2).sum(1, true);
        torch::Tensor bestDistance, bestIndex;
        for (std::int64_t begin = 0; begin < total; begin += kChunk) {
            const std::int64_t end = std::min(total, begin + kChunk);
            const auto index = pool.defined() ? pool.slice(0, begin, end)
                                              : torch::arange(begin, end, torch::kInt64);
            const auto images = toUnit(flat.index_select(0, index));
            auto squared
                = queryNorms + images.pow(2).sum(1).unsqueeze(0) - 2.0 * queries.matmul(images.t());
            auto candidates = index.unsqueeze(0).expand({ n, end - begin });
            if (bestDistance.defined()) {
                squared = torch::cat({ bestDistance, squared }, 1);
                candidates = torch::cat({ bestIndex, candidates }, 1);
            }
            const auto top
                = squared.topk(std::min(keep, squared.size(1)), 1, /*largest=*/false, true);
            bestDistance = std::get<0>(top);
            bestIndex = candidates.gather(1, std::get<1>(top));
        }
        std::vector<std::vector<std::pair<std::int64_t, double>>> out(n);
        for (std::int64_t i = 0; i < n; ++i) {
            const auto index = bestIndex[i].contiguous();
            const auto exact = (toUnit(flat.index_select(0, index)).to(torch::kFloat64)
                - queries[i].to(torch::kFloat64).unsqueeze(0))
                                   .pow(2)
                                   .sum(1)
                                   .sqrt()
                                   .contiguous();
            const auto* ids = index.data_ptr<std::int64_t>();
            const auto* d = exact.data_ptr<double>();
            for (std::int64_t j = 0; j < index.size(0); ++j)
                out[i].emplace_back(ids[j], d[j]);
            std::sort(out[i].begin(), out[i].end(),
                [](const auto& a, const auto& b) { return a.second < b.second; });
            if (static_cast<std::int64_t>(out[i].size()) > k)
                out[i].resize(k);
        }
        return out;
    }
};

TrainingImageIndex::TrainingImageIndex(const DataConfig& data, int heldOutPerClass)
    : m_impl(std::make_unique<Impl>())
{
    Impl& d = *m_impl;
    d.train = loadImageDataset(data, data.split);
    d.flat = d.train->images().reshape({ d.train->size(), -1 }).contiguous();
    const auto labels = d.train->labels();
    for (std::int64_t c = 0; c < d.train->numClasses(); ++c)
        d.classMembers.push_back(torch::nonzero(labels == c).flatten());
    d.heldOut.resize(d.classMembers.size());

    const DataSplit other = data.split == DataSplit::Train ? DataSplit::Test : DataSplit::Train;
    std::unique_ptr<ImageDataset> heldOut;
    try {
        heldOut = loadImageDataset(data, other);
    } catch (const std::exception& e) {
        d.heldOutNote = std::string("no held-out split: ") + e.what();
        return;
    }
    if (heldOut->sampleShape() != d.train->sampleShape()
        || heldOut->numClasses() != d.train->numClasses()) {
        d.heldOutNote = "the held-out split's images or classes differ from the training split's";
        return;
    }
    if (heldOut->size() == d.train->size() && torch::equal(heldOut->images(), d.train->images())) {
        d.heldOutNote = "the data have one split only";
        return;
    }
    const auto heldFlat = heldOut->images().reshape({ heldOut->size(), -1 });
    for (std::int64_t c = 0; c < d.train->numClasses(); ++c) {
        if (d.classMembers[c].size(0) == 0)
            continue;
        auto members = torch::nonzero(heldOut->labels() == c).flatten();
        members = members.slice(0, 0, std::min<std::int64_t>(members.size(0), heldOutPerClass));
        if (members.size(0) == 0)
            continue;
        for (const auto& row :
            d.search(toUnit(heldFlat.index_select(0, members)), d.classMembers[c], 1))
            d.heldOut[c].push_back(row.front().second);
        std::sort(d.heldOut[c].begin(), d.heldOut[c].end());
    }
}

TrainingImageIndex::~TrainingImageIndex() = default;

std::int64_t TrainingImageIndex::size() const
{
    return m_impl->train->size();
}

std::int64_t TrainingImageIndex::numClasses() const
{
    return m_impl->train->numClasses();
}

std::vector<std::int64_t> TrainingImageIndex::itemShape() const
{
    return m_impl->train->sampleShape();
}

std::string TrainingImageIndex::describe() const
{
    return m_impl->train->describe()
        + (m_impl->heldOutNote.empty() ? std::string() : " (" + m_impl->heldOutNote + ")");
}

std::vector<std::vector<NearestImage>> TrainingImageIndex::nearest(const NearestQuery& query) const
{
    const Impl& d = *m_impl;
    const auto item = itemShape();
    if (query.shape.size() != 4 || !std::equal(item.begin(), item.end(), query.shape.begin() + 1))
        throw ConfigError("samples of shape " + shapeText(query.shape)
            + " cannot be compared with training images of shape " + shapeText(item));
    const std::int64_t n = query.shape[0];
    const std::int64_t size = d.flat.size(1);
    if (static_cast<std::int64_t>(query.values.size()) != n * size)
        throw ConfigError("the samples hold " + std::to_string(query.values.size())
            + " values, not " + std::to_string(n * size));
    if (!query.labels.empty() && static_cast<std::int64_t>(query.labels.size()) != n)
        throw ConfigError("the samples have " + std::to_string(query.labels.size())
            + " labels, not " + std::to_string(n));
    const int k = std::max(1, query.k);
    const auto samples
        = torch::from_blob(const_cast<float*>(query.values.data()), { n, size }, torch::kFloat32);

    // Samples searched together share a pool: their class, or every image (-1).
    std::map<std::int64_t, std::vector<std::int64_t>> byPool;
    for (std::int64_t i = 0; i < n; ++i) {
        const std::int64_t label = query.labels.empty() ? -1 : query.labels[i];
        const bool own = query.sameClass && label >= 0 && label < numClasses()
            && d.classMembers[label].size(0) > 0;
        byPool[own ? label : -1].push_back(i);
    }
    std::vector<std::vector<NearestImage>> out(n);
    for (const auto& [pool, members] : byPool) {
        const auto rows = torch::tensor(members, torch::kInt64);
        const auto found = d.search(
            samples.index_select(0, rows), pool >= 0 ? d.classMembers[pool] : torch::Tensor(), k);
        for (std::size_t j = 0; j < members.size(); ++j)
            for (const auto& [index, distance] : found[j]) {
                NearestImage match;
                match.index = index;
                match.label = d.train->labels()[index].item<std::int64_t>();
                match.distance = distance;
                const auto pixels = toUnit(d.flat[index]).contiguous();
                match.pixels.assign(
                    pixels.data_ptr<float>(), pixels.data_ptr<float>() + pixels.numel());
                out[members[j]].push_back(std::move(match));
            }
    }
    return out;
}

const std::vector<double>& TrainingImageIndex::heldOutDistances(std::int64_t classLabel) const
{
    static const std::vector<double> none;
    return classLabel >= 0 && classLabel < static_cast<std::int64_t>(m_impl->heldOut.size())
        ? m_impl->heldOut[classLabel]
        : none;
}

double TrainingImageIndex::heldOutFractionBelow(std::int64_t classLabel, double distance) const
{
    const auto& held = heldOutDistances(classLabel);
    if (held.empty())
        return -1.0;
    const auto below = std::lower_bound(held.begin(), held.end(), distance) - held.begin();
    return static_cast<double>(below) / static_cast<double>(held.size());
}

double TrainingImageIndex::heldOutMedian(std::int64_t classLabel) const
{
    return median(heldOutDistances(classLabel));
}

double median(std::vector<double> values)
{
    if (values.empty())
        return std::numeric_limits<double>::quiet_NaN();
    std::sort(values.begin(), values.end());
    return (values[(values.size() - 1) / 2] + values[values.size() / 2]) / 2.0;
}

} // namespace ddil
