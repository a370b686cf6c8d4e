#pragma once
// Rendition: one output of an asset produced by one job.

#include <cstdint>
#include <string>

#include "core/model/ids.hpp"

namespace toq::core {

struct Rendition {
  AssetId asset_id;
  JobId job_id;
  std::string name;    // thumbnail, small, medium, large, poster, 720p, 1080p
  std::string format;  // jpeg, webp, mp4
  std::int32_t width = 0;
  std::int32_t height = 0;
  std::int64_t bytes = 0;
  std::string key;  // object key under the job's output prefix
  std::string sha256_hex;
  friend bool operator==(const Rendition&, const Rendition&) = default;
};

}  // namespace toq::core
