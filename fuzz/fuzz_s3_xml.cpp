// S3's XML answers as the S3 adapter reads them (errors, initiate / complete multipart, ListParts,
// DeleteObjects). Invariants: nothing crashes, whatever a store or a proxy in between answers.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "adapter/aws/s3_xml.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace toq::aws;
  const std::string_view xml(reinterpret_cast<const char*>(data), size);
  if (auto root = parse_xml(xml)) {
    TOQ_FUZZ_CHECK(!root->name.empty());
    (void)root->child_text("Code");
    (void)root->all("Part");
  }
  (void)parse_s3_error(xml);
  (void)parse_initiate_multipart(xml);
  (void)parse_complete_multipart(xml);
  if (auto parts = parse_list_parts(xml)) {
    for (const auto& p : parts->parts) TOQ_FUZZ_CHECK(p.part_number >= 1);
  }
  (void)parse_delete_result(xml);
  return 0;
}
