#include "accord/adapters/filedrop.hpp"
#include "accord/adapters/filedrop_inbound.hpp"

namespace accord::adapters {

Result<std::unique_ptr<InboundAdapter>> make_filedrop_inbound(const AdapterContext& context) {
  if (context.submitter == nullptr) {
    return make_error("invalid_argument",
                      "filedrop inbound adapter for " + context.agency + ": no submitter");
  }
  auto settings = parse_filedrop_inbound_settings(context.settings, context.base_dir);
  if (!settings.ok()) return settings.error();
  return std::unique_ptr<InboundAdapter>(
      std::make_unique<FiledropInbound>(std::move(*settings), context.agency, *context.submitter,
                                        context.env ? *context.env : env::system_env()));
}

Status register_filedrop(Registry& registry) {
  if (auto st = registry.add_outbound("filedrop", make_filedrop_outbound); !st.ok()) return st;
  return registry.add_inbound("filedrop", make_filedrop_inbound);
}

}  // namespace accord::adapters
