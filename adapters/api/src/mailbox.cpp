#include "accord/adapters/mailbox.hpp"

namespace accord::adapters {
namespace {

class MailboxAdapter final : public OutboundAdapter {
 public:
  std::string_view kind() const override { return "mailbox"; }
  bool pushes() const override { return false; }
  // Never called (no worker runs for a mailbox); if it were, the copy stays for the pull.
  void deliver(OutboundMessage, Done done) override {
    done({DeliveryStatus::retry_later, "mailbox recipients pull their copies"});
  }
};

}  // namespace

Status register_mailbox(Registry& registry) {
  return registry.add_outbound(
      "mailbox", [](const AdapterContext& context) -> Result<std::unique_ptr<OutboundAdapter>> {
        for (const auto& entry : context.settings) {
          const auto key = entry.first.as<std::string>();
          if (key != "type") {
            const auto mark = entry.first.Mark();
            return make_error(
                "invalid_config",
                "unknown key '" + key + "' in a mailbox adapter (it takes only type)",
                std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1));
          }
        }
        return std::unique_ptr<OutboundAdapter>(std::make_unique<MailboxAdapter>());
      });
}

}  // namespace accord::adapters
