#include "adapter/storage/upload_body.hpp"

#include <exception>

#include "adapter/storage/s3_responses.hpp"

namespace toq::storage {

namespace {

// The body of an authorized PUT streaming into a PendingWrite.
class PendingUpload final : public UploadBody {
 public:
  PendingUpload(std::unique_ptr<PendingWrite> pending, std::int64_t declared, std::string key,
                std::optional<std::string> checksum, support::Params cors, std::string request_id,
                FailureReporter report)
      : pending_(std::move(pending)),
        declared_(declared),
        key_(std::move(key)),
        checksum_(std::move(checksum)),
        cors_(std::move(cors)),
        request_id_(std::move(request_id)),
        report_(std::move(report)) {}

  bool write(std::span<const std::byte> data) override {
    if (failure_) return false;
    try {
      if (received_ + static_cast<std::int64_t>(data.size()) > declared_) {
        fail(error_response({400, "IncompleteBody",
                             "The request body is longer than the Content-Length header says."}));
        return false;
      }
      received_ += static_cast<std::int64_t>(data.size());
      if (auto st = pending_->write(data); !st) {
        fail(write_error(st.error(), key_, request_id_, report_));
        return false;
      }
      return true;
    } catch (const std::exception&) {
      fail(internal_error());
      return false;
    }
  }

  StorageResponse finish(bool complete) override {
    StorageResponse response = finish_inner(complete);
    for (const auto& header : cors_) response.headers.push_back(header);
    stamp_request_id(response, request_id_);
    return response;
  }

 private:
  StorageResponse finish_inner(bool complete) {
    try {
      if (failure_) return std::move(*failure_);
      if (!complete || received_ != declared_) {
        pending_.reset();  // removes the temp file: nothing is stored
        return error_response({400,
                               "IncompleteBody",
                               "You did not provide the number of bytes specified by the "
                               "Content-Length HTTP header.",
                               {{"NumberBytesExpected", std::to_string(declared_)},
                                {"NumberBytesProvided", std::to_string(received_)}}});
      }
      auto info = pending_->commit();
      pending_.reset();
      if (!info) return write_error(info.error(), key_, request_id_, report_);
      StorageResponse response;
      response.status = 200;
      response.headers.emplace_back("ETag", info->etag);
      if (checksum_) response.headers.emplace_back("x-amz-checksum-sha256", *checksum_);
      response.headers.emplace_back("Content-Length", "0");
      return response;
    } catch (const std::exception&) {
      pending_.reset();
      return internal_error();
    }
  }

  void fail(StorageResponse response) {
    failure_ = std::move(response);
    pending_.reset();
  }

  std::unique_ptr<PendingWrite> pending_;
  std::int64_t declared_;
  std::int64_t received_ = 0;
  std::string key_;
  std::optional<std::string> checksum_;
  support::Params cors_;
  std::string request_id_;
  FailureReporter report_;
  std::optional<StorageResponse> failure_;
};

}  // namespace

std::unique_ptr<UploadBody> make_upload_body(std::unique_ptr<PendingWrite> pending,
                                             std::int64_t declared, std::string key,
                                             std::optional<std::string> checksum,
                                             support::Params cors, std::string request_id,
                                             FailureReporter report) {
  return std::make_unique<PendingUpload>(std::move(pending), declared, std::move(key),
                                         std::move(checksum), std::move(cors),
                                         std::move(request_id), std::move(report));
}

}  // namespace toq::storage
