#include "cohort/serve/server.h"

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "cohort/core/clock.h"
#include "cohort/core/error.h"
#include "cohort/core/log.h"
#include "cohort/serve/infer_response.h"
#include "cohort/serve/serve_metrics.h"

namespace cohort::serve {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// The path's segments, without the query: "/v2/models/m/infer" -> v2, models, m, infer.
std::vector<std::string> segmentsOf(beast::string_view target) {
  std::string path(target.substr(0, target.find('?')));
  std::vector<std::string> parts;
  size_t start = 0;
  while (start < path.size()) {
    const size_t slash = path.find('/', start);
    const size_t end = slash == std::string::npos ? path.size() : slash;
    if (end > start) parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(ServerOptions o, std::unique_ptr<ServedModel> m)
      : options(std::move(o)),
        model_(std::move(m)),
        acceptor(net::make_strand(ioc)),
        drain_timer(ioc) {}

  void listen() {
    beast::error_code ec;
    const auto address = net::ip::make_address(options.host, ec);
    if (ec)
      throw ConfigError("--host " + options.host + " is not an IP address",
                        "give one, such as 127.0.0.1");
    const tcp::endpoint endpoint(address, static_cast<unsigned short>(options.port));
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      throw ConfigError("cannot listen on " + options.host + ":" + std::to_string(options.port) +
                            ": " + ec.message(),
                        "choose another --port, or stop what listens there");
    }
    const ModelIdentity& id = model_->identity();
    metrics.setModel("primary", id.name, id.version, id.sha256);
    batcher = std::make_unique<DynamicBatcher>(
        options.batching,
        [this](const std::vector<BatchItem*>& items) {
          const auto now = Clock::now();
          std::vector<double> waits;
          int64_t rows = 0;
          for (const auto* item : items) {
            waits.push_back(std::chrono::duration<double>(now - item->queued_at).count());
            rows += item->rows;
          }
          metrics.batched(rows, waits);
          return runByModel(items);
        },
        // Batches run on the connection threads (See Note [Batches on the
        // connection threads] in batcher.h).
        BatchExecutor{[this](std::function<void()> task) { net::post(ioc, std::move(task)); },
                      [this](std::chrono::microseconds delay, std::function<void()> task) {
                        auto timer = std::make_shared<net::steady_timer>(ioc, delay);
                        timer->async_wait(
                            [timer, task = std::move(task)](beast::error_code) { task(); });
                      }});
  }

  void accept();
  void beginDrain();
  void pollDrain();

  ServerOptions options;
  // The model new requests are admitted for (replace() replaces it).
  std::shared_ptr<ServedModel> current() const {
    std::lock_guard<std::mutex> lock(model_mutex_);
    return model_;
  }
  std::shared_ptr<ServedModel> canary() const {
    std::lock_guard<std::mutex> lock(model_mutex_);
    return canary_;
  }
  // Serves `next` as the primary version or as the canary from now on.
  void replace(bool as_canary, std::shared_ptr<ServedModel> next) {
    const ModelIdentity& id = next->identity();
    metrics.setModel(as_canary ? "canary" : "primary", id.name, id.version, id.sha256);
    std::lock_guard<std::mutex> lock(model_mutex_);
    (as_canary ? canary_ : model_) = std::move(next);
  }
  // A batch's items, each run on the model it was admitted for.
  static std::vector<BatchResult> runByModel(const std::vector<BatchItem*>& items) {
    std::vector<BatchResult> results(items.size());
    std::vector<bool> done(items.size(), false);
    for (size_t first = 0; first < items.size(); ++first) {
      if (done[first]) continue;
      std::vector<BatchItem*> group;
      std::vector<size_t> where;
      for (size_t i = first; i < items.size(); ++i) {
        if (!done[i] && items[i]->model == items[first]->model) {
          group.push_back(items[i]);
          where.push_back(i);
          done[i] = true;
        }
      }
      auto answers = items[first]->model->run(group);
      for (size_t k = 0; k < where.size() && k < answers.size(); ++k)
        results[where[k]] = std::move(answers[k]);
    }
    return results;
  }

  // The model this infer request goes to: the canary for its share of them.
  std::shared_ptr<ServedModel> route() {
    std::lock_guard<std::mutex> lock(model_mutex_);
    if (canary_ && std::uniform_real_distribution<double>(0, 1)(canary_draw_) < canary_share_)
      return canary_;
    return model_;
  }

  std::shared_ptr<ServedModel> model_;
  mutable std::mutex model_mutex_;
  std::shared_ptr<ServedModel> canary_;  // set before run(); swapped under model_mutex_
  double canary_share_ = 0;
  std::mt19937_64 canary_draw_{
      std::random_device{}()};  // on the connection threads: under model_mutex_
  ServeMetrics metrics;
  net::io_context ioc;
  tcp::acceptor acceptor;
  net::steady_timer drain_timer;
  std::unique_ptr<DynamicBatcher> batcher;
  std::atomic<bool> draining{false};
  std::atomic<int> in_flight{0};
  Clock::time_point drain_started;
  int dropped = 0;  // requests in flight when the drain ended
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<Server::Impl> server)
      : stream_(std::move(socket)), server_(std::move(server)) {}

  void start() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::read, shared_from_this()));
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(static_cast<uint64_t>(server_->options.max_body_bytes));
    stream_.expires_after(std::chrono::minutes(5));  // an idle keep-alive connection
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::onRead, shared_from_this()));
  }

  void onRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::connection_reset || ec == net::error::eof ||
        ec == net::error::operation_aborted)
      return close();
    started_ = Clock::now();
    ++server_->in_flight;
    version_ = parser_->get().version();
    if (ec == http::error::body_limit) {
      return answer(413,
                    errorJson("the body is over the limit of " +
                              std::to_string(server_->options.max_body_bytes >> 20) +
                              " MiB; start cohort-serve with a larger --max-body-mb"),
                    /*close=*/true);
    }
    if (ec) return answer(400, errorJson("malformed HTTP request: " + ec.message()), true);
    request_ = parser_->release();
    try {
      handle();
    } catch (const RequestError& e) {
      answer(e.status(), errorJson(e.what()));
    } catch (const std::exception& e) {
      answer(500, errorJson(e.what()));
    }
  }

  void handle() {
    const auto parts = segmentsOf(request_.target());
    const auto only = [&](http::verb verb) {
      if (request_.method() != verb)
        throw RequestError(405, std::string("use ") + std::string(http::to_string(verb)) + " here");
    };
    model_ = server_->current();
    const ModelIdentity& id = model_->identity();
    if (parts == std::vector<std::string>{"v2", "health", "live"}) {
      only(http::verb::get);
      return answer(200, R"({"live":true})");
    }
    if (parts == std::vector<std::string>{"v2", "health", "ready"}) {
      only(http::verb::get);
      return server_->draining ? answer(503, R"({"ready":false})")
                               : answer(200, R"({"ready":true})");
    }
    if (parts == std::vector<std::string>{"v2"}) {
      only(http::verb::get);
      return answer(200,
                    R"({"name":"cohort-serve","version":")" COHORT_VERSION R"(","extensions":[]})");
    }
    if (parts == std::vector<std::string>{"metrics"}) {
      only(http::verb::get);
      return answer(200,
                    server_->metrics.text(server_->batcher->queued(), server_->in_flight.load()),
                    false, "text/plain; version=0.0.4");
    }
    if (parts.size() < 3 || parts[0] != "v2" || parts[1] != "models")
      throw RequestError(404, "no such endpoint: " + std::string(request_.target().substr(0, 200)));
    // /v2/models/NAME[/versions/V][/ready|/infer|/lineage]
    if (parts[2] != id.name)
      throw RequestError(404, "no model '" + parts[2].substr(0, 128) +
                                  "' here; this server serves '" + id.name + "'");
    size_t next = 3;
    if (parts.size() > 4 && parts[3] == "versions") {
      const auto canary = server_->canary();
      if (canary && parts[4] == canary->identity().version) {
        model_ = canary;
      } else if (parts[4] != id.version) {
        throw RequestError(404, "version " + parts[4].substr(0, 40) + " of '" + id.name +
                                    "' is not served here; version " +
                                    (id.version.empty() ? std::string("(a folder)") : id.version) +
                                    " is");
      }
      next = 5;
    }
    const std::string action = parts.size() > next ? parts[next] : "";
    if (parts.size() > next + 1)
      throw RequestError(404, "no such endpoint: " + std::string(request_.target().substr(0, 200)));
    if (action.empty()) {
      only(http::verb::get);
      return answer(200, model_->metadata().dump());
    }
    const ModelIdentity& served = model_->identity();  // the version named, if one was
    if (action == "ready") {
      only(http::verb::get);
      return answer(server_->draining ? 503 : 200,
                    nlohmann::json{{"name", served.name}, {"ready", !server_->draining}}.dump());
    }
    if (action == "lineage" && next == 5) {
      only(http::verb::get);
      if (served.lineage.is_null())
        throw RequestError(404, "this model was served from a folder: it has no lineage record");
      return answer(200,
                    served.lineage.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    if (action == "infer") {
      only(http::verb::post);
      if (next == 3) model_ = server_->route();  // no version named: the canary takes its share
      return infer();
    }
    throw RequestError(404, "no such endpoint: " + std::string(request_.target().substr(0, 200)));
  }

  void infer() {
    if (server_->draining) {
      return answer(503, errorJson("the server is shutting down; send the request to another"),
                    true, "application/json", /*retry_after=*/true);
    }
    InferRequest request = parseInferRequest(request_.body(), server_->options.limits);
    request_id_ = request.id;
    BatchItem item;
    item.rows = model_->rowsOf(request);
    item.model = model_;
    item.request = std::move(request);
    item.deadline = started_ + server_->options.request_timeout;
    item.done = [self = shared_from_this()](BatchResult result) {
      net::post(self->stream_.get_executor(), [self, result = std::move(result)]() mutable {
        self->answerResult(std::move(result));
      });
    };
    if (!server_->batcher->submit(std::move(item))) {
      answer(503,
             errorJson(server_->draining ? "the server is shutting down"
                                         : "the queue is full (--max-queue " +
                                               std::to_string(server_->options.batching.max_queue) +
                                               "); retry after a second"),
             false, "application/json", /*retry_after=*/true);
    }
  }

  void answerResult(BatchResult result) {
    if (result.status != 200) return answer(result.status, errorJson(result.error));
    const ModelIdentity& id = model_->identity();
    answer(200, inferResponseJson({id.name, id.version, request_id_, std::move(result.outputs)}));
  }

  void answer(int status, std::string body, bool close = false,
              const char* type = "application/json", bool retry_after = false) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(status), version_);
    res->set(http::field::server, "cohort-serve");
    res->set(http::field::content_type, type);
    if (!model_) model_ = server_->current();  // a request refused before it was routed
    const ModelIdentity& id = model_->identity();
    res->set("Cohort-Model-Version", id.version.empty() ? "folder" : id.version);
    res->set("Cohort-Model-Sha256", id.sha256);
    if (retry_after) res->set(http::field::retry_after, "1");
    res->keep_alive(!close && !server_->draining && request_.keep_alive());
    res->body() = std::move(body);
    res->prepare_payload();
    http::async_write(stream_, *res,
                      [self = shared_from_this(), status, res](beast::error_code ec, std::size_t) {
                        self->onWritten(ec, status, res->need_eof());
                      });
  }

  void onWritten(beast::error_code ec, int status, bool eof) {
    server_->metrics.answered(status, secondsSince(started_));
    --server_->in_flight;
    request_ = {};
    model_.reset();
    if (ec || eof) return close();
    read();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<Server::Impl> server_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> request_;
  unsigned version_ = 11;
  std::string request_id_;
  Clock::time_point started_;
  std::shared_ptr<ServedModel> model_;  // the version this request is served by
};

}  // namespace

void Server::Impl::accept() {
  // Connections are still accepted while draining: a readiness probe must get its 503.
  acceptor.async_accept(net::make_strand(ioc),
                        [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                          if (!ec) std::make_shared<Session>(std::move(socket), self)->start();
                          if (ec != net::error::operation_aborted) self->accept();
                        });
}

void Server::Impl::beginDrain() {
  if (draining.exchange(true)) return;
  log::info(
      "stopping: readiness is 503 and new inference requests are answered 503; "
      "finishing the " +
      std::to_string(in_flight.load()) + " request(s) in flight (at most " +
      std::to_string(static_cast<int64_t>(options.drain_seconds)) + " s)");
  drain_started = Clock::now();
  pollDrain();
}

void Server::Impl::pollDrain() {
  // Done when nothing is in flight, and not before 250 ms have passed: a
  // request a client sent just before the SIGTERM may still be on its way
  // in, and must be answered (503), not reset.
  const double draining_s = secondsSince(drain_started);
  if ((in_flight == 0 && batcher->queued() == 0 && draining_s >= 0.25) ||
      draining_s >= options.drain_seconds) {
    dropped = in_flight.load();
    if (dropped > 0) {
      log::warn(std::to_string(dropped) + " request(s) still in flight after --drain-seconds");
    }
    ioc.stop();
    return;
  }
  drain_timer.expires_after(std::chrono::milliseconds(20));
  drain_timer.async_wait([self = shared_from_this()](beast::error_code) { self->pollDrain(); });
}

Server::Server(ServerOptions options, std::unique_ptr<ServedModel> model)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(model))) {
  impl_->listen();
}

void Server::swap(std::unique_ptr<ServedModel> next) { impl_->replace(false, std::move(next)); }

void Server::setCanary(std::unique_ptr<ServedModel> canary, double share) {
  impl_->canary_share_ = share;  // before run(): no request reads it yet
  impl_->replace(true, std::move(canary));
}

void Server::swapCanary(std::unique_ptr<ServedModel> next) {
  impl_->replace(true, std::move(next));
}

ModelIdentity Server::identity() const { return impl_->current()->identity(); }

ModelIdentity Server::canaryIdentity() const {
  const auto canary = impl_->canary();
  return canary ? canary->identity() : ModelIdentity{};
}

bool Server::stopping() const { return impl_->draining; }

Server::~Server() {
  if (impl_->batcher) impl_->batcher->drain();
}

int Server::boundPort() const { return impl_->acceptor.local_endpoint().port(); }

int Server::run() {
  net::signal_set signals(impl_->ioc, SIGTERM, SIGINT);
  signals.async_wait([impl = impl_](beast::error_code ec, int) {
    if (!ec) impl->beginDrain();
  });
  impl_->accept();
  std::vector<std::thread> threads;
  for (int i = 1; i < impl_->options.threads; ++i)
    threads.emplace_back([this] { impl_->ioc.run(); });
  impl_->ioc.run();
  for (auto& t : threads) t.join();
  impl_->batcher->drain();
  return impl_->dropped;
}

}  // namespace cohort::serve
