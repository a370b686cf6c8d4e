#pragma once
// Use case: presigned download URLs for a listing's processed media.
// POST /api/v2/listings/media/downloads.
//
// Contract, checked in this order, in one read transaction (1 to 4: published_outputs.hpp,
// which the HLS playlist route shares):
// 1. The listing exists (LISTING_NOT_FOUND).
// 2. The caller may download (FORBIDDEN): the listing's owner or photographer, admin; a client
//    only while the listing is PUBLISHED (access_policy.hpp).
// 3. The batch: batch_id when given (BATCH_NOT_FOUND when missing, soft-deleted or another
//    listing's; for a client also when it is not the listing's current batch, below), else the
//    listing's current batch: the newest one with a SUCCEEDED job
//    (BatchRepository::find_latest_published). nullopt (the handler answers 204, no body) when
//    there is none, or the batch given never succeeded: nothing is downloadable.
// 4. The outputs served are those of the batch's newest SUCCEEDED job, whatever the batch's
//    status now: while a READY batch is reprocessed the last READY outputs stay downloadable until
//    the new run succeeds (its job becomes SUCCEEDED in the transaction that makes the batch
//    READY: the switch is atomic), and a failed retry leaves them. A SUCCEEDED job without an
//    archive is an inconsistency of this service, reported as INTERNAL (500, logged), never as an
//    answer without a ZIP.
// The answer: every asset of the batch (that job made each READY), ordered by media group (photos,
// videos, project) then sequence (then id); each with the renditions that job recorded for it
// (AssetRepository::renditions(asset, job)), in recording order, but its HLS outputs
// (core::is_hls_output: `hls` says a video has them), then `original` (the raw upload,
// content type's subtype as format, the measured width/height, the declared size) for owner,
// photographer and admin only, and for a photo or video only while the batch keeps its raw uploads
// (the housekeeping retention removes them, raw_removed_at). Every URL is a presigned GET valid for
// url_ttl, whose response-content-disposition is `attachment` with a friendly file name
// (download_file_name below), formatted by deps.content_disposition. The ZIP: {url, bytes, sha256
// (hex), filename "imovel-<listing>-midias.zip"}. URLs are signed outside the transaction; a signer
// error is returned as it is.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/error.hpp"
#include "core/model/ids.hpp"
#include "core/model/manifest.hpp"
#include "core/model/media_type.hpp"
#include "core/model/principal.hpp"
#include "core/model/time.hpp"
#include "core/port/database.hpp"
#include "core/port/object_store.hpp"

namespace toq::core {

struct ListDownloadUrlsInput {
  Principal caller;
  std::int64_t listing_identity_id = 0;
  std::optional<std::int64_t> batch_id;  // nullopt: the latest READY batch
};

struct DownloadVariant {
  std::string name;    // thumbnail, small, ..., original
  std::string format;  // jpeg, webp, mp4, ... (original: the declared content type's subtype)
  std::optional<std::int32_t> width;  // unknown for an original without measured facts
  std::optional<std::int32_t> height;
  std::int64_t bytes = 0;
  std::string url;
};

struct DownloadAsset {
  AssetId asset_id;
  MediaType media_type = MediaType::kPhotoHorizontal;
  std::string title;
  std::int64_t sequence = 0;
  std::optional<std::int32_t> width;
  std::optional<std::int32_t> height;
  std::vector<DownloadVariant> variants;
  // The job made HLS renditions of this video (kHlsMasterRendition): its master playlist is served
  // by the API (GetHlsPlaylist); the HLS files themselves are never variants.
  bool hls = false;
};

struct DownloadArchive {
  std::string url;
  std::int64_t bytes = 0;
  std::string filename;  // imovel-<listing>-midias.zip
  std::string sha256_hex;
};

struct ListDownloadUrlsOutput {
  ListingId listing_id;
  BatchId batch_id;
  Timestamp expires_at{};
  DownloadArchive zip;
  std::vector<DownloadAsset> assets;
};

struct ListDownloadUrlsOptions {
  std::chrono::seconds url_ttl{3600};
};

class ListDownloadUrls {
 public:
  struct Deps {
    Database& db;
    UrlSigner& signer;
    const Clock& clock;
    // The Content-Disposition value for a download of `utf8_filename` (the storage adapter's
    // RFC 6266 / RFC 8187 formatting, picked by the composition root).
    std::function<std::string(std::string_view utf8_filename)> content_disposition;
  };

  ListDownloadUrls(Deps deps, ListDownloadUrlsOptions options)
      : deps_(std::move(deps)), options_(options) {}

  // nullopt: nothing to download (204).
  Result<std::optional<ListDownloadUrlsOutput>> run(const ListDownloadUrlsInput& input);

 private:
  Deps deps_;
  ListDownloadUrlsOptions options_;
};

// The friendly name a download is saved as: "NN - <title, or the upload's name without its
// extension> - <variant>.<ext>" (NN the two-digit sequence, ext "jpg" for jpeg, else the format),
// e.g. "01 - Sala de estar - large.jpg"; the original keeps the uploaded file name. Either goes
// through support::sanitize_file_name, the sanitiser the ZIP's entry names use: bidi overrides
// and zero-width characters removed, '/', '\', control and Windows-forbidden characters -> '_',
// bounded length (the disposition formatter then handles non-ASCII).
std::string download_file_name(const FileDeclaration& file, std::string_view variant,
                               std::string_view format);

// "imovel-28-midias.zip".
std::string archive_file_name(ListingId listing);

}  // namespace toq::core
