// A recipient's signed receipt for one delivered item (docs/receipts.md): the item's
// copy_hash, recomputed from the item alone as the gateway computed it, signed with the
// recipient agency's signing key. Shared by `accord receipt sign` and `accord inbox --ack
// --receipt-key`.
#pragma once

#include <string>
#include <string_view>

#include "accord/core/result.hpp"
#include "accord/governance/signing.hpp"

namespace accord::cli {

// The signing key file (`*.sign.secret.json`, refused when group or others may read it).
Result<governance::SigningSecret> load_receipt_key(const std::string& path);

// The receipt JSON ({"alg","kid","copy_hash","sig"}) for `item` (one inbox item, as `accord
// inbox --json` prints it or a push adapter delivers it). Error bad_message when the item does
// not parse or is not addressed to the key's agency.
Result<std::string> receipt_for_item(std::string_view item,
                                     const governance::SigningSecret& secret);

}  // namespace accord::cli
