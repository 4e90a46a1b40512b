// AsyncReadDrained: an asynchronous read of a plain TCP socket that tells Asio's reactor when it
// drained the socket, so that the next read waits for the socket's next event instead of first
// trying a recv() that can only fail with EAGAIN.
//
// Why: Boost 1.74's reactor (epoll, edge-triggered) tries every new read at once ("speculative")
// unless the last read of the socket was marked "exhausted", and its socket read marks that only
// at the end of the stream (0 bytes). So on a request/response connection each request cost two
// recv() calls: the one that returned it and, once the answer was sent, one that returned EAGAIN
// because the client had not sent the next request yet (0.93 of the 1.97 recvmsg per memcached
// SET, measured with perf's syscall tracepoints). A system call costs 1-2 us on the machines
// this project runs on (docs/benchmarks.md, "System calls per request"). This op marks a read
// that returned less than its buffer as exhausted, as nginx clears its "ready" flag after a short
// read (Asio's own op still marks only 0-byte reads, in the later versions looked at too): such a
// read emptied the socket's receive queue, and data that arrives after it is a new edge, which
// the reactor sees and which lets the next read try at once again. The reactor keeps the flag
// under the descriptor's lock, so an event between two reads is never lost.
//
// The op is Boost 1.74's reactive_socket_recv_op for one buffer with that one difference, started
// the way reactive_socket_service_base::async_receive starts it. It uses Asio's detail namespace,
// so it is built only for the Boost series it was written against, with the epoll reactor;
// elsewhere AsyncReadDrained is the socket's async_read_some.
//
// Usage: AsyncReadDrained(socket, data, size, handler), handler(const error_code&, size_t), as
// socket.async_read_some(boost::asio::buffer(data, size), handler). Closing the socket aborts a
// pending read (operation_aborted), as for async_read_some. size must be at least 1.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/version.hpp>
#include <cstddef>
#include <utility>

#if BOOST_VERSION / 100 == 1074 && defined(BOOST_ASIO_HAS_EPOLL)
#define APICACHED_DRAINED_READ 1
#include <boost/asio/detail/bind_handler.hpp>
#include <boost/asio/detail/fenced_block.hpp>
#include <boost/asio/detail/handler_alloc_helpers.hpp>
#include <boost/asio/detail/handler_cont_helpers.hpp>
#include <boost/asio/detail/handler_work.hpp>
#include <boost/asio/detail/memory.hpp>
#include <boost/asio/detail/reactor.hpp>
#include <boost/asio/detail/reactor_op.hpp>
#include <boost/asio/detail/socket_ops.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>
#else
#define APICACHED_DRAINED_READ 0
#endif

namespace apicached::net {

#if APICACHED_DRAINED_READ
namespace drained_read_detail {

namespace ad = boost::asio::detail;

template <typename Handler, typename IoExecutor>
class ReadOp : public ad::reactor_op {
 public:
  BOOST_ASIO_DEFINE_HANDLER_PTR(ReadOp);

  ReadOp(ad::socket_type socket, void* data, std::size_t size, Handler& handler,
         const IoExecutor& io_ex)
      : ad::reactor_op(boost::system::error_code(), &ReadOp::DoPerform, &ReadOp::DoComplete),
        socket_(socket),
        data_(data),
        size_(size),
        handler_(std::move(handler)),
        work_(handler_, io_ex) {}

  static status DoPerform(ad::reactor_op* base) {
    auto* o = static_cast<ReadOp*>(base);
    if (!ad::socket_ops::non_blocking_recv1(o->socket_, o->data_, o->size_, 0,
                                            /*is_stream=*/true, o->ec_, o->bytes_transferred_)) {
      return not_done;  // EAGAIN: wait for the socket's next event
    }
    // Less than asked (the end of the stream and errors included): the queue is empty now.
    return o->bytes_transferred_ < o->size_ ? done_and_exhausted : done;
  }

  static void DoComplete(void* owner, ad::operation* base, const boost::system::error_code&,
                         std::size_t) {
    auto* o = static_cast<ReadOp*>(base);
    ptr p = {boost::asio::detail::addressof(o->handler_), o, o};
    ad::handler_work<Handler, IoExecutor> w(std::move(o->work_));
    // The handler is moved out before the op's memory is freed (it may own that memory).
    ad::binder2<Handler, boost::system::error_code, std::size_t> handler(o->handler_, o->ec_,
                                                                         o->bytes_transferred_);
    p.h = boost::asio::detail::addressof(handler.handler_);
    p.reset();
    if (owner) {
      ad::fenced_block b(ad::fenced_block::half);
      w.complete(handler, handler.handler_);
    }
  }

 private:
  ad::socket_type socket_;
  void* data_;
  std::size_t size_;
  Handler handler_;
  ad::handler_work<Handler, IoExecutor> work_;
};

// Names basic_socket's protected implementation (the native socket, its state and the
// reactor's per-descriptor data) through a pointer to member, which any socket object accepts.
template <typename Socket>
struct ImplOf : Socket {
  static auto& Get(Socket& socket) { return (socket.*(&ImplOf::impl_)).get_implementation(); }
};

}  // namespace drained_read_detail

template <typename Socket, typename Handler>
void AsyncReadDrained(Socket& socket, void* data, std::size_t size, Handler handler) {
  namespace ad = boost::asio::detail;
  using IoExecutor = typename Socket::executor_type;
  using Op = drained_read_detail::ReadOp<Handler, IoExecutor>;
  auto& impl = drained_read_detail::ImplOf<Socket>::Get(socket);
  auto& reactor = boost::asio::use_service<ad::reactor>(
      boost::asio::query(socket.get_executor(), boost::asio::execution::context));
  const bool is_continuation = boost_asio_handler_cont_helpers::is_continuation(handler);
  typename Op::ptr p = {boost::asio::detail::addressof(handler), Op::ptr::allocate(handler), 0};
  p.p = new (p.v) Op(impl.socket_, data, size, handler, socket.get_executor());
  if ((impl.state_ & ad::socket_ops::non_blocking) ||
      ad::socket_ops::set_internal_non_blocking(impl.socket_, impl.state_, true, p.p->ec_)) {
    reactor.start_op(ad::reactor::read_op, impl.socket_, impl.reactor_data_, p.p, is_continuation,
                     /*allow_speculative=*/true);
  } else {
    reactor.post_immediate_completion(p.p, is_continuation);
  }
  p.v = p.p = 0;
}

#else

template <typename Socket, typename Handler>
void AsyncReadDrained(Socket& socket, void* data, std::size_t size, Handler handler) {
  socket.async_read_some(boost::asio::buffer(data, size), std::move(handler));
}

#endif

}  // namespace apicached::net
