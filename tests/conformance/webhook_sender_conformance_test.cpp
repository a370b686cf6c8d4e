// The WebhookSender conformance suite on the HTTP sender (adapter/webhook), against
// webhook_receiver.py: a real HTTP server on loopback that records every request before it
// answers as the path says.

#include "conformance/webhook_sender_conformance.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "adapter/webhook/webhook_secret.hpp"
#include "adapter/webhook/webhook_sender.hpp"
#include "support/temp_dir.hpp"
#include "webhook/receiver_process.hpp"

namespace toq::testing {
namespace {

// A loopback port nothing listens on: bound, read, closed.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("bind failed");
  return ntohs(addr.sin_port);
}

class HttpSenderFixture final : public WebhookSenderFixture {
 public:
  explicit HttpSenderFixture(std::string_view secret)
      : secret_(must(webhook::WebhookSecret::parse(secret))),
        receiver_(std::string{secret}, dir_ / "requests.jsonl") {}

  std::unique_ptr<core::WebhookSender> sender(const std::string& path,
                                              std::chrono::milliseconds timeout) override {
    return make(receiver_.url(path), timeout);
  }
  std::unique_ptr<core::WebhookSender> unreachable() override {
    return make("http://127.0.0.1:" + std::to_string(free_port()) + "/hook",
                std::chrono::seconds{15});
  }
  std::string url(const std::string& path) const override { return receiver_.url(path); }

  std::vector<ReceivedWebhook> received() const override {
    std::vector<ReceivedWebhook> out;
    for (const auto& r : receiver_.requests()) {
      ReceivedWebhook got;
      got.method = r.at("method").get<std::string>();
      got.path = r.at("path").get<std::string>();
      for (const auto& [name, value] : r.at("headers").items()) {
        got.headers[name] = value.get<std::string>();
      }
      const auto body = support::base64_decode(r.at("body_b64").get<std::string>());
      if (!body) throw std::runtime_error("the receiver logged a body that is not base64");
      got.body.assign(body->begin(), body->end());
      out.push_back(std::move(got));
    }
    return out;
  }

 private:
  std::unique_ptr<core::WebhookSender> make(const std::string& url,
                                            std::chrono::milliseconds timeout) {
    webhook::WebhookSenderOptions options;
    options.url = url;
    options.total_timeout = timeout;
    return std::make_unique<webhook::HttpWebhookSender>(
        must(webhook::HttpWebhookSender::create(options, secret_)));
  }

  TempDir dir_;
  webhook::WebhookSecret secret_;
  webhook::testing::ReceiverProcess receiver_;
};

struct HttpFactory {
  static constexpr const char* kName = "http";
  std::unique_ptr<WebhookSenderFixture> make(std::string_view secret) {
    return std::make_unique<HttpSenderFixture>(secret);
  }
};

using Adapters = ::testing::Types<HttpFactory>;
INSTANTIATE_TYPED_TEST_SUITE_P(Http, WebhookSenderConformance, Adapters);

}  // namespace
}  // namespace toq::testing
