#pragma once
// An owning POSIX file descriptor: closed when the owner goes away, movable, never copied.

namespace toq::support {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives up ownership: the caller closes the descriptor.
  int release() noexcept;
  // Closes the descriptor held (if any) and takes `fd`.
  void reset(int fd = -1) noexcept;
  // close(2) now: 0, or the errno of a failed close (after writes, that can mean lost data).
  int close() noexcept;

 private:
  int fd_ = -1;
};

}  // namespace toq::support
