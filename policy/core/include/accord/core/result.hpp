// Expected failures as values (LevelDB Status / abseil StatusOr style).
//
// Everything on the message path returns Result<T> or Status instead of throwing: a
// refusal is an ordinary outcome with a machine-readable code, a human message and, where
// it applies, the path of the offending input. Broken invariants are bugs and abort.
#pragma once

#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace accord {

// A machine-readable refusal. `code` is a stable snake_case token that clients may
// script against (documented per module); `message` is for people; `path` names the
// offending part of the input (a JSON pointer-like dotted path, a file:line:col, ...).
struct Error {
  std::string code;
  std::string message;
  std::string path;

  friend bool operator==(const Error&, const Error&) = default;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Accessing the wrong alternative is a programming error: abort, never UB.
  T& value() & {
    check(true);
    return std::get<0>(v_);
  }
  const T& value() const& {
    check(true);
    return std::get<0>(v_);
  }
  T&& value() && {
    check(true);
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    check(false);
    return std::get<1>(v_);
  }

 private:
  void check(bool want_value) const {
    if (ok() != want_value) std::abort();
  }
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT

  static Status Ok() { return Status(); }
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    if (!failed_) std::abort();
    return error_;
  }

 private:
  Error error_;
  bool failed_ = false;
};

inline Error make_error(std::string code, std::string message, std::string path = {}) {
  return Error{std::move(code), std::move(message), std::move(path)};
}

}  // namespace accord
