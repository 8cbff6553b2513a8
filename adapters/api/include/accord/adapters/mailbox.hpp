// The mailbox: the pull API of the spine (GET /v1/inbox, POST /v1/inbox/{id}/ack) named as an
// adapter like the others. Copies wait in the spool until the recipient pulls them, so no
// delivery worker runs for a mailbox recipient. Settings: {type: mailbox}, nothing else.
// Security posture: the recipient authenticates with its certificate and pulls; nothing is
// pushed to a peer, so no peer is trusted.
#pragma once

#include "accord/adapters/registry.hpp"

namespace accord::adapters {

Status register_mailbox(Registry& registry);

}  // namespace accord::adapters
