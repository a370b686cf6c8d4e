#pragma once
// Shared pieces of the ZIP tests: reading an archive back out of the store into a file (hashing it
// on the way), the independent checks (Python's zipfile through check_zip.py, Info-ZIP's
// `unzip -t`, coreutils' sha256sum), and a MultipartStore that forwards to the real store while
// remembering the upload ids it handed out, so a test can ask the store about an aborted one.

#include <cstdio>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "core/port/object_store.hpp"

#include "support/shell.hpp"

namespace toq::testing {

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
      throw std::runtime_error("SHA-256 init failed");
    }
  }
  void update(std::span<const std::byte> data) {
    EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
  }
  std::string hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_.get(), md, &n);
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < n; ++i) {
      out.push_back(kDigits[md[i] >> 4U]);
      out.push_back(kDigits[md[i] & 0x0FU]);
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

inline std::string sha256_hex(std::string_view bytes) {
  Sha256 sha;
  sha.update(std::as_bytes(std::span{bytes.data(), bytes.size()}));
  return sha.hex();
}

// Writes everything it gets to a file, hashing it.
class FileSink final : public core::ByteSink {
 public:
  explicit FileSink(const std::filesystem::path& path) : file_(std::fopen(path.c_str(), "wb")) {
    if (file_ == nullptr) throw std::runtime_error("cannot create " + path.string());
  }
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;
  ~FileSink() override { close(); }
  core::Status write(std::span<const std::byte> data) override {
    sha_.update(data);
    bytes_ += static_cast<std::int64_t>(data.size());
    if (std::fwrite(data.data(), 1, data.size(), file_) != data.size()) {
      return core::fail(core::ErrorCode::kStorageError, "fwrite failed");
    }
    return {};
  }
  void close() {
    if (file_ != nullptr) std::fclose(file_);
    file_ = nullptr;
  }
  std::string sha256_hex() { return sha_.hex(); }
  std::int64_t bytes() const { return bytes_; }

 private:
  std::FILE* file_;
  Sha256 sha_;
  std::int64_t bytes_ = 0;
};

struct Exported {
  std::int64_t bytes = 0;
  std::string sha256_hex;
};

// The object at `key`, copied to `path` through the store's get.
inline Exported export_object(core::ObjectStore& store, const std::string& key,
                              const std::filesystem::path& path) {
  FileSink sink{path};
  auto info = store.get(key, sink);
  if (!info) throw std::runtime_error("get " + key + ": " + info.error().message);
  sink.close();
  return {sink.bytes(), sink.sha256_hex()};
}

// Python's view of the archive (check_zip.py); throws when Python cannot read it at all.
inline nlohmann::json python_zip_report(const std::filesystem::path& zip, bool testzip = true) {
  const auto r = run_capture("python3 " + shell_quote(TOQ_CHECK_ZIP) + " " +
                                 shell_quote(zip.string()) + (testzip ? "" : " --no-testzip"),
                             Stderr::kCapture);
  if (r.status != 0) throw std::runtime_error("check_zip.py failed: " + r.output);
  return nlohmann::json::parse(r.output);
}

// `unzip -t -qq`: exit status 0 when every entry tests fine (CRC, sizes, structure).
inline CommandResult unzip_test(const std::filesystem::path& zip) {
  return run_capture("unzip -t -qq " + shell_quote(zip.string()));
}

// coreutils' opinion of the file's SHA-256.
inline std::string sha256sum(const std::filesystem::path& path) {
  const auto r = run_capture("sha256sum " + shell_quote(path.string()), Stderr::kDiscard);
  return r.status == 0 ? r.output.substr(0, 64) : std::string{};
}

// Forwards every call to the real store; remembers the ids create_multipart returned.
class RecordingMultipart final : public core::MultipartStore {
 public:
  explicit RecordingMultipart(core::MultipartStore& store) : store_(store) {}
  core::Result<std::string> create_multipart(std::string_view key,
                                             const core::PutOptions& options) override {
    auto id = store_.create_multipart(key, options);
    if (id) created.push_back(*id);
    return id;
  }
  core::Result<core::PartInfo> upload_part(std::string_view key, std::string_view upload_id,
                                           int part_number, core::ByteSource& source,
                                           std::optional<std::int64_t> content_length) override {
    ++parts_uploaded;
    return store_.upload_part(key, upload_id, part_number, source, content_length);
  }
  core::Result<std::vector<core::PartInfo>> list_parts(std::string_view key,
                                                       std::string_view upload_id) override {
    return store_.list_parts(key, upload_id);
  }
  core::Result<core::ObjectInfo> complete_multipart(
      std::string_view key, std::string_view upload_id,
      const std::vector<core::CompletedPart>& parts) override {
    return store_.complete_multipart(key, upload_id, parts);
  }
  core::Status abort_multipart(std::string_view key, std::string_view upload_id) override {
    ++aborts;
    return store_.abort_multipart(key, upload_id);
  }

  std::vector<std::string> created;
  int parts_uploaded = 0;
  int aborts = 0;

 private:
  core::MultipartStore& store_;
};

}  // namespace toq::testing
