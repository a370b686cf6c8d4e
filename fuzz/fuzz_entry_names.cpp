// The one file-name sanitiser (ZIP entry names and download names). Invariants on any bytes:
// valid UTF-8 out, never empty, idempotent, bounded per segment, no invisible format character, no
// control or Windows-forbidden character, never absolute and never climbing ("..").

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "adapter/media/zip/entry_names.hpp"
#include "fuzz_check.hpp"
#include "support/file_name.hpp"

namespace {

using namespace toq;

void check_segment(std::string_view segment) {
  TOQ_FUZZ_CHECK(!segment.empty());
  TOQ_FUZZ_CHECK(segment.size() <= support::kMaxFileNameBytes + 1);  // "_" + a device name
  TOQ_FUZZ_CHECK(segment != "." && segment != "..");
  TOQ_FUZZ_CHECK(segment.front() != ' ');
  TOQ_FUZZ_CHECK(segment.back() != ' ' && segment.back() != '.');
  for (std::size_t i = 0; i < segment.size();) {
    const auto cp = support::utf8_decode(segment, i);
    TOQ_FUZZ_CHECK(cp.value != support::kInvalidCodePoint);
    TOQ_FUZZ_CHECK(!support::is_control_character(cp.value));
    TOQ_FUZZ_CHECK(!support::is_invisible_format(cp.value));
    TOQ_FUZZ_CHECK(std::u32string_view{U"<>:\"|?*\\"}.find(cp.value) == std::u32string_view::npos);
    i += cp.length;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  const std::string file = support::sanitize_file_name(in);
  check_segment(file);
  TOQ_FUZZ_CHECK(file.find('/') == std::string::npos);
  TOQ_FUZZ_CHECK(support::sanitize_file_name(file) == file);

  const std::string entry = media::sanitize_entry_name(in);
  TOQ_FUZZ_CHECK(!entry.empty() && entry.front() != '/');
  std::size_t start = 0;
  while (start <= entry.size()) {
    const auto slash = entry.find('/', start);
    check_segment(std::string_view{entry}.substr(
        start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  TOQ_FUZZ_CHECK(media::sanitize_entry_name(entry) == entry);

  // The ZIP's friendly names: group, sequence (the manifest bounds it to 31 bits) and a title.
  const int sequence = size > 0 ? static_cast<int>(data[0]) * 8388608 + 1 : 1;
  const std::string named = media::entry_name("fotos", sequence, in, "jpg");
  TOQ_FUZZ_CHECK(named.starts_with("fotos/"));
  TOQ_FUZZ_CHECK(media::sanitize_entry_name(named) == named);
  return 0;
}
