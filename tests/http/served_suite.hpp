#pragma once
// The one fixture for "a real `toq-media serve` on a free port": a suite of HTTP tests derives
// from ServedSuite<Suite> and names the server's environment (TOQ_MEDIA_* overrides) in
// `static std::map<std::string, std::string> server_env()`. The server starts before the suite's
// first test (serve_process.hpp: an ephemeral port, its own data dir, its log kept) and stops
// after the last one, which must be a clean exit with status 0 (under ASan, also no leak or
// error report). Tokens of this server come from api().token(sub, role), made once each.
//
// CTest runs each test in its own process, so in practice every test gets a fresh server; a
// suite run by hand shares one, each test on its own listing.

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "http/media_api_client.hpp"
#include "http/serve_process.hpp"
#include "support/temp_dir.hpp"

namespace toq::testing {

template <class Suite>
class ServedSuite : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    server_ = new ServeProcess(*dir_ / "var", Suite::server_env());
    api_ = new MediaApi(*server_);
  }

  static void TearDownTestSuite() {
    delete api_;
    api_ = nullptr;
    if (const int status = server_->stop(); status != 0) {
      ADD_FAILURE() << "toq-media serve exited with " << status << ":\n" << server_->log_text();
    }
    delete server_;
    server_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }

 protected:
  static ServeProcess& server() { return *server_; }
  static MediaApi& api() { return *api_; }
  // A scratch directory of the suite (the server's data dir is temp_dir() / "var").
  static const TempDir& temp_dir() { return *dir_; }

 private:
  static inline TempDir* dir_ = nullptr;
  static inline ServeProcess* server_ = nullptr;
  static inline MediaApi* api_ = nullptr;
};

}  // namespace toq::testing
