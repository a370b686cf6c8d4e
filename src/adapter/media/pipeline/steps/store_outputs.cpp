#include "adapter/media/pipeline/steps/store_outputs.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "core/model/object_keys.hpp"

#include "adapter/media/pipeline/file_digest.hpp"
#include "adapter/media/pipeline/steps/step_support.hpp"

namespace toq::media {

std::string_view content_type_of(std::string_view format) {
  if (format == "jpeg") {
    return "image/jpeg";
  }
  if (format == "webp") {
    return "image/webp";
  }
  if (format == "mp4" || format == "fmp4") {
    return "video/mp4";
  }
  if (format == "m3u8") {
    return "application/vnd.apple.mpegurl";
  }
  return "application/octet-stream";
}

namespace {

// The contract lists variants small to large (thumbnail, small, medium, large; poster, 720p,
// 1080p), JPEG before WebP: renditions are recorded, and so listed, in that order.
int rank_of(const OutputFile& f) {
  static constexpr std::array<std::string_view, 7> kNames = {
      "thumbnail", "small", "medium", "large", "poster", "720p", "1080p"};
  const auto it = std::find(kNames.begin(), kNames.end(), f.name);
  const int name = static_cast<int>(it - kNames.begin());
  return name * 2 + (f.format == "webp" ? 1 : 0);
}

}  // namespace

StepResult store_outputs(const PipelineContext& context, AssetRun& run) {
  const auto& t = run.task;
  run.renditions.clear();
  std::stable_sort(
      run.outputs.begin(), run.outputs.end(),
      [](const OutputFile& a, const OutputFile& b) { return rank_of(a) < rank_of(b); });
  for (const auto& file : run.outputs) {
    auto digest = sha256_of_file(file.path);
    if (!digest) {
      return std::unexpected(digest.error());
    }
    if (digest->bytes != file.bytes) {
      return core::fail(core::ErrorCode::kInternal,
                        fmt::format("{} has {} bytes, the media step reported {}",
                                    file.path.string(), digest->bytes, file.bytes));
    }
    const auto key =
        core::output_key(t.listing, t.batch, t.job, t.asset, file.name, file.extension);
    auto source = open_file_source(file.path);
    if (!source) {
      return std::unexpected(source.error());
    }
    // No MD5 pass: nothing reads an output's ETag as an MD5 (a rendition is recorded with its
    // SHA-256; S3 computes its own ETag), so the local store makes it from the SHA-256.
    core::PutOptions options{.content_type = std::string(content_type_of(file.format)),
                             .content_length = file.bytes,
                             .checksum_sha256 = digest->base64,
                             .md5_etag = false};
    if (auto put = context.store->put(key, **source, options); !put) {
      return std::unexpected(put.error());
    }
    run.renditions.push_back(core::Rendition{.asset_id = t.asset,
                                             .job_id = t.job,
                                             .name = file.name,
                                             .format = file.format,
                                             .width = file.width,
                                             .height = file.height,
                                             .bytes = file.bytes,
                                             .key = key,
                                             .sha256_hex = digest->hex});
  }
  return std::nullopt;
}

}  // namespace toq::media
