#pragma once
// Corpus photos as a manifest the service accepts (their real sizes and SHA-256) and their bytes
// uploaded to a store at the keys the batch was given: for the fault suites that run the real
// pipeline over a failing store or database.

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/model/object_keys.hpp"
#include "core/service/create_upload_batch.hpp"

#include "adapter/media/pipeline/file_digest.hpp"
#include "support/result_matchers.hpp"

namespace toq::testing {

struct CorpusPhoto {
  std::string name;        // a file of the generated corpus (TOQ_CORPUS_DIR)
  std::string media_type;  // as declared
};

inline std::vector<CorpusPhoto> two_corpus_photos() {
  return {{"jpeg_baseline.jpg", "PHOTO_HORIZONTAL"}, {"jpeg_progressive.jpg", "PHOTO_VERTICAL"}};
}

inline std::filesystem::path corpus_path(const std::string& name) {
  return std::filesystem::path(TOQ_CORPUS_DIR) / name;
}

inline core::ManifestInput corpus_manifest(std::int64_t listing_id,
                                           const std::vector<CorpusPhoto>& photos) {
  core::ManifestInput m;
  m.listing_identity_id = listing_id;
  for (std::size_t i = 0; i < photos.size(); ++i) {
    auto d = must(media::sha256_of_file(corpus_path(photos[i].name)), "digest");
    core::FileDeclarationInput f;
    f.client_id = photos[i].name;
    f.media_type = photos[i].media_type;
    f.filename = photos[i].name;
    f.content_type = "image/jpeg";
    f.bytes = d.bytes;
    f.checksum_sha256 = d.base64;
    f.title = photos[i].name;
    f.sequence = static_cast<std::int64_t>(i) + 1;
    m.files.push_back(std::move(f));
  }
  return m;
}

// Puts each declared file's bytes at its raw key, as the client's presigned PUT would.
inline void upload_corpus(core::ObjectStore& store, const core::CreateUploadBatchOutput& batch,
                          const core::ManifestInput& manifest) {
  for (std::size_t i = 0; i < manifest.files.size(); ++i) {
    const auto& f = manifest.files[i];
    auto source = must(media::open_file_source(corpus_path(f.client_id.value())), "open");
    core::PutOptions put;
    put.content_type = f.content_type.value();
    put.content_length = f.bytes;
    put.checksum_sha256 = f.checksum_sha256;
    must(store.put(core::raw_key(batch.listing_id, batch.batch_id, batch.files[i].asset_id),
                   *source, put),
         "upload");
  }
}

}  // namespace toq::testing
