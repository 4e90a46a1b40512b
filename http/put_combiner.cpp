#include "http/put_combiner.h"

#include <utility>

#include "http/problem.h"

namespace apicached::http {

void HeldPut::Resume(const Status& status) {
  Complete done = std::move(complete);
  done(status.ok() ? std::move(response) : ProblemFromStatus(status));
}

void PutRunner::Hold(const boost::asio::any_io_executor& io, std::shared_ptr<HeldPut> put,
                     Complete complete) {
  put->complete = std::move(complete);
  PutCombiner::Of(io).Add(io, *this, put);
  net::CommitThenResume(io, cache_, std::move(put));
}

void PutRunner::RunCombined(std::vector<std::shared_ptr<HeldPut>>& puts) {
  std::vector<cache::AtomicWrite> batch;
  batch.reserve(puts.size());
  for (const std::shared_ptr<HeldPut>& put : puts) batch.push_back(std::move(put->write));
  auto r = cache_.WriteAtomically(cache::Protocol::kHttp, batch);
  if (r.ok()) {
    for (size_t i = 0; i < puts.size(); ++i) {
      const cache::AtomicWriteResult& result = (*r)[i];
      puts[i]->response = puts[i]->answer(!result.existed || result.in_grace, result.meta);
      puts[i]->written = true;
    }
    return;
  }
  // Nothing of the batch was written. A store that cannot write now answers every PUT with its
  // error; a batch refused for one of its entries (too large, a bad key, over a quota) is
  // written one PUT at a time, each with its own answer, as without combining.
  const Code code = r.status().code();
  if (code != Code::kInvalidArgument && code != Code::kTooLarge &&
      code != Code::kResourceExhausted) {
    for (const std::shared_ptr<HeldPut>& put : puts) put->response = ProblemFromStatus(r.status());
    return;
  }
  for (size_t i = 0; i < puts.size(); ++i) {
    const cache::AtomicWrite& w = batch[i];
    cache::WriteRequest request;
    request.data = w.data;
    request.content_type = w.content_type;
    request.flags = w.flags;
    request.expiry = w.expiry;
    request.report_created = true;
    auto one = cache_.Write(cache::Protocol::kHttp, w.ns, w.key, request);
    puts[i]->response =
        one.ok() ? puts[i]->answer(one->created, one->meta) : ProblemFromStatus(one.status());
    puts[i]->written = one.ok();
  }
}

}  // namespace apicached::http
