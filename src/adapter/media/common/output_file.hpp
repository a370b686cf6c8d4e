#pragma once
// OutputFile: one file a media step wrote into its local work directory, before the pipeline
// stores it under the job's output prefix. Every producer (photo, video, document) returns these;
// the store step and the rendition records are built from them and nothing else.

#include <cstdint>
#include <filesystem>
#include <string>

namespace toq::media {

struct OutputFile {
  std::string name;       // rendition name: thumbnail, small, medium, large, poster, 720p, 1080p
  std::string format;     // jpeg, webp, mp4
  std::string extension;  // jpg, webp, mp4 (the object key's and the ZIP entry's suffix)
  std::filesystem::path path;  // complete file inside the step's work directory
  int width = 0;               // as displayed (after rotation)
  int height = 0;
  std::int64_t bytes = 0;
  friend bool operator==(const OutputFile&, const OutputFile&) = default;
};

}  // namespace toq::media
