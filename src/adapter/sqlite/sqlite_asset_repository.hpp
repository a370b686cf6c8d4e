#pragma once

#include "core/port/asset_repository.hpp"

#include "adapter/sqlite/connection.hpp"

namespace toq::sqlite {

// AssetRepository on one SQLite connection (inside the unit of work's transaction).
class SqliteAssetRepository final : public core::AssetRepository {
 public:
  explicit SqliteAssetRepository(Connection& conn) : conn_(conn) {}
  Result<std::vector<core::Asset>> add(core::BatchId batch,
                                       const std::vector<core::FileDeclaration>& files,
                                       core::Timestamp now) override;
  Result<std::vector<core::Asset>> list_by_batch(core::BatchId batch) override;
  Result<std::optional<core::Asset>> find(core::AssetId id) override;
  Result<core::Asset> set_multipart_upload_id(core::AssetId id, std::string upload_id,
                                              core::Timestamp now) override;
  Result<core::Asset> transition(core::AssetId id, core::AssetStatus from, core::AssetStatus to,
                                 core::Timestamp now) override;
  Result<core::Asset> mark_processing(core::AssetId id, core::JobId job,
                                      core::Timestamp now) override;
  Result<core::Asset> mark_ready(core::AssetId id, core::JobId job, const core::MediaFacts& facts,
                                 const std::vector<core::Rendition>& renditions,
                                 core::Timestamp now) override;
  Result<core::Asset> mark_failed(core::AssetId id, core::AssetStatus from,
                                  std::optional<core::JobId> job, const core::AssetFailure& failure,
                                  core::Timestamp now) override;
  Result<std::vector<core::Rendition>> renditions(core::AssetId id, core::JobId job) override;

 private:
  Result<core::Asset> require(core::AssetId id);
  Connection& conn_;
};

}  // namespace toq::sqlite
