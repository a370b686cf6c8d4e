#include "core/model/object_keys.hpp"

#include <charconv>
#include <cstdint>

#include <fmt/format.h>

namespace toq::core {

std::string raw_key(ListingId listing, BatchId batch, AssetId asset) {
  return fmt::format("listings/{}/batches/{}/raw/{}", listing.value, batch.value, asset.value);
}

std::string job_output_prefix(ListingId listing, BatchId batch, JobId job) {
  return fmt::format("listings/{}/batches/{}/out/{}/", listing.value, batch.value, job.value);
}

std::string output_key(ListingId listing, BatchId batch, JobId job, AssetId asset,
                       std::string_view rendition, std::string_view ext) {
  return fmt::format("{}{}/{}.{}", job_output_prefix(listing, batch, job), asset.value, rendition,
                     ext);
}

std::string archive_key(ListingId listing, BatchId batch, JobId job) {
  return job_output_prefix(listing, batch, job) + "archive.zip";
}

std::string result_document_key(ListingId listing, BatchId batch, JobId job, AssetId asset) {
  return fmt::format("{}{}/result.json", job_output_prefix(listing, batch, job), asset.value);
}

std::string archive_document_key(ListingId listing, BatchId batch, JobId job) {
  return job_output_prefix(listing, batch, job) + "archive.json";
}

Result<std::string> raw_input_key(std::string_view key, ListingId listing, BatchId batch) {
  const auto prefix = fmt::format("listings/{}/batches/{}/raw/", listing.value, batch.value);
  bool ok = key.size() > prefix.size() && key.substr(0, prefix.size()) == prefix;
  if (ok) {
    // The rest must be exactly what raw_key() writes: a positive int64 in canonical decimal.
    const auto rest = key.substr(prefix.size());
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), id);
    ok = ec == std::errc{} && end == rest.data() + rest.size() && id > 0 &&
         rest == fmt::format("{}", id);
  }
  if (ok) return std::string(key);
  return fail(ErrorCode::kInvalidRequest,
              fmt::format("'{}' is not a raw upload key of listing {} batch {}", key, listing.value,
                          batch.value),
              "Only raw uploads can be processed.");
}

}  // namespace toq::core
