#include "accord/env/fault_injection_env.hpp"

#include <utility>
#include <vector>

namespace accord::env {
namespace {

const char* op_name(FaultInjectionEnv::Op op) {
  switch (op) {
    case FaultInjectionEnv::Op::read_file:
      return "read_file";
    case FaultInjectionEnv::Op::file_exists:
      return "file_exists";
    case FaultInjectionEnv::Op::write_new_file:
      return "write_new_file";
    case FaultInjectionEnv::Op::replace_file:
      return "replace_file";
    case FaultInjectionEnv::Op::write_file:
      return "write_file";
    case FaultInjectionEnv::Op::remove_file:
      return "remove_file";
    case FaultInjectionEnv::Op::sync_directory:
      return "sync_directory";
  }
  return "?";
}

}  // namespace

FaultInjectionEnv::FaultInjectionEnv(Env& target) : target_(target) {}

void FaultInjectionEnv::fail(Op op, int nth_or_always, std::string code) {
  std::lock_guard lock(mu_);
  // Stored as "calls to let through first"; kAlways stays 0 and never counts down.
  faults_[op] = Fault{nth_or_always == kAlways ? -1 : nth_or_always - 1, std::move(code)};
}

void FaultInjectionEnv::clear_faults() {
  std::lock_guard lock(mu_);
  faults_.clear();
}

void FaultInjectionEnv::cut_power() {
  std::lock_guard lock(mu_);
  power_cut_ = true;
}

bool FaultInjectionEnv::power_is_cut() const {
  std::lock_guard lock(mu_);
  return power_cut_;
}

std::optional<Error> FaultInjectionEnv::injected(Op op, const std::string& path) {
  const auto it = faults_.find(op);
  if (it == faults_.end()) return std::nullopt;
  Fault& fault = it->second;
  if (fault.countdown > 0) {
    --fault.countdown;
    return std::nullopt;
  }
  Error e =
      make_error(fault.code, std::string("injected fault: ") + op_name(op) + " " + path, path);
  if (fault.countdown == 0) faults_.erase(it);  // a one-shot fault fires once
  return e;
}

Error FaultInjectionEnv::power_cut_error(const std::string& path) const {
  return make_error("io_error", "the power is cut: " + path + " not changed", path);
}

void FaultInjectionEnv::remember(const std::string& path) {
  if (unsynced_.contains(path)) return;  // the oldest durable state is the one that counts
  Durable durable;
  if (auto content = target_.read_file(path); content.ok()) durable.content = std::move(*content);
  const auto mode = modes_.find(path);
  if (mode != modes_.end()) durable.mode = mode->second;
  unsynced_.emplace(path, std::move(durable));
}

Result<std::string> FaultInjectionEnv::read_file(const std::string& path) {
  {
    std::lock_guard lock(mu_);
    if (auto e = injected(Op::read_file, path)) return *e;
  }
  return target_.read_file(path);
}

bool FaultInjectionEnv::file_exists(const std::string& path) {
  {
    std::lock_guard lock(mu_);
    if (injected(Op::file_exists, path)) return false;
  }
  return target_.file_exists(path);
}

// The mutating calls hold mu_ across the target call, so cut_power() happens either before
// a call (which then fails) or after it (which then completed and counts as durable).
Status FaultInjectionEnv::write_new_file(const std::string& path, std::string_view content,
                                         unsigned mode) {
  std::lock_guard lock(mu_);
  if (power_cut_) return power_cut_error(path);
  if (auto e = injected(Op::write_new_file, path)) return *e;
  remember(path);
  Status s = target_.write_new_file(path, content, mode);
  if (s.ok()) {
    modes_[path] = mode;
    unsynced_.erase(path);  // durable on return: the file and its directory are fsync'd
  }
  return s;
}

Status FaultInjectionEnv::replace_file(const std::string& path, std::string_view content,
                                       unsigned mode) {
  std::lock_guard lock(mu_);
  if (power_cut_) return power_cut_error(path);
  if (auto e = injected(Op::replace_file, path)) return *e;
  remember(path);
  Status s = target_.replace_file(path, content, mode);
  if (s.ok()) {
    modes_[path] = mode;
    unsynced_.erase(path);
  }
  // A failure may have renamed without the directory fsync: the old content stays durable.
  return s;
}

Status FaultInjectionEnv::write_file(const std::string& path, std::string_view content,
                                     unsigned mode, const WriteOptions& options) {
  std::lock_guard lock(mu_);
  if (power_cut_) return power_cut_error(path);
  if (auto e = injected(Op::write_file, path)) return *e;
  remember(path);
  Status s = target_.write_file(path, content, mode, options);
  // Without the directory's fsync the rename may still be lost: it stays unsynced until
  // sync_directory().
  if (s.ok() && options.sync) {
    modes_[path] = mode;
    if (options.sync_directory) unsynced_.erase(path);
  }
  return s;
}

Status FaultInjectionEnv::remove_file(const std::string& path) {
  std::lock_guard lock(mu_);
  if (power_cut_) return power_cut_error(path);
  if (auto e = injected(Op::remove_file, path)) return *e;
  remember(path);  // durable only once its directory is fsync'd
  return target_.remove_file(path);
}

Status FaultInjectionEnv::sync_directory(const std::string& directory) {
  std::lock_guard lock(mu_);
  if (power_cut_) return power_cut_error(directory);
  if (auto e = injected(Op::sync_directory, directory)) return *e;
  Status s = target_.sync_directory(directory);
  if (!s.ok()) return s;
  // Every name in this directory is durable now as it is (file contents were fsync'd by
  // the calls that wrote them): removals stick, a rename whose own fsync failed sticks.
  std::erase_if(unsynced_,
                [&](const auto& entry) { return parent_directory(entry.first) == directory; });
  return s;
}

Status FaultInjectionEnv::drop_unsynced() {
  std::lock_guard lock(mu_);
  std::optional<Error> first_error;
  for (const auto& [path, durable] : unsynced_) {
    const Status s = durable.content ? target_.replace_file(path, *durable.content, durable.mode)
                                     : target_.remove_file(path);
    if (!s.ok() && !first_error) first_error = s.error();
  }
  unsynced_.clear();
  power_cut_ = false;
  if (first_error) return *first_error;
  return Status::Ok();
}

}  // namespace accord::env
