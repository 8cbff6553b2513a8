// Must not compile: hidden.hpp belongs to a private dependency of dependency_rule_user, and this
// target names only dependency_rule_user (tests/unit/dependency_rule/CMakeLists.txt).
#include "dependency_rule/hidden.hpp"

int dependency_rule_undeclared() {
  return dependency_rule::hidden_value();
}
