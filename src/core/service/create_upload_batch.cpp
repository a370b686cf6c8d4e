#include "core/service/create_upload_batch.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/model/object_keys.hpp"
#include "core/service/upload_policy.hpp"

namespace toq::core {

namespace {

struct Opened {
  Batch batch;
  std::vector<Asset> assets;
};

std::vector<MediaType> types_of(const Manifest& manifest) {
  std::vector<MediaType> types;
  types.reserve(manifest.files.size());
  for (const auto& f : manifest.files) types.push_back(f.media_type);
  return types;
}

// The listing checks and the inserts, in one snapshot: nothing can change the listing between the
// check and the batch.
Result<Opened> open_batch(UnitOfWork& uow, const CreateUploadBatchInput& input,
                          const Manifest& manifest, Timestamp expires_at, Timestamp now) {
  const ListingId listing_id{manifest.listing_identity_id};
  const std::vector<MediaType> types = types_of(manifest);
  auto listing = uow.listings().find(listing_id);
  if (!listing) return std::unexpected(listing.error());
  if (!*listing) {
    return fail(ErrorCode::kListingNotFound, fmt::format("listing {} not found", listing_id.value),
                "The listing does not exist.");
  }
  if (auto ok = authorize_upload(input.caller, **listing, types); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = check_listing_accepts(**listing, types); !ok) return std::unexpected(ok.error());
  auto batch = uow.batches().create(
      NewBatch{listing_id, manifest.batch_reference, input.caller.user, expires_at}, now);
  if (!batch) return std::unexpected(batch.error());
  auto assets = uow.assets().add(batch->id, manifest.files, now);
  if (!assets) return std::unexpected(assets.error());
  return Opened{std::move(*batch), std::move(*assets)};
}

Result<SingleUpload> single_upload(UrlSigner& signer, const std::string& key,
                                   const FileDeclaration& file,
                                   const CreateUploadBatchOptions& options) {
  auto signed_put = signer.presign_put(
      key, PresignPut{file.content_type, file.bytes, file.checksum_sha256, options.url_ttl});
  if (!signed_put) return std::unexpected(signed_put.error());
  return SingleUpload{signed_put->method, signed_put->url, std::move(signed_put->headers)};
}

// Starts the multipart upload and presigns its first parts: at most kPartUrlsPerFile, and no
// more than `url_budget` (what is left of the answer's kMaxPartUrlsPerAnswer), which it lowers.
Result<MultipartUpload> multipart_upload(const CreateUploadBatch::Deps& deps,
                                         const std::string& key, const FileDeclaration& file,
                                         const CreateUploadBatchOptions& options,
                                         std::size_t& url_budget) {
  PutOptions put;
  put.content_type = file.content_type;
  put.checksum_sha256 = file.checksum_sha256;
  auto upload_id = deps.multipart.create_multipart(key, put);
  if (!upload_id) return std::unexpected(upload_id.error());
  MultipartUpload mp;
  mp.upload_id = *upload_id;
  mp.part_size_bytes = part_size_for(file.bytes, options.part_size_bytes);
  mp.part_count = part_count_for(file.bytes, mp.part_size_bytes);
  const std::size_t urls =
      std::min({kPartUrlsPerFile, url_budget, static_cast<std::size_t>(mp.part_count)});
  url_budget -= urls;
  for (int number = 1; number <= static_cast<int>(urls); ++number) {
    const std::int64_t offset = (number - 1) * mp.part_size_bytes;
    const std::int64_t bytes = std::min(mp.part_size_bytes, file.bytes - offset);
    auto part = deps.signer.presign_upload_part(
        key, PresignPart{mp.upload_id, number, bytes, options.url_ttl});
    if (!part) return std::unexpected(part.error());
    mp.parts.push_back(PartUpload{number, part->url, bytes});
  }
  return mp;
}

// The store calls, outside the transaction: a presigned PUT or a started multipart upload per
// file, the upload ids recorded so complete (and /uploads/urls) can find the uploads again.
Status add_upload_instructions(const CreateUploadBatch::Deps& deps,
                               const CreateUploadBatchOptions& options, const Opened& opened,
                               Timestamp now, CreateUploadBatchOutput& out) {
  std::vector<std::pair<AssetId, std::string>> upload_ids;
  std::size_t url_budget = kMaxPartUrlsPerAnswer;
  for (const Asset& asset : opened.assets) {
    const FileDeclaration& file = asset.declared;
    const std::string key = raw_key(opened.batch.listing_id, opened.batch.id, asset.id);
    FileUploadInstructions item;
    item.client_id = file.client_id;
    item.asset_id = asset.id;
    if (file.bytes <= options.multipart_threshold_bytes) {
      auto single = single_upload(deps.signer, key, file, options);
      if (!single) return std::unexpected(single.error());
      item.upload = std::move(*single);
    } else {
      auto mp = multipart_upload(deps, key, file, options, url_budget);
      if (!mp) return std::unexpected(mp.error());
      upload_ids.emplace_back(asset.id, mp->upload_id);
      item.multipart = std::move(*mp);
    }
    out.files.push_back(std::move(item));
  }
  if (upload_ids.empty()) return {};
  return deps.db.run([&](UnitOfWork& uow) -> Status {
    for (const auto& [asset_id, upload_id] : upload_ids) {
      auto r = uow.assets().set_multipart_upload_id(asset_id, upload_id, now);
      if (!r) return std::unexpected(r.error());
    }
    return {};
  });
}

}  // namespace

std::int64_t part_size_for(std::int64_t bytes, std::int64_t preferred) {
  std::int64_t size = preferred < 1 ? 1 : preferred;
  constexpr std::int64_t kMaxParts = kMaxPartNumber;
  if ((bytes + size - 1) / size > kMaxParts) {
    const std::int64_t needed = (bytes + kMaxParts - 1) / kMaxParts;
    size = (needed + ManifestLimits::kMiB - 1) / ManifestLimits::kMiB * ManifestLimits::kMiB;
  }
  return size;
}

// Step 1 of the contract: the listing exists and the caller may upload to it at all.
Status CreateUploadBatch::admit(const Principal& caller, std::optional<std::int64_t> listing) {
  if (!listing || *listing < 1) {
    auto error = make_error(ErrorCode::kInvalidManifest, "listingIdentityId missing or below 1",
                            "The manifest has 1 problem.",
                            "Fix the fields listed in the details and send the manifest again.");
    error.details =
        FieldErrors{{FieldError{"listingIdentityId", listing ? rule::kOutOfRange : rule::kRequired,
                                listing ? "must be at least 1" : "is required"}}};
    return std::unexpected(std::move(error));
  }
  const ListingId id{*listing};
  auto found = deps_.db.transact([&](UnitOfWork& uow) { return uow.listings().find(id); });
  if (!found) return std::unexpected(found.error());
  if (!*found) {
    return fail(ErrorCode::kListingNotFound, fmt::format("listing {} not found", id.value),
                "The listing does not exist.");
  }
  return may_upload_to(caller, **found);
}

int part_count_for(std::int64_t bytes, std::int64_t part_size) {
  return static_cast<int>(std::max<std::int64_t>(1, (bytes + part_size - 1) / part_size));
}

Result<CreateUploadBatchOutput> CreateUploadBatch::run(const CreateUploadBatchInput& input) {
  if (auto ok = admit(input.caller, input.manifest.listing_identity_id); !ok) {
    return std::unexpected(ok.error());
  }
  auto manifest = validate_manifest(input.manifest, options_.limits);
  if (!manifest) return std::unexpected(manifest.error());
  const Timestamp now = deps_.clock.now();
  const Timestamp expires_at =
      now + std::chrono::duration_cast<std::chrono::milliseconds>(options_.url_ttl);

  auto opened = deps_.db.transact(
      [&](UnitOfWork& uow) { return open_batch(uow, input, *manifest, expires_at, now); });
  if (!opened) return std::unexpected(opened.error());

  CreateUploadBatchOutput out;
  out.batch_id = opened->batch.id;
  out.listing_id = ListingId{manifest->listing_identity_id};
  out.status = opened->batch.status;
  out.expires_at = expires_at;

  // Any failure of the store calls abandons the batch (see the header).
  if (auto added = add_upload_instructions(deps_, options_, *opened, now, out); !added) {
    // Best effort: free the listing. If this fails too, the batch expires like any abandoned one.
    (void)deps_.db.run([&](UnitOfWork& uow) -> Status {
      auto r = uow.batches().transition(opened->batch.id, BatchStatus::kPendingUpload,
                                        BatchStatus::kFailed, deps_.clock.now());
      if (!r) return std::unexpected(r.error());
      return {};
    });
    return std::unexpected(added.error());
  }
  return out;
}

}  // namespace toq::core
