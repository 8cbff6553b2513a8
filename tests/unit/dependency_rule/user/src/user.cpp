#include "dependency_rule/user.hpp"

#include "dependency_rule/hidden.hpp"

namespace dependency_rule {
int user_value() {
  return hidden_value() + 1;
}
}  // namespace dependency_rule
