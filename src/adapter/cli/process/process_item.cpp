#include "adapter/cli/process/process_item.hpp"

namespace toq::cli {

bool succeeded(const ProcessItem& item) {
  return !item.error && item.outcome && item.outcome->ready();
}

std::string_view displayed_type(const ProcessItem& item) {
  const auto type = item.declared.media_type;
  if (!item.outcome || !item.outcome->facts.width || !item.outcome->facts.height) {
    return core::to_string(type);
  }
  const bool vertical = *item.outcome->facts.height > *item.outcome->facts.width;
  if (type == core::MediaType::kPhotoHorizontal && vertical) {
    return core::to_string(core::MediaType::kPhotoVertical);
  }
  if (type == core::MediaType::kVideoHorizontal && vertical) {
    return core::to_string(core::MediaType::kVideoVertical);
  }
  return core::to_string(type);
}

ItemFailure failure_of(const ProcessItem& item) {
  if (item.error) {
    return {core::to_string(item.error->code), item.error->message, item.error->hint, std::nullopt};
  }
  const auto& f = *item.outcome->failure;
  return {core::to_string(f.code), f.message, f.hint, item.outcome->failed_step};
}

}  // namespace toq::cli
