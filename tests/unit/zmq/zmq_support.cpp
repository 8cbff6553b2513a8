#include "zmq_support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "accord/testing/wait_until.hpp"

extern char** environ;

namespace accord::zmqtest {

adapters::CurveKeyPair new_keys() {
  std::array<char, 41> pub{}, sec{};
  if (zmq_curve_keypair(pub.data(), sec.data()) != 0) std::abort();
  return {pub.data(), sec.data()};
}

TestPeer::TestPeer(zmq::context_t& context, const std::string& endpoint,
                   const std::string& server_key, const adapters::CurveKeyPair& keys)
    : socket_(context, zmq::socket_type::dealer) {
  socket_.set(zmq::sockopt::curve_serverkey, server_key);
  socket_.set(zmq::sockopt::curve_publickey, keys.public_key);
  socket_.set(zmq::sockopt::curve_secretkey, keys.secret_key);
  socket_.set(zmq::sockopt::linger, 0);
  socket_.connect(endpoint);
}

void TestPeer::send(const Frames& frames) {
  for (std::size_t i = 0; i < frames.size(); ++i) {
    socket_.send(zmq::buffer(frames[i]),
                 i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
}

std::optional<Frames> TestPeer::recv(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, left);
    if (!(item.revents & ZMQ_POLLIN)) continue;
    std::vector<zmq::message_t> parts;
    if (!zmq::recv_multipart(socket_, std::back_inserter(parts))) continue;
    Frames frames;
    for (auto& part : parts) frames.push_back(part.to_string());
    if (frames.size() == 2 && frames[1] == "PING") {
      send({kV, "PONG"});
      continue;
    }
    return frames;
  }
}

std::optional<Frames> TestPeer::hello(const std::string& agency, const std::string& capabilities) {
  send({kV, "HELLO", agency, capabilities});
  return recv();
}

void RecordingSubmitter::submit(const std::string& sender, std::string body, Done done) {
  std::unique_lock lock(mutex_);
  calls_.emplace_back(sender, body);
  if (hold_) {
    held_.push_back(std::move(done));
    return;
  }
  lock.unlock();
  adapters::SubmitReply reply;
  if (body.find(refuse_marker) != std::string::npos) {
    reply.status = adapters::SubmitReply::Status::refused;
    reply.code = "not_permitted";
    reply.message = "no agreement allows it";
  } else {
    reply.status = adapters::SubmitReply::Status::accepted;
    reply.recipients = {"agency.b"};
  }
  done(reply);
}

std::vector<std::pair<std::string, std::string>> RecordingSubmitter::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

void RecordingSubmitter::set_hold(bool hold) {
  std::lock_guard lock(mutex_);
  hold_ = hold;
}

void RecordingSubmitter::release_all(const adapters::SubmitReply& reply) {
  std::vector<Done> held;
  {
    std::lock_guard lock(mutex_);
    held.swap(held_);
  }
  for (auto& done : held) done(reply);
}

adapters::OutboundAdapter::Done Outcomes::done_for(std::int64_t delivery_id) {
  return [this, delivery_id](adapters::DeliveryOutcome outcome) {
    std::lock_guard lock(mutex_);
    outcomes_[delivery_id].push_back(std::move(outcome));
  };
}

std::optional<adapters::DeliveryOutcome> Outcomes::get(std::int64_t delivery_id) const {
  std::lock_guard lock(mutex_);
  const auto it = outcomes_.find(delivery_id);
  if (it == outcomes_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::size_t Outcomes::count(std::int64_t delivery_id) const {
  std::lock_guard lock(mutex_);
  const auto it = outcomes_.find(delivery_id);
  return it == outcomes_.end() ? 0 : it->second.size();
}

std::optional<adapters::DeliveryOutcome> Outcomes::wait(std::int64_t delivery_id) const {
  testing::wait_until([&] { return get(delivery_id).has_value(); }, std::chrono::seconds(30));
  return get(delivery_id);
}

void Outcomes::clear(std::int64_t delivery_id) {
  std::lock_guard lock(mutex_);
  outcomes_.erase(delivery_id);
}

adapters::OutboundMessage message(std::int64_t delivery_id, const std::string& recipient,
                                  int attempt) {
  adapters::OutboundMessage m;
  m.delivery_id = delivery_id;
  m.recipient = recipient;
  m.sender = "police.met";
  m.message_id = "msg/" + std::to_string(delivery_id);
  m.event_type = "victim.referral";
  m.case_urn = "urn:accord:case:police.met:" + std::to_string(delivery_id);
  m.received_at_ms = 1700000000000;
  m.attempt = attempt;
  m.document =
      R"({"envelope":{"id":"msg/)" + std::to_string(delivery_id) + R"("},"signature":"sig"})";
  return m;
}

Child::Child(const std::vector<std::string>& argv, const std::string& output_path)
    : out_(output_path), err_(output_path + ".err") {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
}

Child::~Child() {
  kill9();
}

std::string Child::output() const {
  return read_text(out_);
}
std::string Child::errors() const {
  return read_text(err_);
}

void Child::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

int Child::wait_exit() {
  if (pid_ <= 0) return -1;
  int status = 0;
  bool exited = testing::wait_until([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; },
                                    std::chrono::seconds(60));
  if (!exited) return -1;
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string source_dir() {
  const char* dir = std::getenv("ACCORD_SOURCE_DIR");
  return dir != nullptr ? dir : ACCORD_TEST_SOURCE_DIR;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace accord::zmqtest
