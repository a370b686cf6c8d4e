#include "core/service/list_download_urls.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/model/asset.hpp"
#include "core/model/batch.hpp"
#include "core/model/job.hpp"
#include "core/model/object_keys.hpp"
#include "core/model/rendition.hpp"
#include "core/service/access_policy.hpp"
#include "core/service/published_outputs.hpp"

#include "support/file_name.hpp"

namespace toq::core {

namespace {

constexpr std::string_view kOriginal = "original";

// "image/jpeg" -> "jpeg"; "application/pdf" -> "pdf".
std::string subtype_of(std::string_view content_type) {
  const auto slash = content_type.find('/');
  return std::string{slash == std::string_view::npos ? content_type
                                                     : content_type.substr(slash + 1)};
}

struct Found {
  Batch batch;
  Job job;
  std::vector<std::pair<Asset, std::vector<Rendition>>> assets;
};

Error inconsistent(std::string message) {
  return make_error(ErrorCode::kInternal, std::move(message));
}

// The batch to serve, the outputs of its newest SUCCEEDED job (while a retry runs, and after a
// retry failed, they are still the ones to serve; the new run's replace them in the transaction
// that makes its job SUCCEEDED) and every asset with that job's renditions (the job made each
// READY, even when a newer run has since marked it PROCESSING or FAILED); nullopt when there is
// nothing to serve.
Result<std::optional<Found>> find_downloadable(UnitOfWork& uow, const ListDownloadUrlsInput& input,
                                               ListingId listing_id) {
  auto published = find_published_outputs(
      uow, input.caller, listing_id,
      input.batch_id ? std::optional<BatchId>{BatchId{*input.batch_id}} : std::nullopt);
  if (!published) return std::unexpected(published.error());
  if (!*published) return std::optional<Found>{};
  Found f;
  f.batch = std::move((*published)->batch);
  f.job = std::move((*published)->job);
  if (!f.job.archive) {
    return std::unexpected(
        inconsistent(fmt::format("batch {} of listing {}: succeeded job {} recorded no archive",
                                 f.batch.id.value, listing_id.value, f.job.id.value)));
  }
  auto assets = uow.assets().list_by_batch(f.batch.id);
  if (!assets) return std::unexpected(assets.error());
  for (Asset& a : *assets) {
    auto renditions = uow.assets().renditions(a.id, f.job.id);
    if (!renditions) return std::unexpected(renditions.error());
    f.assets.emplace_back(std::move(a), std::move(*renditions));
  }
  return std::optional<Found>{std::move(f)};
}

// By media group, then by the manifest's sequence, then by asset id.
void sort_for_display(std::vector<std::pair<Asset, std::vector<Rendition>>>& assets) {
  std::ranges::stable_sort(assets, [](const auto& x, const auto& y) {
    const auto gx = group_of(x.first.declared.media_type);
    const auto gy = group_of(y.first.declared.media_type);
    if (gx != gy) return gx < gy;
    if (x.first.declared.sequence != y.first.declared.sequence) {
      return x.first.declared.sequence < y.first.declared.sequence;
    }
    return x.first.id < y.first.id;
  });
}

// A presigned GET that saves the object as `file_name`.
struct Signer {
  const ListDownloadUrls::Deps& deps;
  const ListDownloadUrlsOptions& options;

  Result<std::string> operator()(const std::string& key, const std::string& file_name) const {
    auto get = deps.signer.presign_get(
        key, PresignGet{deps.content_disposition(file_name), options.url_ttl});
    if (!get) return std::unexpected(get.error());
    return std::move(get->url);
  }
};

// One asset's entry: a URL per rendition, and the original when the caller may have it.
Result<DownloadAsset> download_asset(const Signer& sign, const Batch& batch, const Asset& asset,
                                     const std::vector<Rendition>& renditions, bool originals) {
  DownloadAsset item;
  item.asset_id = asset.id;
  item.media_type = asset.declared.media_type;
  item.title = asset.declared.title;
  item.sequence = asset.declared.sequence;
  item.width = asset.facts.width;
  item.height = asset.facts.height;
  for (const Rendition& r : renditions) {
    if (is_hls_output(r)) {
      if (r.name == kHlsMasterRendition) item.hls = true;
      continue;
    }
    auto url = sign(r.key, download_file_name(asset.declared, r.name, r.format));
    if (!url) return std::unexpected(url.error());
    item.variants.push_back(
        DownloadVariant{r.name, r.format, r.width, r.height, r.bytes, std::move(*url)});
  }
  // The retention removes the raw uploads of photos and videos, never of project files.
  const bool raw_kept =
      !batch.raw_removed_at || group_of(asset.declared.media_type) == MediaGroup::kProject;
  if (originals && raw_kept) {
    const std::string format = subtype_of(asset.declared.content_type);
    auto url = sign(raw_key(batch.listing_id, batch.id, asset.id),
                    download_file_name(asset.declared, kOriginal, format));
    if (!url) return std::unexpected(url.error());
    item.variants.push_back(DownloadVariant{std::string{kOriginal}, format, asset.facts.width,
                                            asset.facts.height, asset.declared.bytes,
                                            std::move(*url)});
  }
  return item;
}

}  // namespace

std::string download_file_name(const FileDeclaration& file, std::string_view variant,
                               std::string_view format) {
  if (variant == kOriginal) return support::sanitize_file_name(file.filename);
  std::string_view base = file.title;
  if (base.empty()) {
    base = file.filename;
    if (const auto dot = base.rfind('.'); dot != std::string_view::npos && dot > 0) {
      base = base.substr(0, dot);
    }
  }
  const std::string_view ext = format == "jpeg" ? std::string_view{"jpg"} : format;
  return support::sanitize_file_name(
      fmt::format("{:02d} - {} - {}.{}", file.sequence, base, variant, ext));
}

std::string archive_file_name(ListingId listing) {
  return fmt::format("imovel-{}-midias.zip", listing.value);
}

Result<std::optional<ListDownloadUrlsOutput>> ListDownloadUrls::run(
    const ListDownloadUrlsInput& input) {
  const ListingId listing_id{input.listing_identity_id};
  auto found =
      deps_.db.transact([&](UnitOfWork& uow) { return find_downloadable(uow, input, listing_id); });
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::optional<ListDownloadUrlsOutput>{};
  Found& f = **found;
  sort_for_display(f.assets);

  const Timestamp now = deps_.clock.now();
  ListDownloadUrlsOutput out;
  out.listing_id = listing_id;
  out.batch_id = f.batch.id;
  out.expires_at = now + std::chrono::duration_cast<std::chrono::milliseconds>(options_.url_ttl);

  const Signer sign{deps_, options_};
  const ArchiveInfo& archive = *f.job.archive;
  out.zip.filename = archive_file_name(listing_id);
  out.zip.bytes = archive.bytes;
  out.zip.sha256_hex = archive.sha256_hex;
  auto zip_url = sign(archive.key, out.zip.filename);
  if (!zip_url) return std::unexpected(zip_url.error());
  out.zip.url = std::move(*zip_url);

  const bool originals = may_download_originals(input.caller);
  for (const auto& [asset, renditions] : f.assets) {
    auto item = download_asset(sign, f.batch, asset, renditions, originals);
    if (!item) return std::unexpected(item.error());
    out.assets.push_back(std::move(*item));
  }
  return std::optional<ListDownloadUrlsOutput>{std::move(out)};
}

}  // namespace toq::core
