#pragma once
// How many connections the server holds: at most `total`, and at most `per_client` from one
// client address. Thread-safe; a slot is taken when a connection is accepted and given back when
// it closes (ConnectionLimits::Slot, RAII).
//
// At a cap the connection is still accepted (so the client is not left waiting in the kernel's
// backlog), answered 503 with Retry-After, and closed: see http_server.hpp.

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace toq::http {

class ConnectionLimits {
 public:
  enum class Refusal : unsigned char { kNone, kTotal, kPerClient };

  // Owns one slot while alive; empty when the connection was refused.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();
    explicit operator bool() const { return owner_ != nullptr; }

   private:
    friend class ConnectionLimits;
    Slot(ConnectionLimits* owner, std::string client) : owner_(owner), client_(std::move(client)) {}
    void release();
    ConnectionLimits* owner_ = nullptr;
    std::string client_;
  };

  ConnectionLimits(std::size_t total, std::size_t per_client);

  // A slot for a connection from `client`, or why not (the slot is then empty).
  Slot acquire(const std::string& client, Refusal& refusal);

  std::size_t open() const;
  std::size_t open_from(const std::string& client) const;
  std::size_t total() const { return total_; }
  std::size_t per_client() const { return per_client_; }

 private:
  void release(const std::string& client);

  const std::size_t total_;
  const std::size_t per_client_;
  mutable std::mutex mutex_;
  std::size_t open_ = 0;
  std::unordered_map<std::string, std::size_t> by_client_;
};

}  // namespace toq::http
