#include "support/unique_fd.hpp"

#include <cerrno>

#include <unistd.h>

namespace toq::support {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

UniqueFd::~UniqueFd() {
  reset();
}

int UniqueFd::release() noexcept {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::reset(int fd) noexcept {
  if (fd_ >= 0 && fd_ != fd) ::close(fd_);
  fd_ = fd;
}

int UniqueFd::close() noexcept {
  const int fd = release();
  if (fd >= 0 && ::close(fd) != 0) return errno;
  return 0;
}

}  // namespace toq::support
