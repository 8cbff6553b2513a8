// Internal: an envelope in decoded form. A transform may leave a field whose value is a
// non-empty JSON object (an encrypted field); decode() would see that object's members as
// leaves one level deeper. flatten_object_leaves() makes that split, so the canonical encoding
// the gateway signs is the one a recipient computes after decoding the delivered JSON.
#pragma once

#include "accord/envelope/envelope.hpp"

namespace accord::crypto::detail {

envelope::Envelope flatten_object_leaves(const envelope::Envelope& e);

}  // namespace accord::crypto::detail
