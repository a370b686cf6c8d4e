// Batch step "archive": the ZIP of a READY batch (contract in pipeline.hpp).

#include <algorithm>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/model/object_keys.hpp"

#include "adapter/media/pipeline/pipeline.hpp"
#include "adapter/media/zip/entry_names.hpp"
#include "adapter/media/zip/zip_writer.hpp"
#include "support/base64.hpp"
#include "support/crypto/digest.hpp"
#include "support/hex.hpp"
#include "support/text.hpp"

namespace toq::media {
namespace {

const core::Rendition* find_rendition(const ArchiveItem& item, std::string_view name,
                                      std::string_view format) {
  for (const auto& r : item.renditions) {
    if (r.name == name && r.format == format) {
      return &r;
    }
  }
  return nullptr;
}

std::string_view folder_of(core::MediaType type) {
  switch (core::group_of(type)) {
    case core::MediaGroup::kPhoto: return "fotos";
    case core::MediaGroup::kVideo: return "videos";
    case core::MediaGroup::kProject: break;
  }
  return "projeto";
}

int group_rank(core::MediaType type) {
  return static_cast<int>(core::group_of(type));
}

// The file name's extension, lower-case, for the original of a document ("pdf").
std::string extension_of(std::string_view filename) {
  const auto dot = filename.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == filename.size()) {
    return "pdf";
  }
  return support::to_lower(filename.substr(dot + 1));
}

// The declared base64 SHA-256 of an original, as hex (the manifest lists hex digests).
std::string hex_of_base64(std::string_view b64) {
  auto raw = support::base64_decode(b64);
  return raw ? support::hex_lower(*raw) : std::string();
}

struct Planned {
  const ArchiveItem* item;
  std::string key;
  std::string name;
  std::int64_t bytes = 0;
  std::string sha256_hex;
  int width = 0;
  int height = 0;
};

core::Result<Planned> plan_entry(const ArchiveItem& item) {
  const auto type = item.declared.media_type;
  const auto& title = item.declared.title.empty() ? item.declared.filename : item.declared.title;
  Planned p;
  p.item = &item;
  const core::Rendition* chosen = nullptr;
  std::string ext;
  if (type == core::MediaType::kProjectDoc) {
    p.key = item.raw_key;
    p.bytes = item.declared.bytes;
    p.sha256_hex = hex_of_base64(item.declared.checksum_sha256);
    ext = extension_of(item.declared.filename);
  } else if (core::group_of(type) == core::MediaGroup::kVideo) {
    chosen = find_rendition(item, "1080p", "mp4");
    if (chosen == nullptr) {
      chosen = find_rendition(item, "720p", "mp4");
    }
    ext = "mp4";
  } else {
    chosen = find_rendition(item, "large", "jpeg");
    ext = "jpg";
  }
  if (type != core::MediaType::kProjectDoc) {
    if (chosen == nullptr) {
      return core::fail(core::ErrorCode::kInvalidRequest,
                        fmt::format("asset {} has no rendition for the archive", item.asset.value));
    }
    p.key = chosen->key;
    p.bytes = chosen->bytes;
    p.sha256_hex = chosen->sha256_hex;
    p.width = chosen->width;
    p.height = chosen->height;
  }
  p.name = entry_name(folder_of(type), static_cast<int>(item.declared.sequence), title, ext);
  return p;
}

}  // namespace

core::Result<ArchiveInfo> build_archive(const PipelineContext& context,
                                        const ArchiveRequest& request) {
  std::vector<const ArchiveItem*> order;
  for (const auto& item : request.items) {
    order.push_back(&item);
  }
  // Photos, videos, project files; then the photographer's sequence (asset id breaks ties).
  std::sort(order.begin(), order.end(), [](const ArchiveItem* a, const ArchiveItem* b) {
    return std::tuple(group_rank(a->declared.media_type), a->declared.sequence, a->asset) <
           std::tuple(group_rank(b->declared.media_type), b->declared.sequence, b->asset);
  });

  EntryNamer namer;
  std::vector<ZipInput> inputs;
  auto manifest_entries = nlohmann::json::array();
  ArchiveInfo info;
  for (const auto* item : order) {
    auto planned = plan_entry(*item);
    if (!planned) {
      return std::unexpected(planned.error());
    }
    planned->name = namer.unique(planned->name);
    const auto& d = item->declared;
    nlohmann::json entry = {{"path", planned->name},
                            {"assetId", item->asset.value},
                            {"clientId", d.client_id},
                            {"mediaType", core::to_string(d.media_type)},
                            {"title", d.title},
                            {"filename", d.filename},
                            {"sequence", d.sequence},
                            {"bytes", planned->bytes},
                            {"sha256", planned->sha256_hex}};
    if (planned->width > 0) {
      entry["width"] = planned->width;
      entry["height"] = planned->height;
    }
    if (item->facts.duration_ms) {
      entry["durationSeconds"] = static_cast<double>(*item->facts.duration_ms) / 1000.0;
    }
    manifest_entries.push_back(std::move(entry));
    info.entries.push_back(
        ArchiveEntry{planned->name, item->asset, planned->bytes, planned->sha256_hex});
    inputs.push_back(store_input(*context.store, planned->key, planned->name, planned->bytes));
  }
  const nlohmann::json manifest = {{"listingIdentityId", request.listing.value},
                                   {"batchId", request.batch.value},
                                   {"jobId", request.job.value},
                                   {"entries", std::move(manifest_entries)}};
  auto manifest_text = std::make_shared<std::string>(manifest.dump(2) + "\n");
  const auto manifest_name = namer.unique("manifesto.json");
  inputs.push_back(ZipInput{.name = manifest_name,
                            .size = static_cast<std::int64_t>(manifest_text->size()),
                            .write_to = [manifest_text](core::ByteSink& sink) {
                              return sink.write(std::as_bytes(std::span(*manifest_text)));
                            }});
  auto manifest_sha = support::sha256_hex(*manifest_text);
  if (!manifest_sha) {
    return std::unexpected(manifest_sha.error());
  }
  info.entries.push_back(ArchiveEntry{manifest_name, std::nullopt,
                                      static_cast<std::int64_t>(manifest_text->size()),
                                      std::move(*manifest_sha)});

  info.key = core::archive_key(request.listing, request.batch, request.job);
  auto written = write_zip(*context.store, context.multipart, info.key, inputs, ZipOptions{});
  if (!written) {
    return std::unexpected(written.error());
  }
  info.bytes = written->bytes;
  info.sha256_hex = written->sha256_hex;
  return info;
}

}  // namespace toq::media
