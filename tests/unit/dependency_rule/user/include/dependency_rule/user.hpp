#pragma once

namespace dependency_rule {
// The public face of dependency_rule_user: nothing of hidden.hpp leaks through it.
int user_value();
}  // namespace dependency_rule
