#include "adapter/media/pipeline/steps/detect_format.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include <fmt/format.h>

#include "adapter/media/pipeline/steps/step_support.hpp"

namespace toq::media {
namespace {

using namespace std::string_view_literals;
// The contract's photo formats. GIF is not one (animated, 256 colours: not a listing photo).
constexpr std::array kImageFormats = {"jpeg"sv, "png"sv, "webp"sv, "heif"sv, "avif"sv, "tiff"sv};
constexpr std::array kVideoFormats = {"mp4"sv, "mov"sv,    "matroska"sv, "webm"sv,
                                      "avi"sv, "mpegps"sv, "mpegts"sv};
constexpr std::array kDocumentFormats = {"pdf"sv};

std::string_view noun(MediaClass c) {
  switch (c) {
    case MediaClass::kImage: return "a photo";
    case MediaClass::kVideo: return "a video";
    case MediaClass::kDocument: return "a PDF document";
    case MediaClass::kUnknown: break;
  }
  return "an unknown kind of file";
}

}  // namespace

MediaClass expected_class(core::MediaType type) {
  switch (core::group_of(type)) {
    case core::MediaGroup::kPhoto: return MediaClass::kImage;
    case core::MediaGroup::kVideo: return MediaClass::kVideo;
    case core::MediaGroup::kProject:
      return type == core::MediaType::kProjectDoc ? MediaClass::kDocument : MediaClass::kImage;
  }
  return MediaClass::kUnknown;
}

bool is_allowed_format(MediaClass media_class, std::string_view format) {
  auto in = [format](const auto& list) {
    return std::find(list.begin(), list.end(), format) != list.end();
  };
  switch (media_class) {
    case MediaClass::kImage: return in(kImageFormats);
    case MediaClass::kVideo: return in(kVideoFormats);
    case MediaClass::kDocument: return in(kDocumentFormats);
    case MediaClass::kUnknown: break;
  }
  return false;
}

StepResult detect_format(const PipelineContext& /*context*/, AssetRun& run) {
  auto sniffed = sniff_file(run.input);
  if (!sniffed) {
    return std::unexpected(sniffed.error());
  }
  run.sniffed = *sniffed;
  run.facts.format = sniffed->format;
  const auto& declared = run.task.declared;
  const auto wanted = expected_class(declared.media_type);
  const auto actual = sniffed->media_class;
  if (actual == wanted && is_allowed_format(actual, sniffed->format)) {
    return std::nullopt;
  }
  if (actual != MediaClass::kUnknown && actual != wanted &&
      is_allowed_format(actual, sniffed->format)) {
    return asset_failure(
        core::ErrorCode::kTypeMismatch,
        fmt::format("The file was declared as {} ({}) but its bytes are {} ({}).", noun(wanted),
                    core::to_string(declared.media_type), noun(actual), sniffed->format),
        fmt::format("Upload it again with the right type, or upload {} in its place.",
                    noun(wanted)));
  }
  const auto what = sniffed->format == "empty" ? std::string("an empty file")
                                               : fmt::format("'{}'", sniffed->format);
  return asset_failure(
      core::ErrorCode::kUnsupportedFormat,
      fmt::format("The file's bytes are {}, which is not an accepted format for {}.", what,
                  core::to_string(declared.media_type)),
      wanted == MediaClass::kVideo
          ? "Upload the video as MP4 or MOV (H.264 or HEVC), as the phone or camera records it."
      : wanted == MediaClass::kDocument ? "Upload the document as a PDF."
                                        : "Upload the photo as JPEG, HEIC, PNG, WebP or TIFF.");
}

}  // namespace toq::media
