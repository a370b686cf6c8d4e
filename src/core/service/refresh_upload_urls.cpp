#include "core/service/refresh_upload_urls.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/model/asset.hpp"
#include "core/model/listing.hpp"
#include "core/model/object_keys.hpp"
#include "core/service/batch_lookup.hpp"
#include "core/service/upload_policy.hpp"

namespace toq::core {

namespace {

struct Snapshot {
  Batch batch;
  std::vector<Asset> assets;
};

// True when the store holds the object as declared.
Result<bool> holds_object(ObjectStore& store, const std::string& key, const Asset& asset) {
  auto info = store.head(key);
  if (!info) return std::unexpected(info.error());
  if (!*info || (*info)->size != asset.declared.bytes) return false;
  return !(*info)->checksum_sha256 || *(*info)->checksum_sha256 == asset.declared.checksum_sha256;
}

Error invalid_parts(std::string field, std::string reason) {
  Error error = make_error(ErrorCode::kInvalidRequest, fmt::format("{}: {}", field, reason),
                           fmt::format("{}: {}", field, reason));
  error.details = FieldErrors{{FieldError{std::move(field), "OUT_OF_RANGE", std::move(reason)}}};
  return error;
}

// The batch, its listing and assets, if the caller may upload to it and it still accepts
// uploads.
Result<Snapshot> load(UnitOfWork& uow, const RefreshUploadUrlsInput& input) {
  const ListingId listing_id{input.listing_identity_id};
  const BatchId batch_id{input.batch_id};
  auto batch = require_listing_batch(uow, listing_id, batch_id);
  if (!batch) return std::unexpected(batch.error());
  auto listing = uow.listings().find(listing_id);
  if (!listing) return std::unexpected(listing.error());
  if (!*listing) return std::unexpected(batch_not_found(listing_id, batch_id));
  auto assets = uow.assets().list_by_batch(batch_id);
  if (!assets) return std::unexpected(assets.error());
  std::vector<MediaType> types;
  for (const Asset& a : *assets) types.push_back(a.declared.media_type);
  if (auto ok = authorize_upload(input.caller, **listing, types); !ok) {
    return std::unexpected(ok.error());
  }
  if (batch->status != BatchStatus::kPendingUpload) {
    return fail(ErrorCode::kBatchNotPending,
                fmt::format("batch {} is {}", batch_id.value, to_string(batch->status)),
                "The upload batch is no longer accepting uploads.");
  }
  return Snapshot{std::move(*batch), std::move(*assets)};
}

// The assets the caller asks about (all without client_ids); INVALID_REQUEST naming every
// clientId the batch does not have.
Result<std::vector<const Asset*>> select_assets(const Snapshot& snap,
                                                const RefreshUploadUrlsInput& input) {
  if (input.client_ids) {
    FieldErrors unknown;
    std::vector<std::string> unknown_ids;
    for (std::size_t i = 0; i < input.client_ids->size(); ++i) {
      const std::string& id = (*input.client_ids)[i];
      const bool known = std::ranges::any_of(
          snap.assets, [&](const Asset& a) { return a.declared.client_id == id; });
      if (!known) {
        unknown_ids.push_back(id);
        unknown.fields.push_back({fmt::format("clientIds[{}]", i), "UNKNOWN_VALUE",
                                  fmt::format("'{}' is not a file of this batch", id)});
      }
    }
    if (!unknown.fields.empty()) {
      Error error = make_error(
          ErrorCode::kInvalidRequest,
          fmt::format("batch {}: unknown clientId(s) '{}'", snap.batch.id.value,
                      fmt::join(unknown_ids, "', '")),
          fmt::format("The file '{}' is not part of this upload batch.", unknown_ids.front()));
      error.details = std::move(unknown);
      return std::unexpected(std::move(error));
    }
  }
  std::vector<const Asset*> selected;
  for (const Asset& a : snap.assets) {
    if (!input.client_ids ||
        std::ranges::find(*input.client_ids, a.declared.client_id) != input.client_ids->end()) {
      selected.push_back(&a);
    }
  }
  return selected;
}

using Deps = RefreshUploadUrls::Deps;

// A file uploaded in one PUT: whether it is there, and a fresh URL.
Result<RefreshedFile> single_put(const Deps& deps, const CreateUploadBatchOptions& options,
                                 const std::string& key, const Asset& asset) {
  const FileDeclaration& file = asset.declared;
  RefreshedFile item;
  item.client_id = file.client_id;
  item.asset_id = asset.id;
  auto held = holds_object(deps.store, key, asset);
  if (!held) return std::unexpected(held.error());
  item.uploaded = *held;
  auto signed_put = deps.signer.presign_put(
      key, PresignPut{file.content_type, file.bytes, file.checksum_sha256, options.url_ttl});
  if (!signed_put) return std::unexpected(signed_put.error());
  item.upload = SingleUpload{signed_put->method, signed_put->url, std::move(signed_put->headers)};
  return item;
}

// What is left of an answer's bounds (refresh_upload_urls.hpp) as the files are added.
struct AnswerBudget {
  std::size_t part_urls = kMaxPartUrlsPerAnswer;
  std::size_t listed_parts = kMaxUploadedPartsPerAnswer;
};

// The parts the store holds for a recorded upload. An upload that is gone is looked for as a
// completed object (`uploaded`), else `start_new` is set.
Status stored_parts(const Deps& deps, const std::string& key, const Asset& asset,
                    const std::string& upload_id, std::map<int, StoredPart>& stored,
                    RefreshedFile& item, bool& start_new) {
  auto parts = deps.multipart.list_parts(key, upload_id);
  if (parts) {
    for (const PartInfo& p : *parts)
      stored[p.part_number] = StoredPart{p.part_number, p.etag, p.size};
    return {};
  }
  if (parts.error().code != ErrorCode::kUploadNotFound) return std::unexpected(parts.error());
  // Completed by an earlier complete call (the object exists), or aborted / expired.
  auto held = holds_object(deps.store, key, asset);
  if (!held) return std::unexpected(held.error());
  item.uploaded = *held;
  start_new = !*held;
  return {};
}

// Fresh part URLs: exactly `wanted` when the client named parts, else the first planned parts
// that are missing or of another size, at most kPartUrlsPerFile and what the answer has left.
Status sign_parts(const Deps& deps, const CreateUploadBatchOptions& options, const std::string& key,
                  std::int64_t file_bytes, const std::map<int, StoredPart>& stored,
                  std::vector<std::int64_t> wanted, AnswerBudget& budget, MultipartUpload& mp) {
  const auto bytes_of = [&](std::int64_t number) {
    return std::min(mp.part_size_bytes, file_bytes - (number - 1) * mp.part_size_bytes);
  };
  const auto sign = [&](std::int64_t number) -> Status {
    auto part = deps.signer.presign_upload_part(
        key,
        PresignPart{mp.upload_id, static_cast<int>(number), bytes_of(number), options.url_ttl});
    if (!part) return std::unexpected(part.error());
    mp.parts.push_back(PartUpload{static_cast<int>(number), part->url, bytes_of(number)});
    return {};
  };
  if (!wanted.empty()) {
    // check_part_numbers bounded them; ascending, each once.
    std::ranges::sort(wanted);
    const auto [first, last] = std::ranges::unique(wanted);
    wanted.erase(first, last);
    for (const std::int64_t number : wanted) {
      if (auto ok = sign(number); !ok) return ok;
    }
    return {};
  }
  const std::size_t urls = std::min(kPartUrlsPerFile, budget.part_urls);
  for (std::int64_t number = 1; number <= mp.part_count && mp.parts.size() < urls; ++number) {
    if (auto it = stored.find(static_cast<int>(number));
        it != stored.end() && it->second.bytes == bytes_of(number)) {
      continue;
    }
    if (auto ok = sign(number); !ok) return ok;
  }
  budget.part_urls -= mp.parts.size();
  return {};
}

// A file uploaded in parts: the parts stored so far (within the answer's budget), and URLs for
// others. An upload that is gone is looked for as a completed object, else started anew (its id
// added to `new_upload_ids` for the caller to record).
Result<RefreshedFile> multipart(const Deps& deps, const CreateUploadBatchOptions& options,
                                const std::string& key, const Asset& asset,
                                const std::vector<std::int64_t>& wanted, AnswerBudget& budget,
                                std::vector<std::pair<AssetId, std::string>>& new_upload_ids) {
  const FileDeclaration& file = asset.declared;
  RefreshedFile item;
  item.client_id = file.client_id;
  item.asset_id = asset.id;
  MultipartUpload mp;
  mp.part_size_bytes = part_size_for(file.bytes, options.part_size_bytes);
  mp.part_count = part_count_for(file.bytes, mp.part_size_bytes);
  std::map<int, StoredPart> stored;
  bool start_new = !asset.multipart_upload_id.has_value();
  if (asset.multipart_upload_id) {
    mp.upload_id = *asset.multipart_upload_id;
    if (auto ok = stored_parts(deps, key, asset, mp.upload_id, stored, item, start_new); !ok) {
      return std::unexpected(ok.error());
    }
  }
  if (start_new) {
    PutOptions put;
    put.content_type = file.content_type;
    put.checksum_sha256 = file.checksum_sha256;
    auto upload_id = deps.multipart.create_multipart(key, put);
    if (!upload_id) return std::unexpected(upload_id.error());
    mp.upload_id = *upload_id;
    new_upload_ids.emplace_back(asset.id, *upload_id);
  }
  if (stored.size() <= budget.listed_parts) {
    budget.listed_parts -= stored.size();
    for (const auto& [number, part] : stored) item.uploaded_parts.push_back(part);
  } else {
    budget.listed_parts = 0;
  }
  if (!item.uploaded) {
    if (auto ok = sign_parts(deps, options, key, file.bytes, stored, wanted, budget, mp); !ok) {
      return std::unexpected(ok.error());
    }
  }
  item.multipart = std::move(mp);
  return item;
}

}  // namespace

Status RefreshUploadUrls::check_part_numbers(const RefreshUploadUrlsInput& input,
                                             const std::vector<const Asset*>& selected) const {
  if (input.part_numbers.empty()) return {};
  if (input.part_numbers.size() > kMaxPartNumbersPerRequest) {
    return std::unexpected(invalid_parts(
        "partNumbers", fmt::format("lists {} parts; ask for at most {} at a time",
                                   input.part_numbers.size(), kMaxPartNumbersPerRequest)));
  }
  if (!input.client_ids || selected.size() != 1) {
    return std::unexpected(
        invalid_parts("partNumbers", "needs clientIds naming exactly one multipart file"));
  }
  const FileDeclaration& file = selected.front()->declared;
  const bool multipart = selected.front()->multipart_upload_id.has_value() ||
                         file.bytes > options_.multipart_threshold_bytes;
  if (!multipart) {
    return std::unexpected(invalid_parts(
        "partNumbers", fmt::format("'{}' is uploaded in one PUT, not in parts", file.client_id)));
  }
  const int count = part_count_for(file.bytes, part_size_for(file.bytes, options_.part_size_bytes));
  for (std::size_t i = 0; i < input.part_numbers.size(); ++i) {
    const std::int64_t n = input.part_numbers[i];
    if (n < 1 || n > count) {
      return std::unexpected(
          invalid_parts(fmt::format("partNumbers[{}]", i), fmt::format("must be 1 to {}", count)));
    }
  }
  return {};
}

Result<RefreshUploadUrlsOutput> RefreshUploadUrls::run(const RefreshUploadUrlsInput& input) {
  const ListingId listing_id{input.listing_identity_id};
  const BatchId batch_id{input.batch_id};
  auto snap = deps_.db.transact([&](UnitOfWork& uow) { return load(uow, input); });
  if (!snap) return std::unexpected(snap.error());
  auto selected = select_assets(*snap, input);
  if (!selected) return std::unexpected(selected.error());
  if (auto ok = check_part_numbers(input, *selected); !ok) return std::unexpected(ok.error());

  const Timestamp now = deps_.clock.now();
  RefreshUploadUrlsOutput out;
  out.batch_id = batch_id;
  out.listing_id = listing_id;
  out.status = snap->batch.status;
  out.expires_at = now + std::chrono::duration_cast<std::chrono::milliseconds>(options_.url_ttl);

  std::vector<std::pair<AssetId, std::string>> new_upload_ids;
  AnswerBudget budget;
  for (const Asset* asset : *selected) {
    const std::string key = raw_key(listing_id, batch_id, asset->id);
    const bool in_parts = asset->multipart_upload_id.has_value() ||
                          asset->declared.bytes > options_.multipart_threshold_bytes;
    auto item = in_parts ? multipart(deps_, options_, key, *asset, input.part_numbers, budget,
                                     new_upload_ids)
                         : single_put(deps_, options_, key, *asset);
    if (!item) return std::unexpected(item.error());
    out.files.push_back(std::move(*item));
  }

  if (!new_upload_ids.empty()) {
    auto recorded = deps_.db.run([&](UnitOfWork& uow) -> Status {
      for (const auto& [asset_id, upload_id] : new_upload_ids) {
        auto r = uow.assets().set_multipart_upload_id(asset_id, upload_id, now);
        if (!r) return std::unexpected(r.error());
      }
      return {};
    });
    if (!recorded) return std::unexpected(recorded.error());
  }
  return out;
}

}  // namespace toq::core
