#include "dependency_rule/hidden.hpp"

namespace dependency_rule {
int hidden_value() {
  return 42;
}
}  // namespace dependency_rule
