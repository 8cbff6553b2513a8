#pragma once

namespace dependency_rule {
// Reachable only from libraries that name dependency_rule_hidden themselves.
int hidden_value();
}  // namespace dependency_rule
