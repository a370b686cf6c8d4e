#include "core/service/list_batch_history.hpp"

#include <fmt/format.h>

#include "core/model/asset.hpp"
#include "core/service/access_policy.hpp"
#include "core/service/batch_lookup.hpp"

namespace toq::core {

Status ListBatchHistory::authorize(const Principal& caller) {
  return authorize_admin(caller, "list batch history");
}

Result<ListBatchHistoryOutput> ListBatchHistory::run(const ListBatchHistoryInput& input) {
  if (auto ok = authorize(input.caller); !ok) {
    return std::unexpected(ok.error());
  }
  if (input.limit < 1 || input.limit > kMaxHistoryPageSize) {
    return fail(ErrorCode::kInvalidRequest,
                fmt::format("limit {} is outside 1..{}", input.limit, kMaxHistoryPageSize),
                fmt::format("limit must be between 1 and {}.", kMaxHistoryPageSize));
  }
  const ListingId listing_id{input.listing_identity_id};
  std::optional<BatchId> before;
  if (input.before) before = BatchId{*input.before};
  return deps_.db.transact([&](UnitOfWork& uow) -> Result<ListBatchHistoryOutput> {
    if (auto listing = require_listing(uow, listing_id); !listing) {
      return std::unexpected(listing.error());
    }
    // One more than asked tells whether another page follows.
    auto page = uow.batches().list_page(listing_id, before, input.limit + 1);
    if (!page) return std::unexpected(page.error());
    ListBatchHistoryOutput out;
    out.listing_id = listing_id;
    const bool more = static_cast<int>(page->size()) > input.limit;
    if (more) page->resize(static_cast<std::size_t>(input.limit));
    for (Batch& batch : *page) {
      BatchHistoryEntry entry;
      auto jobs = uow.jobs().list_by_batch(batch.id);
      if (!jobs) return std::unexpected(jobs.error());
      entry.jobs = std::move(*jobs);
      auto assets = uow.assets().list_by_batch(batch.id);
      if (!assets) return std::unexpected(assets.error());
      for (const Asset& a : *assets) ++entry.assets[a.status];
      entry.batch = std::move(batch);
      out.batches.push_back(std::move(entry));
    }
    if (more && !out.batches.empty()) out.next_before = out.batches.back().batch.id;
    return out;
  });
}

}  // namespace toq::core
