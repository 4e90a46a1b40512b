#include "net/spare_descriptor.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace apicached::net {

namespace {

int OpenSpare() {
  return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

}  // namespace

SpareDescriptor::SpareDescriptor() : fd_(OpenSpare()) {}

SpareDescriptor::~SpareDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

bool SpareDescriptor::OutOfDescriptors(const boost::system::error_code& ec) {
  return ec == boost::asio::error::no_descriptors || ec.value() == ENFILE;
}

bool SpareDescriptor::AnswerBacklog(
    boost::asio::ip::tcp::acceptor& acceptor, boost::asio::io_context& io,
    const std::function<void(boost::asio::ip::tcp::socket&)>& refuse, size_t max) {
  if (fd_ < 0) fd_ = OpenSpare();  // lost to another thread last time
  boost::system::error_code ec;
  for (size_t i = 0; fd_ >= 0 && i < max; ++i) {
    ::close(fd_);
    boost::asio::ip::tcp::socket next(io);
    acceptor.accept(next, ec);  // non-blocking: would_block once the backlog is empty
    if (!ec) refuse(next);
    fd_ = OpenSpare();
    if (ec) break;
  }
  return fd_ >= 0 && (!ec || ec == boost::asio::error::would_block);
}

}  // namespace apicached::net
