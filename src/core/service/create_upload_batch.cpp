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

Result<CreateUploadBatchOutput> CreateUploadBatch::run(const CreateUploadBatchInput& input) {
  auto manifest = validate_manifest(input.manifest, options_.limits);
  if (!manifest) return std::unexpected(manifest.error());
  const ListingId listing_id{manifest->listing_identity_id};
  const std::vector<MediaType> types = types_of(*manifest);
  const Timestamp now = deps_.clock.now();
  const Timestamp expires_at =
      now + std::chrono::duration_cast<std::chrono::milliseconds>(options_.url_ttl);

  // The listing checks and the inserts see one snapshot: nothing can change the listing between
  // the check and the batch.
  auto opened = deps_.db.transact([&](UnitOfWork& uow) -> Result<Opened> {
    auto listing = uow.listings().find(listing_id);
    if (!listing) return std::unexpected(listing.error());
    if (!*listing) {
      return fail(ErrorCode::kListingNotFound,
                  fmt::format("listing {} not found", listing_id.value),
                  "The listing does not exist.");
    }
    if (auto ok = authorize_upload(input.caller, **listing, types); !ok) {
      return std::unexpected(ok.error());
    }
    if (auto ok = check_listing_accepts(**listing, types); !ok) return std::unexpected(ok.error());
    auto batch = uow.batches().create(
        NewBatch{listing_id, manifest->batch_reference, input.caller.user, expires_at}, now);
    if (!batch) return std::unexpected(batch.error());
    auto assets = uow.assets().add(batch->id, manifest->files, now);
    if (!assets) return std::unexpected(assets.error());
    return Opened{std::move(*batch), std::move(*assets)};
  });
  if (!opened) return std::unexpected(opened.error());

  CreateUploadBatchOutput out;
  out.batch_id = opened->batch.id;
  out.listing_id = listing_id;
  out.status = opened->batch.status;
  out.expires_at = expires_at;

  // Store calls, outside the transaction. Any failure abandons the batch (see the header).
  auto instructions = [&]() -> Status {
    std::vector<std::pair<AssetId, std::string>> upload_ids;
    for (const Asset& asset : opened->assets) {
      const FileDeclaration& file = asset.declared;
      const std::string key = raw_key(listing_id, opened->batch.id, asset.id);
      FileUploadInstructions item;
      item.client_id = file.client_id;
      item.asset_id = asset.id;
      if (file.bytes <= options_.multipart_threshold_bytes) {
        auto signed_put = deps_.signer.presign_put(
            key, PresignPut{file.content_type, file.bytes, file.checksum_sha256, options_.url_ttl});
        if (!signed_put) return std::unexpected(signed_put.error());
        item.upload =
            SingleUpload{signed_put->method, signed_put->url, std::move(signed_put->headers)};
      } else {
        PutOptions put;
        put.content_type = file.content_type;
        put.checksum_sha256 = file.checksum_sha256;
        auto upload_id = deps_.multipart.create_multipart(key, put);
        if (!upload_id) return std::unexpected(upload_id.error());
        MultipartUpload mp;
        mp.upload_id = *upload_id;
        mp.part_size_bytes = part_size_for(file.bytes, options_.part_size_bytes);
        int number = 1;
        for (std::int64_t offset = 0; offset < file.bytes; offset += mp.part_size_bytes, ++number) {
          const std::int64_t bytes = std::min(mp.part_size_bytes, file.bytes - offset);
          auto part = deps_.signer.presign_upload_part(
              key, PresignPart{mp.upload_id, number, bytes, options_.url_ttl});
          if (!part) return std::unexpected(part.error());
          mp.parts.push_back(PartUpload{number, part->url, bytes});
        }
        upload_ids.emplace_back(asset.id, *upload_id);
        item.multipart = std::move(mp);
      }
      out.files.push_back(std::move(item));
    }
    if (upload_ids.empty()) return {};
    // Recorded so complete (and /uploads/urls) can find the uploads again.
    return deps_.db.run([&](UnitOfWork& uow) -> Status {
      for (const auto& [asset_id, upload_id] : upload_ids) {
        auto r = uow.assets().set_multipart_upload_id(asset_id, upload_id, now);
        if (!r) return std::unexpected(r.error());
      }
      return {};
    });
  }();
  if (!instructions) {
    // Best effort: free the listing. If this fails too, the batch expires like any abandoned one.
    (void)deps_.db.run([&](UnitOfWork& uow) -> Status {
      auto r = uow.batches().transition(opened->batch.id, BatchStatus::kPendingUpload,
                                        BatchStatus::kFailed, deps_.clock.now());
      if (!r) return std::unexpected(r.error());
      return {};
    });
    return std::unexpected(instructions.error());
  }
  return out;
}

}  // namespace toq::core
