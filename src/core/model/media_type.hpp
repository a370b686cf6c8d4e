#pragma once
// The contract's mediaType values and the groups they fall in.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace toq::core {

enum class MediaType : std::uint8_t {
  kPhotoVertical,
  kPhotoHorizontal,
  kVideoVertical,
  kVideoHorizontal,
  kProjectDoc,
  kProjectRender,
};

inline constexpr std::array kAllMediaTypes = {
    MediaType::kPhotoVertical,   MediaType::kPhotoHorizontal, MediaType::kVideoVertical,
    MediaType::kVideoHorizontal, MediaType::kProjectDoc,      MediaType::kProjectRender};

// What a media type is processed as, how its size limit and content types are chosen, and where
// it sorts (photos, then videos, then project files).
enum class MediaGroup : std::uint8_t { kPhoto, kVideo, kProject };

std::string_view to_string(MediaType type);
std::optional<MediaType> parse_media_type(std::string_view text);
MediaGroup group_of(MediaType type);
std::string_view to_string(MediaGroup group);

// PROJECT_DOC and PROJECT_RENDER are uploaded by owners of DEVELOPMENT listings.
inline bool is_project_type(MediaType t) {
  return group_of(t) == MediaGroup::kProject;
}

}  // namespace toq::core
