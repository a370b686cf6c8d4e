#pragma once
// Use case: open an upload batch for a listing and hand out the upload instructions.
// POST /api/v2/listings/media/uploads.
//
// Contract, checked in this order (the cheap checks that need no trust first, so a stranger's
// manifest costs one lookup, never a validation):
// 1. listingIdentityId is present and >= 1 (INVALID_MANIFEST naming it), the listing exists
//    (LISTING_NOT_FOUND) and the caller may upload to it at all (FORBIDDEN): may_upload_to in
//    upload_policy.hpp.
// 2. The manifest is valid (validate_manifest): INVALID_MANIFEST, FILE_TOO_LARGE or
//    UNSUPPORTED_MEDIA_TYPE with FieldErrors naming the bad fields.
// 3. The caller may upload every declared type (FORBIDDEN) and the listing accepts them now
//    (LISTING_NOT_READY_FOR_UPLOAD): see upload_policy.hpp for the exact rules.
// 4. The listing has no open batch: OPEN_BATCH_EXISTS with ConflictDetails{"batchId", open one},
//    decided by the repository (the schema), so two concurrent creates cannot both win.
// Steps 3 and 4 and the inserts of the batch and its assets run in ONE transaction (the listing
// is read again there).
//
// Then, outside any transaction (a store call must never hold a database transaction open), each
// file gets its instructions at raw_key(listing, batch, asset):
// - bytes <= multipart_threshold_bytes: a presigned PUT signing Content-Type, Content-Length and
//   x-amz-checksum-sha256, so the store refuses any other body;
// - larger: create_multipart (with the declared checksum of the whole object), the upload id
//   recorded on the asset, its part count (parts of part_size_bytes, the last one smaller; when
//   that would need more than 10000 parts the part size grows to fit) and presigned URLs for its
//   first parts only: at most kPartUrlsPerFile per file and kMaxPartUrlsPerAnswer in the whole
//   answer, in file order (a file past that budget gets none). The client asks for the URLs of
//   the parts it is about to send through /uploads/urls (refresh_upload_urls.hpp), so an answer
//   stays small whatever was declared: 100 x 10 GiB is 64,000 parts, not 64,000 URLs.
// Every URL and the batch expire at now + url_ttl.
//
// Failure and crash story: if a store call fails, the batch is moved PENDING_UPLOAD -> FAILED
// (best effort) so it does not block the listing, and the store error is returned. A process that
// dies between create_multipart and recording its id leaves an upload nobody knows: it is
// invisible garbage (nothing exists at the key until complete) that the store's abandoned-upload
// expiry removes. A batch left PENDING_UPLOAD without instructions can be resumed through the
// /uploads/urls route or expires.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/model/batch.hpp"
#include "core/model/error.hpp"
#include "core/model/manifest.hpp"
#include "core/model/principal.hpp"
#include "core/model/time.hpp"
#include "core/port/database.hpp"
#include "core/port/object_store.hpp"

namespace toq::core {

struct CreateUploadBatchInput {
  Principal caller;
  ManifestInput manifest;
};

struct SingleUpload {
  std::string method;  // "PUT"
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // send exactly these
};

struct PartUpload {
  int part_number = 0;
  std::string url;
  std::int64_t bytes = 0;
};

struct MultipartUpload {
  std::string upload_id;
  std::int64_t part_size_bytes = 0;
  int part_count = 0;             // parts of the whole file
  std::vector<PartUpload> parts;  // URLs for some of them (see the header), ascending
};

// How many part URLs an answer hands out when the client did not name the parts it wants.
inline constexpr std::size_t kPartUrlsPerFile = 8;
inline constexpr std::size_t kMaxPartUrlsPerAnswer = 200;

struct FileUploadInstructions {
  std::string client_id;
  AssetId asset_id;
  std::optional<SingleUpload> upload;  // exactly one of upload / multipart is set
  std::optional<MultipartUpload> multipart;
};

struct CreateUploadBatchOutput {
  BatchId batch_id;
  ListingId listing_id;
  BatchStatus status = BatchStatus::kPendingUpload;
  Timestamp expires_at{};
  std::vector<FileUploadInstructions> files;  // in manifest order
};

struct CreateUploadBatchOptions {
  ManifestLimits limits;
  std::int64_t multipart_threshold_bytes = 64 * ManifestLimits::kMiB;
  std::int64_t part_size_bytes = 16 * ManifestLimits::kMiB;
  std::chrono::seconds url_ttl{3600};
};

class CreateUploadBatch {
 public:
  struct Deps {
    Database& db;
    MultipartStore& multipart;
    UrlSigner& signer;
    const Clock& clock;
  };

  CreateUploadBatch(Deps deps, CreateUploadBatchOptions options)
      : deps_(deps), options_(std::move(options)) {}

  Result<CreateUploadBatchOutput> run(const CreateUploadBatchInput& input);
  [[nodiscard]] const CreateUploadBatchOptions& options() const { return options_; }

 private:
  Status admit(const Principal& caller, std::optional<std::int64_t> listing);

  Deps deps_;
  CreateUploadBatchOptions options_;
};

// The part size used for an object of `bytes`: `preferred`, grown (to a whole MiB) when the
// object would otherwise need more than kMaxPartNumber parts.
std::int64_t part_size_for(std::int64_t bytes, std::int64_t preferred);
// The number of parts of an object of `bytes` cut in parts of `part_size` (at least 1).
int part_count_for(std::int64_t bytes, std::int64_t part_size);

}  // namespace toq::core
