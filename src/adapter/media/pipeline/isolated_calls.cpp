#include "adapter/media/pipeline/isolated_calls.hpp"

#include <string>

#include <nlohmann/json.hpp>

#include "adapter/media/common/isolated.hpp"

namespace toq::media {
namespace {

using nlohmann::json;

json to_json(const std::vector<OutputFile>& files) {
  auto out = json::array();
  for (const auto& f : files) {
    out.push_back({{"name", f.name},
                   {"format", f.format},
                   {"extension", f.extension},
                   {"path", f.path.string()},
                   {"width", f.width},
                   {"height", f.height},
                   {"bytes", f.bytes}});
  }
  return out;
}

core::Result<std::vector<OutputFile>> outputs_from(const core::Result<std::string>& payload) {
  if (!payload) {
    return std::unexpected(payload.error());
  }
  try {
    std::vector<OutputFile> files;
    for (const auto& f : json::parse(*payload)) {
      files.push_back(OutputFile{.name = f.at("name").get<std::string>(),
                                 .format = f.at("format").get<std::string>(),
                                 .extension = f.at("extension").get<std::string>(),
                                 .path = f.at("path").get<std::string>(),
                                 .width = f.at("width").get<int>(),
                                 .height = f.at("height").get<int>(),
                                 .bytes = f.at("bytes").get<std::int64_t>()});
    }
    return files;
  } catch (const json::exception& e) {
    return core::fail(core::ErrorCode::kInternal,
                      std::string("reading the renditions from the decoder process: ") + e.what());
  }
}

IsolationLimits limits_for(std::string step, const PipelineLimits& limits) {
  return IsolationLimits{.step = std::move(step),
                         .timeout = limits.photo_timeout,
                         .max_memory_bytes = limits.photo_max_memory_bytes};
}

core::Result<std::vector<OutputFile>> outputs_isolated(
    std::string step, const PipelineLimits& limits,
    const std::function<core::Result<std::vector<OutputFile>>()>& make) {
  auto payload = run_isolated(
      [&]() -> core::Result<std::string> {
        auto files = make();
        if (!files) {
          return std::unexpected(files.error());
        }
        return to_json(*files).dump();
      },
      limits_for(std::move(step), limits));
  return outputs_from(payload);
}

}  // namespace

core::Result<PhotoProbe> probe_photo_isolated(const std::filesystem::path& input,
                                              const PipelineLimits& limits) {
  auto payload = run_isolated(
      [&]() -> core::Result<std::string> {
        auto p = probe_photo(input, limits.photo);
        if (!p) {
          return std::unexpected(p.error());
        }
        return json{{"loader", p->loader},
                    {"width", p->width},
                    {"height", p->height},
                    {"orientation", p->orientation},
                    {"interpretation", p->interpretation},
                    {"bands", p->bands},
                    {"hasAlpha", p->has_alpha},
                    {"pages", p->pages},
                    {"pixels", p->pixels}}
            .dump();
      },
      limits_for("reading the photo's header", limits));
  if (!payload) {
    return std::unexpected(payload.error());
  }
  try {
    const auto j = json::parse(*payload);
    PhotoProbe p;
    p.loader = j.at("loader").get<std::string>();
    p.width = j.at("width").get<int>();
    p.height = j.at("height").get<int>();
    p.orientation = j.at("orientation").get<int>();
    p.interpretation = j.at("interpretation").get<std::string>();
    p.bands = j.at("bands").get<int>();
    p.has_alpha = j.at("hasAlpha").get<bool>();
    p.pages = j.at("pages").get<int>();
    p.pixels = j.at("pixels").get<std::int64_t>();
    return p;
  } catch (const json::exception& e) {
    return core::fail(core::ErrorCode::kInternal,
                      std::string("reading the probe from the decoder process: ") + e.what());
  }
}

core::Result<DocumentProbe> probe_document_isolated(const std::filesystem::path& pdf,
                                                    const PipelineLimits& limits) {
  auto payload = run_isolated(
      [&]() -> core::Result<std::string> {
        auto p = probe_document(pdf);
        if (!p) {
          return std::unexpected(p.error());
        }
        return json{{"width", p->width}, {"height", p->height}, {"pages", p->pages}}.dump();
      },
      limits_for("reading the document", limits));
  if (!payload) {
    return std::unexpected(payload.error());
  }
  try {
    const auto j = json::parse(*payload);
    return DocumentProbe{.width = j.at("width").get<int>(),
                         .height = j.at("height").get<int>(),
                         .pages = j.at("pages").get<int>()};
  } catch (const json::exception& e) {
    return core::fail(
        core::ErrorCode::kInternal,
        std::string("reading the document probe from the decoder process: ") + e.what());
  }
}

core::Result<std::vector<OutputFile>> photo_renditions_isolated(
    const std::filesystem::path& input, const std::filesystem::path& out_dir,
    const PipelineLimits& limits) {
  return outputs_isolated("making the photo's sizes", limits,
                          [&] { return make_photo_renditions(input, out_dir, limits.photo); });
}

core::Result<std::vector<OutputFile>> document_thumbnail_isolated(
    const std::filesystem::path& pdf, const std::filesystem::path& out_dir,
    const PipelineLimits& limits) {
  return outputs_isolated("rendering the document's first page", limits,
                          [&] { return make_document_thumbnail(pdf, out_dir); });
}

}  // namespace toq::media
