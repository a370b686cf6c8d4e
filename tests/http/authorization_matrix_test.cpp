// THE AUTHORIZATION MATRIX, over HTTP against the real `toq-media serve`: every role x every
// route x every listing state (and kind where it matters) with the status the contract gives it.
//
// The table below is written by hand from docs/api-contract.md (and the decisions recorded in
// docs/media_processing_guide.md where the contract is silent), not computed from the code:
// - no token: 401 UNAUTHENTICATED on every route;
// - internal listing PUT/GET: service and admin only (403 otherwise); GET of a missing listing 404;
// - create (photos, RESIDENTIAL): the listing's photographer and admin; 409
//   LISTING_NOT_READY_FOR_UPLOAD unless the listing is PENDING_PHOTO_PROCESSING;
//   create (PROJECT_DOC, DEVELOPMENT): the listing's owner and admin, in any live status;
//   a missing listing is 404 LISTING_NOT_FOUND for every authenticated caller;
// - urls, complete and cancel: the same "who" as create; the listing's status is not re-checked
//   once the batch exists; a missing listing (hence batch) is 404 BATCH_NOT_FOUND;
// - status: the listing's photographer, the listing's owner, admin, service;
// - downloads: the listing's owner and photographer, admin; client only when PUBLISHED; not
//   service;
// - retry: the listing's photographer, the listing's owner, admin, service;
// - the admin routes (batch history, delete, reprocess): admin only, 403 for every other role
//   before anything is looked up (so a missing listing or batch is 404 for admin only);
// - the role-only routes (internal listings, admin) refuse the role before the path or the body is
//   read: 403, not the 400 / 413 an allowed caller gets for the same request (the second test).
// "Another photographer" / "another owner" hold the same role with another user id.
//
// Every cell gets its own listing (and batch) so no cell depends on another. Batches the routes
// need are set up through the API by a caller allowed to (the listing's photographer, or its owner
// for project files), the listing is then moved to the cell's status with the internal PUT, and
// READY / FAILED batches are made by the processing stand-in on the server's own database
// (tests/service/processing_stand_in.hpp; the engine is another issue).

#include <array>
#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http/media_api_client.hpp"
#include "http/served_suite.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {
namespace {

using nlohmann::json;

enum class Route {
  kListingPut,
  kListingGet,
  kCreate,
  kUrls,
  kComplete,
  kCancel,
  kStatus,
  kDownloads,
  kRetry,
  kHistory,
  kDelete,
  kReprocess
};
enum class State { kPendingPhoto, kPendingOwnerApproval, kPublished, kMissing };
enum class Kind { kResidential, kDevelopment };

constexpr std::array<const char*, 8> kRoleNames = {"photographer of the listing",
                                                   "another photographer",
                                                   "owner of the listing",
                                                   "another owner",
                                                   "admin",
                                                   "client",
                                                   "service",
                                                   "no token"};

struct Row {
  Route route;
  State state;
  Kind kind;
  // P (photographer 7), P2 (photographer 8), O (owner 11), O2 (owner 12), A, C, S, none
  std::array<int, 8> expected;
};

constexpr Kind R = Kind::kResidential;
constexpr Kind D = Kind::kDevelopment;
constexpr State PPP = State::kPendingPhoto;
constexpr State POA = State::kPendingOwnerApproval;
constexpr State PUB = State::kPublished;
constexpr State MISSING = State::kMissing;

// clang-format off
constexpr Row kMatrix[] = {
  //  route              state    kind     P    P2   O    O2   A    C    S    none
  {Route::kListingPut,  PPP,     R,     {403, 403, 403, 403, 200, 403, 200, 401}},
  {Route::kListingPut,  POA,     R,     {403, 403, 403, 403, 200, 403, 200, 401}},
  {Route::kListingPut,  PUB,     R,     {403, 403, 403, 403, 200, 403, 200, 401}},
  {Route::kListingPut,  PPP,     D,     {403, 403, 403, 403, 200, 403, 200, 401}},
  {Route::kListingPut,  POA,     D,     {403, 403, 403, 403, 200, 403, 200, 401}},
  {Route::kListingPut,  PUB,     D,     {403, 403, 403, 403, 200, 403, 200, 401}},
  {Route::kListingPut,  MISSING, R,     {403, 403, 403, 403, 200, 403, 200, 401}},

  {Route::kListingGet,  PPP,     R,     {403, 403, 403, 403, 200, 403, 200, 401}},
  {Route::kListingGet,  POA,     R,     {403, 403, 403, 403, 200, 403, 200, 401}},
  {Route::kListingGet,  PUB,     R,     {403, 403, 403, 403, 200, 403, 200, 401}},
  {Route::kListingGet,  PPP,     D,     {403, 403, 403, 403, 200, 403, 200, 401}},
  {Route::kListingGet,  POA,     D,     {403, 403, 403, 403, 200, 403, 200, 401}},
  {Route::kListingGet,  PUB,     D,     {403, 403, 403, 403, 200, 403, 200, 401}},
  {Route::kListingGet,  MISSING, R,     {403, 403, 403, 403, 404, 403, 404, 401}},

  // RESIDENTIAL: a batch of photos; DEVELOPMENT: a batch of PROJECT_DOC files.
  {Route::kCreate,      PPP,     R,     {201, 403, 403, 403, 201, 403, 403, 401}},
  {Route::kCreate,      POA,     R,     {409, 403, 403, 403, 409, 403, 403, 401}},
  {Route::kCreate,      PUB,     R,     {409, 403, 403, 403, 409, 403, 403, 401}},
  {Route::kCreate,      PPP,     D,     {403, 403, 201, 403, 201, 403, 403, 401}},
  {Route::kCreate,      POA,     D,     {403, 403, 201, 403, 201, 403, 403, 401}},
  {Route::kCreate,      PUB,     D,     {403, 403, 201, 403, 201, 403, 403, 401}},
  {Route::kCreate,      MISSING, R,     {404, 404, 404, 404, 404, 404, 404, 401}},

  {Route::kUrls,        PPP,     R,     {200, 403, 403, 403, 200, 403, 403, 401}},
  {Route::kUrls,        POA,     R,     {200, 403, 403, 403, 200, 403, 403, 401}},
  {Route::kUrls,        PUB,     R,     {200, 403, 403, 403, 200, 403, 403, 401}},
  {Route::kUrls,        PPP,     D,     {403, 403, 200, 403, 200, 403, 403, 401}},
  {Route::kUrls,        POA,     D,     {403, 403, 200, 403, 200, 403, 403, 401}},
  {Route::kUrls,        PUB,     D,     {403, 403, 200, 403, 200, 403, 403, 401}},
  {Route::kUrls,        MISSING, R,     {404, 404, 404, 404, 404, 404, 404, 401}},

  {Route::kComplete,    PPP,     R,     {202, 403, 403, 403, 202, 403, 403, 401}},
  {Route::kComplete,    POA,     R,     {202, 403, 403, 403, 202, 403, 403, 401}},
  {Route::kComplete,    PUB,     R,     {202, 403, 403, 403, 202, 403, 403, 401}},
  {Route::kComplete,    PPP,     D,     {403, 403, 202, 403, 202, 403, 403, 401}},
  {Route::kComplete,    POA,     D,     {403, 403, 202, 403, 202, 403, 403, 401}},
  {Route::kComplete,    PUB,     D,     {403, 403, 202, 403, 202, 403, 403, 401}},
  {Route::kComplete,    MISSING, R,     {404, 404, 404, 404, 404, 404, 404, 401}},

  {Route::kCancel,      PPP,     R,     {200, 403, 403, 403, 200, 403, 403, 401}},
  {Route::kCancel,      POA,     R,     {200, 403, 403, 403, 200, 403, 403, 401}},
  {Route::kCancel,      PUB,     R,     {200, 403, 403, 403, 200, 403, 403, 401}},
  {Route::kCancel,      PPP,     D,     {403, 403, 200, 403, 200, 403, 403, 401}},
  {Route::kCancel,      POA,     D,     {403, 403, 200, 403, 200, 403, 403, 401}},
  {Route::kCancel,      PUB,     D,     {403, 403, 200, 403, 200, 403, 403, 401}},
  {Route::kCancel,      MISSING, R,     {404, 404, 404, 404, 404, 404, 404, 401}},

  {Route::kStatus,      PPP,     R,     {200, 403, 200, 403, 200, 403, 200, 401}},
  {Route::kStatus,      POA,     R,     {200, 403, 200, 403, 200, 403, 200, 401}},
  {Route::kStatus,      PUB,     R,     {200, 403, 200, 403, 200, 403, 200, 401}},
  {Route::kStatus,      PPP,     D,     {200, 403, 200, 403, 200, 403, 200, 401}},
  {Route::kStatus,      POA,     D,     {200, 403, 200, 403, 200, 403, 200, 401}},
  {Route::kStatus,      PUB,     D,     {200, 403, 200, 403, 200, 403, 200, 401}},
  {Route::kStatus,      MISSING, R,     {404, 404, 404, 404, 404, 404, 404, 401}},

  {Route::kDownloads,   PPP,     R,     {200, 403, 200, 403, 200, 403, 403, 401}},
  {Route::kDownloads,   POA,     R,     {200, 403, 200, 403, 200, 403, 403, 401}},
  {Route::kDownloads,   PUB,     R,     {200, 403, 200, 403, 200, 200, 403, 401}},
  {Route::kDownloads,   PPP,     D,     {200, 403, 200, 403, 200, 403, 403, 401}},
  {Route::kDownloads,   POA,     D,     {200, 403, 200, 403, 200, 403, 403, 401}},
  {Route::kDownloads,   PUB,     D,     {200, 403, 200, 403, 200, 200, 403, 401}},
  {Route::kDownloads,   MISSING, R,     {404, 404, 404, 404, 404, 404, 404, 401}},

  {Route::kRetry,       PPP,     R,     {202, 403, 202, 403, 202, 403, 202, 401}},
  {Route::kRetry,       POA,     R,     {202, 403, 202, 403, 202, 403, 202, 401}},
  {Route::kRetry,       PUB,     R,     {202, 403, 202, 403, 202, 403, 202, 401}},
  {Route::kRetry,       PPP,     D,     {202, 403, 202, 403, 202, 403, 202, 401}},
  {Route::kRetry,       POA,     D,     {202, 403, 202, 403, 202, 403, 202, 401}},
  {Route::kRetry,       PUB,     D,     {202, 403, 202, 403, 202, 403, 202, 401}},
  {Route::kRetry,       MISSING, R,     {404, 404, 404, 404, 404, 404, 404, 401}},

  {Route::kHistory,     PPP,     R,     {403, 403, 403, 403, 200, 403, 403, 401}},
  {Route::kHistory,     MISSING, R,     {403, 403, 403, 403, 404, 403, 403, 401}},
  {Route::kDelete,      POA,     R,     {403, 403, 403, 403, 200, 403, 403, 401}},
  {Route::kDelete,      MISSING, R,     {403, 403, 403, 403, 404, 403, 403, 401}},
  {Route::kReprocess,   POA,     R,     {403, 403, 403, 403, 202, 403, 403, 401}},
  {Route::kReprocess,   MISSING, R,     {403, 403, 403, 403, 404, 403, 403, 401}},
};
// clang-format on

const char* name(Route r) {
  switch (r) {
    case Route::kListingPut: return "PUT internal/listings";
    case Route::kListingGet: return "GET internal/listings";
    case Route::kCreate: return "uploads";
    case Route::kUrls: return "uploads/urls";
    case Route::kComplete: return "uploads/complete";
    case Route::kCancel: return "uploads/cancel";
    case Route::kStatus: return "status";
    case Route::kDownloads: return "downloads";
    case Route::kRetry: return "uploads/retry";
    case Route::kHistory: return "admin batches";
    case Route::kDelete: return "admin batches/delete";
    case Route::kReprocess: return "admin batches/reprocess";
  }
  return "?";
}

const char* status_text(State s) {
  switch (s) {
    case State::kPendingPhoto: return "PENDING_PHOTO_PROCESSING";
    case State::kPendingOwnerApproval: return "PENDING_OWNER_APPROVAL";
    case State::kPublished: return "PUBLISHED";
    case State::kMissing: return "(no listing)";
  }
  return "?";
}

// The error code each refusal status stands for, on each route.
std::string expected_code(Route route, int status) {
  switch (status) {
    case 401: return "UNAUTHENTICATED";
    case 403: return "FORBIDDEN";
    case 409: return "LISTING_NOT_READY_FOR_UPLOAD";
    case 404:
      return route == Route::kUrls || route == Route::kComplete || route == Route::kCancel ||
                     route == Route::kRetry || route == Route::kDelete || route == Route::kReprocess
                 ? "BATCH_NOT_FOUND"
                 : "LISTING_NOT_FOUND";
    default: return {};
  }
}

class AuthorizationMatrixTest : public ServedSuite<AuthorizationMatrixTest> {
 public:
  // The stand-in engine records results itself (processing_stand_in.hpp): no workers.
  static std::map<std::string, std::string> server_env() {
    return {{"TOQ_MEDIA_PROCESSING_START_WORKERS", "false"}};
  }

 protected:
  static const std::string& bearer(std::size_t role) {
    switch (role) {
      case 0: return api().token(7, "photographer");
      case 1: return api().token(8, "photographer");
      case 2: return api().token(11, "owner");
      case 3: return api().token(12, "owner");
      case 4: return api().token(1, "admin");
      case 5: return api().token(500, "client");
      case 6: return api().token(2, "service");
      default: return api().token(0, "");
    }
  }

  static std::vector<UploadFile> files_for(Kind kind) {
    if (kind == Kind::kDevelopment) {
      return {{"p-1", "PROJECT_DOC", test_bytes(1500, 'p'), 1}};
    }
    return {{"f-1", "PHOTO_HORIZONTAL", test_bytes(1200, 'f'), 1}};
  }
  static const std::string& uploader(Kind kind) {
    return kind == Kind::kDevelopment ? api().token(11, "owner") : api().token(7, "photographer");
  }
  static const char* kind_text(Kind kind) {
    return kind == Kind::kDevelopment ? "DEVELOPMENT" : "RESIDENTIAL";
  }

  // Sets up the world a cell needs and makes the one call under test.
  static ApiReply run_cell(const Row& row, std::size_t role, std::int64_t listing) {
    const std::string& token = bearer(role);
    const auto files = files_for(row.kind);
    const std::string kind = kind_text(row.kind);
    const std::string final_status = status_text(row.state);
    const bool missing = row.state == State::kMissing;
    constexpr std::int64_t kNoBatch = 987654321;
    const std::string path = "/api/v2/internal/listings/" + std::to_string(listing);
    // Registers the listing so the uploader may open a batch, then moves it to the cell's status.
    auto open_listing = [&] {
      api().register_listing(
          listing, kind,
          row.kind == Kind::kDevelopment ? final_status : "PENDING_PHOTO_PROCESSING");
    };
    auto settle = [&] { api().register_listing(listing, kind, final_status); };

    switch (row.route) {
      case Route::kListingPut: {
        if (!missing) api().register_listing(listing, kind, final_status);
        const json body = {{"ownerId", 11},
                           {"photographerId", 7},
                           {"kind", kind},
                           {"status", missing ? "PENDING_PHOTO_PROCESSING" : final_status}};
        return api().call("PUT", path, body, token);
      }
      case Route::kListingGet:
        if (!missing) api().register_listing(listing, kind, final_status);
        return api().call("GET", path, std::nullopt, token);
      case Route::kCreate:
        if (!missing) api().register_listing(listing, kind, final_status);
        return api().create(listing, files, token);
      case Route::kUrls:
      case Route::kComplete:
      case Route::kCancel: {
        std::int64_t batch = kNoBatch;
        if (!missing) {
          open_listing();
          auto created = api().create(listing, files, uploader(row.kind));
          if (created.raw.status != 201) throw std::runtime_error(created.raw.body);
          batch = created.body.at("batchId");
          MediaApi::upload_singles(created.body, files);
          settle();
        }
        if (row.route == Route::kUrls) {
          return api().post("/api/v2/listings/media/uploads/urls",
                            {{"listingIdentityId", listing}, {"batchId", batch}}, token);
        }
        if (row.route == Route::kCancel) {
          return api().post("/api/v2/listings/media/uploads/cancel",
                            {{"listingIdentityId", listing}, {"batchId", batch}}, token);
        }
        return api().complete(listing, batch, token);
      }
      case Route::kStatus:
      case Route::kDownloads:
      case Route::kRetry:
      case Route::kHistory:
      case Route::kDelete:
      case Route::kReprocess: {
        std::int64_t batch = kNoBatch;
        if (!missing) {
          open_listing();
          batch = api().completed_batch(listing, files, uploader(row.kind));
          // READY for downloads and delete, FAILED for the others.
          StandInOptions outcome;
          if (row.route != Route::kDownloads && row.route != Route::kDelete) {
            outcome.failed_client_ids = {files[0].client_id};
          }
          api().process(batch, outcome);
          settle();
        }
        const json query = {{"listingIdentityId", listing}};
        if (row.route == Route::kStatus) {
          return api().post("/api/v2/listings/media/status", query, token);
        }
        if (row.route == Route::kDownloads) {
          return api().post("/api/v2/listings/media/downloads", query, token);
        }
        const json ref = {{"listingIdentityId", listing}, {"batchId", batch}};
        if (row.route == Route::kHistory) {
          return api().post("/api/v2/admin/listings/media/batches", query, token);
        }
        if (row.route == Route::kDelete) {
          return api().post("/api/v2/admin/listings/media/batches/delete", ref, token);
        }
        if (row.route == Route::kReprocess) {
          return api().post("/api/v2/admin/listings/media/batches/reprocess", ref, token);
        }
        return api().post("/api/v2/listings/media/uploads/retry",
                          {{"listingIdentityId", listing}, {"batchId", batch}}, token);
      }
    }
    throw std::logic_error("unknown route");
  }
};

TEST_F(AuthorizationMatrixTest, EveryRoleEveryRouteEveryListingState) {
  std::int64_t next_listing = 10000;
  int checked = 0;
  int mismatches = 0;
  for (const Row& row : kMatrix) {
    for (std::size_t role = 0; role < kRoleNames.size(); ++role) {
      const int expected = row.expected[role];
      const std::int64_t listing = next_listing++;
      ApiReply reply;
      try {
        reply = run_cell(row, role, listing);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "setup failed for " << name(row.route) << " / " << status_text(row.state)
                      << " / " << kind_text(row.kind) << " / " << kRoleNames[role] << ": "
                      << e.what();
        ++mismatches;
        continue;
      }
      ++checked;
      const std::string cell =
          fmt::format("{} | {} {} | {} (listing {})", name(row.route), kind_text(row.kind),
                      status_text(row.state), kRoleNames[role], listing);
      if (reply.raw.status != expected) ++mismatches;
      EXPECT_EQ(reply.raw.status, expected) << cell << ": " << reply.raw.body;
      const std::string code = expected_code(row.route, expected);
      if (!code.empty() && reply.raw.status == expected) {
        EXPECT_TRUE(reply.body.is_object()) << cell;
        if (reply.body.is_object()) {
          EXPECT_EQ(reply.body.value("code", ""), code) << cell;
        }
      }
    }
  }
  const int rows = static_cast<int>(std::size(kMatrix));
  std::printf("authorization matrix: %d cells checked (%d rows x %zu roles), %d mismatches\n",
              checked, rows, kRoleNames.size(), mismatches);
  EXPECT_EQ(checked, rows * static_cast<int>(kRoleNames.size()));
}

// The routes whose right is the role alone (the internal listing routes: service and admin; the
// admin routes: admin) check it before the path or the body: a caller without the role gets 403
// FORBIDDEN whatever it sent, never the 400 or 413 an allowed caller gets for the same request.
TEST_F(AuthorizationMatrixTest, RoleOnlyRoutesRefuseTheRoleBeforeLookingAtPathOrBody) {
  struct Case {
    const char* what;
    const char* method;
    std::string path;
    std::optional<json> body;
    bool admin_only;
    int allowed_status;  // what service / admin get
  };
  const std::string listing = "/api/v2/internal/listings/";
  const std::string admin = "/api/v2/admin/listings/media/batches";
  // Over server.maxBodyBytes (1 MiB by default).
  const json huge = std::string(std::size_t{2} << 20, 'x');
  const json good_listing = {
      {"ownerId", 11}, {"photographerId", 7}, {"kind", "RESIDENTIAL"}, {"status", "PUBLISHED"}};
  const std::vector<Case> cases = {
      {"PUT listing, body not an object", "PUT", listing + "9001", json::array(), false, 400},
      {"PUT listing, bad fields", "PUT", listing + "9001", json{{"ownerId", "x"}}, false, 400},
      {"PUT listing, bad id in the path", "PUT", listing + "abc", good_listing, false, 400},
      {"PUT listing, body over the limit", "PUT", listing + "9001", huge, false, 413},
      {"GET listing, bad id in the path", "GET", listing + "abc", std::nullopt, false, 400},
      {"history, body not an object", "POST", admin, json::array(), true, 400},
      {"history, bad fields", "POST", admin, json{{"listingIdentityId", "x"}}, true, 400},
      {"history, body over the limit", "POST", admin, huge, true, 413},
      {"delete, bad fields", "POST", admin + "/delete", json{{"batchId", -1}}, true, 400},
      {"delete, body over the limit", "POST", admin + "/delete", huge, true, 413},
      {"reprocess, bad fields", "POST", admin + "/reprocess", json{{"batchId", "x"}}, true, 400},
      {"reprocess, body over the limit", "POST", admin + "/reprocess", huge, true, 413},
  };
  constexpr std::size_t kAdmin = 4;
  constexpr std::size_t kService = 6;
  constexpr std::size_t kNoToken = 7;
  for (const Case& c : cases) {
    for (std::size_t role = 0; role < kRoleNames.size(); ++role) {
      const bool allowed = role == kAdmin || (role == kService && !c.admin_only);
      const int expected = role == kNoToken ? 401 : allowed ? c.allowed_status : 403;
      const auto reply = api().call(c.method, c.path, c.body, bearer(role));
      EXPECT_EQ(reply.raw.status, expected)
          << c.what << " | " << kRoleNames[role] << ": " << reply.raw.body;
      if (expected == 403 && reply.body.is_object()) {
        EXPECT_EQ(reply.body.value("code", ""), "FORBIDDEN") << c.what << " | " << kRoleNames[role];
      }
    }
  }
}

}  // namespace
}  // namespace toq::testing
