// The S3 adapter over a misbehaving store, for every operation the service sends: the real s3rver
// behind a fault proxy that answers 500, 503 or slowly (tests/support/s3_fault_proxy.hpp). A fault
// that lasts ends in STORE_UNAVAILABLE after the retry budget, with the store unchanged (an
// answered 500 or 503 never reached it); a fault that passes is retried and the operation takes
// effect exactly as without it.

#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hardening/s3_fault_support.hpp"
#include "support/result_matchers.hpp"

namespace toq::testing {
namespace {

using core::ErrorCode;

class S3StoreFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    TOQ_REQUIRE_S3_TARGET();
    world_.emplace();
  }

  std::string key(std::string_view name) {
    return s3_target().run_prefix + "store-faults/" + std::to_string(++serial_) + "/" +
           std::string{name};
  }

  // One operation of the store, prepared afresh for each run (its own key, its own upload).
  struct Case {
    S3Op op;
    // Sets up what the operation needs, through s3rver directly; returns the key it works on.
    std::function<std::string()> prepare;
    std::function<core::Status(const std::string&)> call;
    // What s3rver holds when the operation did not happen / did.
    std::function<void(const std::string&)> unchanged;
    std::function<void(const std::string&)> done;
    // s3rver's own answer once the fault has passed (ListParts and AbortMultipartUpload are not
    // implemented by s3rver: 405 MethodNotAllowed, which proves the retry reached it).
    std::optional<ErrorCode> healthy_error = std::nullopt;
    // The operation has no time limit of its own (CompleteMultipartUpload: S3 may assemble for
    // minutes before its first byte), so a slow answer is waited for, not retried.
    bool waits_for_slow_answers = false;
  };

  // Each fault, lasting: STORE_UNAVAILABLE after every attempt, nothing changed (500 / 503 never
  // reach s3rver). Then SlowDown twice and a slow answer once: retried, and done.
  void run_case(const Case& c) {
    SCOPED_TRACE(std::string{to_string(c.op)});
    auto& proxy = world_->proxy();
    for (const S3Fault fault : {S3Fault::kInternalError, S3Fault::kSlowDown, S3Fault::kSlow}) {
      SCOPED_TRACE(static_cast<int>(fault));
      const std::string k = c.prepare();
      const int faulted = proxy.faulted(c.op);
      const int forwarded = proxy.forwarded(c.op);
      proxy.inject(c.op, fault);
      auto r = c.call(k);
      proxy.clear();
      if (fault == S3Fault::kSlow && c.waits_for_slow_answers) {
        ASSERT_TRUE(r.has_value()) << r.error().message;
        EXPECT_EQ(proxy.faulted(c.op) - faulted, 1) << "one attempt, waited for";
        c.done(k);
        continue;
      }
      ASSERT_TRUE(fails_with(r, ErrorCode::kStoreUnavailable));
      EXPECT_FALSE(r.error().message.empty());
      EXPECT_EQ(proxy.faulted(c.op) - faulted, kStoreAttempts) << "every attempt was made";
      if (fault != S3Fault::kSlow) {
        EXPECT_EQ(proxy.forwarded(c.op), forwarded) << "an answered fault never reaches the store";
        c.unchanged(k);
      }
    }
    for (const auto& [fault, times] :
         std::vector<std::pair<S3Fault, int>>{{S3Fault::kSlowDown, 2}, {S3Fault::kSlow, 1}}) {
      SCOPED_TRACE(static_cast<int>(fault));
      const std::string k = c.prepare();
      const int forwarded = proxy.forwarded(c.op);
      proxy.inject(c.op, fault, times);
      auto r = c.call(k);
      proxy.clear();
      if (c.healthy_error) {
        ASSERT_TRUE(fails_with(r, *c.healthy_error));
        EXPECT_NE(r.error().message.find("MethodNotAllowed"), std::string::npos);
      } else {
        ASSERT_TRUE(r.has_value()) << r.error().message;
        c.done(k);
      }
      EXPECT_GE(proxy.forwarded(c.op) - forwarded, 1) << "the retry reached the store";
    }
  }

  // A multipart upload with one part, through s3rver directly: its id and the part.
  std::pair<std::string, core::CompletedPart> upload_with_part(const std::string& k) {
    auto& direct = world_->direct();
    auto id = must(direct.create_multipart(k, {}), "create multipart");
    support::MemorySource part{"one part"};
    auto info = must(direct.upload_part(k, id, 1, part, 8), "upload part");
    return {id, core::CompletedPart{1, info.etag}};
  }

  std::optional<S3FaultWorld> world_;
  int serial_ = 0;
};

TEST_F(S3StoreFaults, PutObject) {
  run_case({.op = S3Op::kPutObject,
            .prepare = [&] { return key("put"); },
            .call = [&](const std::string& k) -> core::Status {
              support::MemorySource body{"fresh bytes"};
              auto r = world_->faulty().put(k, body, {});
              if (!r) return std::unexpected(r.error());
              return {};
            },
            .unchanged = [&](const std::string& k) { EXPECT_FALSE(world_->exists(k)); },
            .done = [&](const std::string& k) { EXPECT_EQ(world_->text(k), "fresh bytes"); }});
}

TEST_F(S3StoreFaults, GetObject) {
  run_case({.op = S3Op::kGetObject,
            .prepare =
                [&] {
                  auto k = key("get");
                  world_->put_text(k, "stored bytes");
                  return k;
                },
            .call = [&](const std::string& k) -> core::Status {
              support::BufferSink sink;
              auto r = world_->faulty().get(k, sink);
              if (!r) return std::unexpected(r.error());
              EXPECT_EQ(sink.bytes, "stored bytes");
              return {};
            },
            .unchanged = [&](const std::string& k) { EXPECT_EQ(world_->text(k), "stored bytes"); },
            .done = [&](const std::string& k) { EXPECT_EQ(world_->text(k), "stored bytes"); }});
}

TEST_F(S3StoreFaults, HeadObject) {
  run_case({.op = S3Op::kHeadObject,
            .prepare =
                [&] {
                  auto k = key("head");
                  world_->put_text(k, "12345");
                  return k;
                },
            .call = [&](const std::string& k) -> core::Status {
              auto r = world_->faulty().head(k);
              if (!r) return std::unexpected(r.error());
              EXPECT_EQ(r->has_value() ? (*r)->size : -1, 5);
              return {};
            },
            .unchanged = [&](const std::string& k) { EXPECT_TRUE(world_->exists(k)); },
            .done = [&](const std::string& k) { EXPECT_TRUE(world_->exists(k)); }});
}

TEST_F(S3StoreFaults, DeleteObjects) {
  run_case({.op = S3Op::kDeleteObjects,
            .prepare =
                [&] {
                  auto k = key("delete");
                  world_->put_text(k, "doomed");
                  return k;
                },
            .call = [&](const std::string& k) { return world_->faulty().remove({k}); },
            .unchanged = [&](const std::string& k) { EXPECT_TRUE(world_->exists(k)); },
            .done = [&](const std::string& k) { EXPECT_FALSE(world_->exists(k)); }});
}

TEST_F(S3StoreFaults, CreateMultipartUpload) {
  std::string created;
  run_case({.op = S3Op::kCreateMultipartUpload,
            .prepare = [&] { return key("create"); },
            .call = [&](const std::string& k) -> core::Status {
              auto r = world_->faulty().create_multipart(k, {});
              if (!r) return std::unexpected(r.error());
              created = *r;
              return {};
            },
            .unchanged = [&](const std::string& k) { EXPECT_FALSE(world_->exists(k)); },
            .done =
                [&](const std::string& k) {
                  // The id is s3rver's: a part goes in under it and the upload completes.
                  support::MemorySource part{"after a retry"};
                  auto etag = must(world_->direct().upload_part(k, created, 1, part, 13)).etag;
                  must(world_->direct().complete_multipart(k, created, {{1, etag}}));
                  EXPECT_EQ(world_->text(k), "after a retry");
                }});
}

TEST_F(S3StoreFaults, UploadPart) {
  std::string upload_id;
  std::string etag;
  run_case({.op = S3Op::kUploadPart,
            .prepare =
                [&] {
                  auto k = key("part");
                  upload_id = must(world_->direct().create_multipart(k, {}));
                  return k;
                },
            .call = [&](const std::string& k) -> core::Status {
              support::MemorySource part{"part bytes"};
              auto r = world_->faulty().upload_part(k, upload_id, 1, part, 10);
              if (!r) return std::unexpected(r.error());
              etag = r->etag;
              return {};
            },
            .unchanged = [&](const std::string& k) { EXPECT_FALSE(world_->exists(k)); },
            .done =
                [&](const std::string& k) {
                  must(world_->direct().complete_multipart(k, upload_id, {{1, etag}}));
                  EXPECT_EQ(world_->text(k), "part bytes");
                }});
}

TEST_F(S3StoreFaults, CompleteMultipartUpload) {
  core::CompletedPart part;
  std::string upload_id;
  run_case({.op = S3Op::kCompleteMultipartUpload,
            .prepare =
                [&] {
                  auto k = key("complete");
                  std::tie(upload_id, part) = upload_with_part(k);
                  return k;
                },
            .call = [&](const std::string& k) -> core::Status {
              auto r = world_->faulty().complete_multipart(k, upload_id, {part});
              if (!r) return std::unexpected(r.error());
              return {};
            },
            .unchanged = [&](const std::string& k) { EXPECT_FALSE(world_->exists(k)); },
            .done = [&](const std::string& k) { EXPECT_EQ(world_->text(k), "one part"); },
            .waits_for_slow_answers = true});
}

TEST_F(S3StoreFaults, AbortMultipartUpload) {
  std::string upload_id;
  run_case(
      {.op = S3Op::kAbortMultipartUpload,
       .prepare =
           [&] {
             auto k = key("abort");
             upload_id = upload_with_part(k).first;
             return k;
           },
       .call = [&](const std::string& k) { return world_->faulty().abort_multipart(k, upload_id); },
       .unchanged = [&](const std::string& k) { EXPECT_FALSE(world_->exists(k)); },
       .done = [](const std::string&) {},
       .healthy_error = ErrorCode::kStorageError});
}

TEST_F(S3StoreFaults, ListParts) {
  std::string upload_id;
  run_case({.op = S3Op::kListParts,
            .prepare =
                [&] {
                  auto k = key("list");
                  upload_id = upload_with_part(k).first;
                  return k;
                },
            .call = [&](const std::string& k) -> core::Status {
              auto r = world_->faulty().list_parts(k, upload_id);
              if (!r) return std::unexpected(r.error());
              return {};
            },
            .unchanged = [&](const std::string& k) { EXPECT_FALSE(world_->exists(k)); },
            .done = [](const std::string&) {},
            .healthy_error = ErrorCode::kStorageError});
}

}  // namespace
}  // namespace toq::testing
