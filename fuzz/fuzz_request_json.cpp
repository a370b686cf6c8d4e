// The API's request bodies: the bounded JSON reader and every request converter, then the
// manifest rules. Invariants: nothing crashes or leaks; the reader never keeps more entries of an
// array than allowed; an answer lists at most kMaxFieldErrors failures.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "core/model/manifest.hpp"

#include "adapter/http/converters/json_reader.hpp"
#include "adapter/http/converters/listing_converters.hpp"
#include "adapter/http/converters/media_query_converters.hpp"
#include "adapter/http/converters/upload_converters.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace toq;

void check_bounded(const core::Error& error) {
  if (const auto* fields = std::get_if<core::FieldErrors>(&error.details)) {
    TOQ_FUZZ_CHECK(fields->fields.size() <= core::FieldErrors::kMaxFieldErrors);
  }
}

std::size_t max_array(const nlohmann::json& value) {
  std::size_t out = value.is_array() ? value.size() : 0;
  if (value.is_structured()) {
    for (const auto& item : value) out = std::max(out, max_array(item));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const http::converters::JsonLimits limits{.max_depth = 16, .max_array_items = 8};
  auto parsed = http::converters::parse_json_body(body, limits);
  if (!parsed) {
    check_bounded(parsed.error());
    return 0;
  }
  TOQ_FUZZ_CHECK(parsed->value.is_object());
  TOQ_FUZZ_CHECK(max_array(parsed->value) <= limits.max_array_items);
  const auto& json = parsed->value;

  auto manifest = http::converters::parse_create_upload(json);
  if (manifest) {
    manifest->files_sent = parsed->sent_length("files");
    core::ManifestLimits manifest_limits;
    manifest_limits.max_files_per_batch = 4;
    auto valid = core::validate_manifest(*manifest, manifest_limits);
    if (valid) {
      TOQ_FUZZ_CHECK(valid->files.size() <= 4);
      for (const auto& f : valid->files) {
        TOQ_FUZZ_CHECK(f.sequence >= 1 && f.sequence <= core::kMaxSequence);
        TOQ_FUZZ_CHECK(f.bytes >= 1);
      }
    } else {
      check_bounded(valid.error());
    }
  } else {
    check_bounded(manifest.error());
  }
  if (auto r = http::converters::parse_complete_upload(json); !r) check_bounded(r.error());
  if (auto r = http::converters::parse_refresh_urls(json); !r) check_bounded(r.error());
  if (auto r = http::converters::parse_retry(json); !r) check_bounded(r.error());
  if (auto r = http::converters::parse_batch_query(json); !r) check_bounded(r.error());
  if (auto r = http::converters::parse_put_listing(json); !r) check_bounded(r.error());
  return 0;
}
