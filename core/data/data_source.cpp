#include "core/data/data_source.h"

#include "core/data/image_dataset.h"
#include "core/data/toy2d.h"

namespace ddil {

std::unique_ptr<DataSource> makeDataSource(const DataConfig& config)
{
    switch (config.kind) {
    case DataKind::Toy2d:
        return std::make_unique<Toy2dSource>(config.distribution);
    case DataKind::FashionMnist:
    case DataKind::Idx:
    case DataKind::ImageFolder:
        return loadImageDataset(config, config.split);
    }
    throw std::logic_error("unknown data kind");
}

} // namespace ddil
