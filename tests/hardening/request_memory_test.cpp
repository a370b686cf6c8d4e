// The probe's amplification request, measured: a 1 MiB manifest of 340,000 empty file entries,
// sent with a valid token to a listing that does not exist, to a listing the caller has no
// business on, and as the listing's own photographer. Every allocation of the process is counted
// (the global operator new below), and the peak of live bytes while the handler parses, checks and
// answers must stay within a small multiple of the body: before the fix it was 2-2.5 GB and a
// 182 MB answer.

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <malloc.h>

#include "core/service/create_upload_batch.hpp"
#include "core/service/register_listing.hpp"

#include "adapter/http/error_mapper.hpp"
#include "adapter/http/handlers/api_handlers.hpp"
#include "storage/storage_test_support.hpp"
#include "support/result_matchers.hpp"
#include "support/test_database.hpp"

namespace {

std::atomic<std::size_t> g_live{0};
std::atomic<std::size_t> g_peak{0};

void note_allocation(void* p) {
  if (p == nullptr) return;
  const std::size_t now = g_live.fetch_add(malloc_usable_size(p)) + malloc_usable_size(p);
  std::size_t peak = g_peak.load();
  while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
  }
}

void* counted_new(std::size_t size) {
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  note_allocation(p);
  return p;
}

void counted_delete(void* p) noexcept {
  if (p == nullptr) return;
  g_live.fetch_sub(malloc_usable_size(p));
  std::free(p);
}

}  // namespace

void* operator new(std::size_t size) {
  return counted_new(size);
}
void* operator new[](std::size_t size) {
  return counted_new(size);
}
void operator delete(void* p) noexcept {
  counted_delete(p);
}
void operator delete[](void* p) noexcept {
  counted_delete(p);
}
void operator delete(void* p, std::size_t /*size*/) noexcept {
  counted_delete(p);
}
void operator delete[](void* p, std::size_t /*size*/) noexcept {
  counted_delete(p);
}

namespace toq::testing {
namespace {

constexpr std::size_t kMiB = 1024 * 1024;

// {"listingIdentityId":N,"files":[{},{},...]} of exactly 1 MiB: about 349,500 entries.
std::string probe_body(std::int64_t listing) {
  std::string body = fmt::format(R"({{"listingIdentityId":{},"files":[{{}})", listing);
  while (body.size() + 5 <= kMiB) body += ",{}";
  body += "]}";
  body.append(kMiB - body.size(), ' ');
  return body;
}

class RequestMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_.emplace(dir_.path(), "media.sqlite3");
    store_ = open_local_store(dir_ / "store", "http://127.0.0.1:9", clock_);
    core::RegisterListing registrar({*database_->get(), clock_});
    must(registrar.upsert({core::Principal{core::UserId{1}, core::Role::kService}, 28, 11, 7,
                           "RESIDENTIAL", "PENDING_PHOTO_PROCESSING"}),
         "listing");
    creator_.emplace(core::CreateUploadBatch::Deps{*database_->get(), *store_, *store_, clock_},
                     core::CreateUploadBatchOptions{});
    services_.create_batch = &*creator_;
  }

  struct Measured {
    http::HttpError answer;
    std::size_t answer_bytes = 0;
    std::size_t peak_bytes = 0;  // live bytes above what was live before the request
  };

  Measured send(const std::string& body, core::Principal caller) {
    // The server moves the body it read into the request (api_routes): the copy is made before
    // the measure starts.
    http::handlers::ApiRequest request;
    request.body = body;
    request.caller = caller;
    const std::size_t before = g_live.load();
    g_peak = before;
    Measured out;
    {
      auto r = http::handlers::handle_create_upload_batch(services_, request);
      EXPECT_FALSE(r.has_value());
      if (!r) {
        out.answer = http::map_error(r.error());
        out.answer_bytes = out.answer.body.dump().size();
      }
    }
    out.peak_bytes = g_peak.load() - before;
    return out;
  }

  TempDir dir_;
  ManualClock clock_{pinned_now()};
  std::optional<TestDatabase> database_;
  std::unique_ptr<storage::LocalObjectStore> store_;
  std::optional<core::CreateUploadBatch> creator_;
  http::handlers::ApiServices services_;
};

TEST_F(RequestMemoryTest, HugeManifestStaysWithinTwiceTheBodyAndAnswersBriefly) {
  const core::Principal photographer{core::UserId{7}, core::Role::kPhotographer};
  const core::Principal client{core::UserId{500}, core::Role::kClient};
  struct Case {
    const char* what;
    std::string body;
    core::Principal caller;
    int status;
  };
  const Case cases[] = {
      {"unknown listing", probe_body(999999), client, 404},
      {"a client on a real listing", probe_body(28), client, 403},
      {"the listing's photographer", probe_body(28), photographer, 400},
  };
  for (const Case& c : cases) {
    ASSERT_EQ(c.body.size(), kMiB);
    const Measured m = send(c.body, c.caller);
    std::printf("%-28s status %d, answer %zu bytes, peak %.2f MiB for a 1 MiB body\n", c.what,
                m.answer.status, m.answer_bytes, static_cast<double>(m.peak_bytes) / kMiB);
    EXPECT_EQ(m.answer.status, c.status) << c.what << ": " << m.answer.body.dump();
    EXPECT_LE(m.peak_bytes, 2 * kMiB) << c.what;
    EXPECT_LE(m.answer_bytes, 32 * 1024U) << c.what;
  }
  const Measured m = send(probe_body(28), photographer);
  const auto& details = m.answer.body.at("details");
  EXPECT_EQ(details.at("fields").size(), core::FieldErrors::kMaxFieldErrors);
  EXPECT_EQ(details.at("fields")[0].at("rule"), "TOO_MANY_FILES");
  const std::string body = probe_body(28);
  std::size_t sent = 0;
  for (auto at = body.find("{}"); at != std::string::npos; at = body.find("{}", at + 2)) ++sent;
  EXPECT_NE(details.at("fields")[0].at("reason").get<std::string>().find(std::to_string(sent)),
            std::string::npos)
      << details.at("fields")[0];
  EXPECT_GT(details.at("omittedFields").get<std::size_t>(), 0U);
}

// Deep nesting and bodies made of tiny values are refused by the reader, within the same bound.
TEST_F(RequestMemoryTest, DeepOrDenseBodiesAreRefusedWithinTheBound) {
  const core::Principal photographer{core::UserId{7}, core::Role::kPhotographer};
  std::string deep = R"({"listingIdentityId":28,"x":)";
  while (deep.size() + 2 < kMiB / 2) deep += "[";
  Measured m = send(deep, photographer);
  EXPECT_EQ(m.answer.status, 400) << m.answer.body.dump();
  EXPECT_LE(m.peak_bytes, 2 * kMiB);

  std::string dense = R"({"listingIdentityId":28,"files":[{"x":[0)";
  while (dense.size() + 10 <= kMiB) dense += ",0";
  dense += "]}]}";
  m = send(dense, photographer);
  EXPECT_EQ(m.answer.status, 400) << m.answer.body.dump();
  EXPECT_LE(m.peak_bytes, 2 * kMiB);
}

}  // namespace
}  // namespace toq::testing
