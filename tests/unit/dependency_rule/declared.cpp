// Compiles: dependency_rule_user is linked, so its own header is visible.
#include "dependency_rule/user.hpp"

int dependency_rule_declared() {
  return dependency_rule::user_value();
}
