#pragma once
// Use case: where an unfinished upload stands, with fresh URLs, so a client can resume after its
// URLs expired, a network failure or a page reload. POST /api/v2/listings/media/uploads/urls.
//
// Contract, checked in this order:
// 1. The batch exists, is not deleted and belongs to listing_identity_id (BATCH_NOT_FOUND; a
//    missing listing looks the same).
// 2. The caller may upload the batch's file types to the listing (FORBIDDEN): the "who" rules of
//    upload_policy.hpp, exactly as create and complete apply them. Like complete, the listing's
//    status is not re-checked: the batch was accepted when it was created.
// 3. The batch is PENDING_UPLOAD (BATCH_NOT_PENDING otherwise).
// 4. client_ids, when given, may only name the batch's files (INVALID_REQUEST with a FieldError
//    "clientIds[i]" per unknown one); the answer then holds only those files, in asset order.
//    Absent: every file of the batch.
// 5. part_numbers, when not empty, are the parts the client is about to send: at most
//    kMaxPartNumbersPerRequest of them, with client_ids naming exactly one multipart file, each
//    within 1..its part count (INVALID_REQUEST with a FieldError "partNumbers" or
//    "partNumbers[i]" otherwise).
//
// Then, outside any transaction, per file (at raw_key(listing, batch, asset)):
// - single PUT (no multipart upload recorded and bytes <= multipart_threshold_bytes): a fresh
//   presigned PUT signed exactly as create signs it, and `uploaded` = the store holds the object
//   with the declared size (and the declared checksum, when the store reports one).
// - multipart: list_parts() of the recorded upload. `uploaded_parts` is what the store holds (at
//   most kMaxUploadedPartsPerAnswer in the whole answer, in file order: a file past that budget
//   lists none, and a client asking for it alone gets all of its at most 10,000); `part_count`
//   is the plan's. `multipart.parts` has fresh URLs: for exactly part_numbers when given,
//   otherwise for the first planned parts that are missing or whose stored size differs from the
//   plan (re-uploading a part replaces it), at most kPartUrlsPerFile per file and
//   kMaxPartUrlsPerAnswer in the answer, as create hands them out. The plan is create's:
//   part_size_for(bytes, part_size_bytes) with the same options, so the parts line up.
//   `uploaded` is true when the object itself already exists with the declared size: an earlier
//   complete call assembled it (then the store no longer knows the upload id and nothing is left
//   to send). When the store does not know the upload and the object does not exist (aborted or
//   expired), or no upload id was ever recorded (create died half-way), a new multipart upload is
//   started and recorded on the asset, and every part gets a URL.
// Every URL expires at expires_at = now + url_ttl (the batch's own expiry is not changed).
// Store errors are returned as they are (STORE_UNAVAILABLE may be retried); nothing is written
// except a newly started upload id.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/model/asset.hpp"
#include "core/model/error.hpp"
#include "core/model/ids.hpp"
#include "core/model/principal.hpp"
#include "core/model/status.hpp"
#include "core/model/time.hpp"
#include "core/port/database.hpp"
#include "core/port/object_store.hpp"
#include "core/service/create_upload_batch.hpp"

namespace toq::core {

struct RefreshUploadUrlsInput {
  Principal caller;
  std::int64_t listing_identity_id = 0;
  std::int64_t batch_id = 0;
  std::optional<std::vector<std::string>> client_ids;  // nullopt: every file
  std::vector<std::int64_t> part_numbers;              // empty: the first missing parts
};

inline constexpr std::size_t kMaxPartNumbersPerRequest = 100;
inline constexpr std::size_t kMaxUploadedPartsPerAnswer = 10000;

struct StoredPart {
  int part_number = 0;
  std::string etag;  // quoted, as the store returns it
  std::int64_t bytes = 0;
};

struct RefreshedFile {
  std::string client_id;
  AssetId asset_id;
  bool uploaded = false;                     // the whole object is in the store
  std::optional<SingleUpload> upload;        // exactly one of upload / multipart is set
  std::optional<MultipartUpload> multipart;  // parts: only those still to send
  std::vector<StoredPart> uploaded_parts;    // multipart only, ascending
};

struct RefreshUploadUrlsOutput {
  BatchId batch_id;
  ListingId listing_id;
  BatchStatus status = BatchStatus::kPendingUpload;
  Timestamp expires_at{};
  std::vector<RefreshedFile> files;  // in asset order
};

class RefreshUploadUrls {
 public:
  struct Deps {
    Database& db;
    ObjectStore& store;
    MultipartStore& multipart;
    UrlSigner& signer;
    const Clock& clock;
  };

  // The same options create_upload_batch runs with (threshold, part size, URL lifetime).
  RefreshUploadUrls(Deps deps, CreateUploadBatchOptions options)
      : deps_(deps), options_(std::move(options)) {}

  Result<RefreshUploadUrlsOutput> run(const RefreshUploadUrlsInput& input);

 private:
  Status check_part_numbers(const RefreshUploadUrlsInput& input,
                            const std::vector<const Asset*>& selected) const;

  Deps deps_;
  CreateUploadBatchOptions options_;
};

}  // namespace toq::core
