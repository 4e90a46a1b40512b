// SpareDescriptor: what lets a listener answer when accept() runs out of file descriptors.
//
// When the process has no descriptor left, accept() fails with EMFILE (or ENFILE) and the
// connection stays in the kernel's backlog: the client gets no answer at all, and the listening
// socket stays readable, so accepting again at once spins. A listener keeps one spare descriptor
// (/dev/null) for this: AnswerBacklog frees it, accepts one waiting connection into the freed
// slot, hands it to `refuse` (the front's "busy" answer, written without blocking, then close),
// takes the spare back, and repeats until the backlog is empty.
//
// Thread safety: one listener's thread (the acceptor's).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <functional>

namespace apicached::net {

class SpareDescriptor {
 public:
  SpareDescriptor();  // takes the spare; ok() tells whether that worked
  ~SpareDescriptor();
  SpareDescriptor(const SpareDescriptor&) = delete;
  SpareDescriptor& operator=(const SpareDescriptor&) = delete;

  bool ok() const { return fd_ >= 0; }

  // EMFILE or ENFILE.
  static bool OutOfDescriptors(const boost::system::error_code& ec);

  // After accept() failed for lack of descriptors: refuses up to max waiting connections as
  // described above (their sockets on io). true when the backlog is answered (or max were), so
  // accepting may go on at once; false when the spare could not be taken back or accept failed
  // otherwise: the caller waits a little before accepting again (never spins).
  bool AnswerBacklog(boost::asio::ip::tcp::acceptor& acceptor, boost::asio::io_context& io,
                     const std::function<void(boost::asio::ip::tcp::socket&)>& refuse, size_t max);

 private:
  int fd_ = -1;
};

}  // namespace apicached::net
