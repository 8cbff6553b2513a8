#include "accord/adapters/mailbox.hpp"

#include "accord/yaml/fields.hpp"

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
        // The registry has checked `type`; a mailbox takes nothing else.
        const yaml::Handlers handlers = {{"type", [](const YAML::Node&) { return Status::Ok(); }}};
        if (auto status = yaml::read_mapping(context.settings, "mailbox adapter", handlers);
            !status.ok()) {
          return status.error();
        }
        return std::unique_ptr<OutboundAdapter>(std::make_unique<MailboxAdapter>());
      });
}

}  // namespace accord::adapters
