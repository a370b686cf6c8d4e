#pragma once
// The libvips calls of the pipeline, each run in a child process (common/isolated.hpp): a decoder
// that crashes, hangs or runs out of memory on hostile bytes ends that child, never the worker.
// Results cross the process boundary as JSON.

#include <filesystem>
#include <vector>

#include "core/model/error.hpp"

#include "adapter/media/common/output_file.hpp"
#include "adapter/media/photo/document_thumbnail.hpp"
#include "adapter/media/photo/photo.hpp"
#include "adapter/media/pipeline/asset_run.hpp"

namespace toq::media {

core::Result<PhotoProbe> probe_photo_isolated(const std::filesystem::path& input,
                                              const PipelineLimits& limits);
core::Result<DocumentProbe> probe_document_isolated(const std::filesystem::path& pdf,
                                                    const PipelineLimits& limits);
core::Result<std::vector<OutputFile>> photo_renditions_isolated(
    const std::filesystem::path& input, const std::filesystem::path& out_dir,
    const PipelineLimits& limits);
core::Result<std::vector<OutputFile>> document_thumbnail_isolated(
    const std::filesystem::path& pdf, const std::filesystem::path& out_dir,
    const PipelineLimits& limits);

}  // namespace toq::media
