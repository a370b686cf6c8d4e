#include "core/model/media_type.hpp"

namespace toq::core {

std::string_view to_string(MediaType type) {
  switch (type) {
    case MediaType::kPhotoVertical: return "PHOTO_VERTICAL";
    case MediaType::kPhotoHorizontal: return "PHOTO_HORIZONTAL";
    case MediaType::kVideoVertical: return "VIDEO_VERTICAL";
    case MediaType::kVideoHorizontal: return "VIDEO_HORIZONTAL";
    case MediaType::kProjectDoc: return "PROJECT_DOC";
    case MediaType::kProjectRender: return "PROJECT_RENDER";
  }
  return "UNKNOWN";
}

std::optional<MediaType> parse_media_type(std::string_view text) {
  for (auto t : kAllMediaTypes) {
    if (to_string(t) == text) return t;
  }
  return std::nullopt;
}

MediaGroup group_of(MediaType type) {
  switch (type) {
    case MediaType::kPhotoVertical:
    case MediaType::kPhotoHorizontal: return MediaGroup::kPhoto;
    case MediaType::kVideoVertical:
    case MediaType::kVideoHorizontal: return MediaGroup::kVideo;
    case MediaType::kProjectDoc:
    case MediaType::kProjectRender: return MediaGroup::kProject;
  }
  return MediaGroup::kProject;
}

std::string_view to_string(MediaGroup group) {
  switch (group) {
    case MediaGroup::kPhoto: return "photo";
    case MediaGroup::kVideo: return "video";
    case MediaGroup::kProject: return "project";
  }
  return "unknown";
}

}  // namespace toq::core
