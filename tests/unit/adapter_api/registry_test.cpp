#include "accord/adapters/registry.hpp"

#include <gtest/gtest.h>

#include "accord/adapters/filedrop.hpp"
#include "accord/adapters/webhook.hpp"

namespace accord::adapters {
namespace {

class NamedOutbound : public OutboundAdapter {
 public:
  explicit NamedOutbound(std::string agency) : agency_(std::move(agency)) {}
  std::string_view kind() const override { return "test"; }
  void deliver(OutboundMessage, Done done) override { done({}); }
  const std::string& agency() const { return agency_; }

 private:
  std::string agency_;
};

class NamedInbound : public InboundAdapter {
 public:
  std::string_view kind() const override { return "test"; }
  Status start() override { return Status::Ok(); }
  void stop() override {}
};

OutboundFactory outbound_factory() {
  return [](const AdapterContext& c) -> Result<std::unique_ptr<OutboundAdapter>> {
    return std::unique_ptr<OutboundAdapter>(std::make_unique<NamedOutbound>(c.agency));
  };
}

TEST(Registry, MakesWhatWasRegisteredAndPassesTheContext) {
  Registry registry;
  ASSERT_TRUE(registry.add_outbound("test", outbound_factory()).ok());
  AdapterContext context;
  context.agency = "police.met";
  auto made = registry.make_outbound("test", context);
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_EQ(dynamic_cast<NamedOutbound&>(**made).agency(), "police.met");
}

// A port's factory gets the gateway's context and may register the adapter types it serves
// on the registry it is given; a port is registered once.
TEST(Registry, APortRegistersTheTypesItServes) {
  Registry registry;
  auto factory = [](const PortContext& context,
                    Registry& adapters) -> Result<std::unique_ptr<Port>> {
    EXPECT_EQ(context.base_dir, "/etc/accord");
    if (auto s = adapters.add_outbound("test", outbound_factory()); !s.ok()) return s.error();
    return std::unique_ptr<Port>();
  };
  ASSERT_TRUE(registry.add_port("p", factory).ok());
  EXPECT_FALSE(registry.add_port("p", factory).ok()) << "registered twice";
  ASSERT_EQ(registry.ports().size(), 1u);
  EXPECT_TRUE(registry.outbound_types().empty()) << "nothing until the gateway makes the port";
  PortContext context;
  context.base_dir = "/etc/accord";
  auto port = registry.ports().at("p")(context, registry);
  ASSERT_TRUE(port.ok());
  EXPECT_EQ(registry.outbound_types(), std::vector<std::string>{"test"});
}

TEST(Registry, RefusesDuplicateAndEmptyRegistrations) {
  Registry registry;
  ASSERT_TRUE(registry.add_outbound("test", outbound_factory()).ok());
  auto again = registry.add_outbound("test", outbound_factory());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "invalid_argument");
  EXPECT_FALSE(registry.add_outbound("", outbound_factory()).ok());
  EXPECT_FALSE(registry.add_inbound("x", InboundFactory{}).ok());
  // The same name in the other direction is a different registration.
  EXPECT_TRUE(
      registry
          .add_inbound("test",
                       [](const AdapterContext&) -> Result<std::unique_ptr<InboundAdapter>> {
                         return std::unique_ptr<InboundAdapter>(std::make_unique<NamedInbound>());
                       })
          .ok());
}

TEST(Registry, UnknownTypeNamesTheKnownOnes) {
  Registry registry;
  ASSERT_TRUE(registry.add_outbound("b", outbound_factory()).ok());
  ASSERT_TRUE(registry.add_outbound("a", outbound_factory()).ok());
  AdapterContext context;
  context.agency = "cps.london";
  auto made = registry.make_outbound("nope", context);
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error().code, "unknown_adapter");
  EXPECT_NE(made.error().message.find("a, b"), std::string::npos) << made.error().message;
  EXPECT_NE(made.error().message.find("cps.london"), std::string::npos);
  auto inbound = registry.make_inbound("a", context);
  ASSERT_FALSE(inbound.ok());
  EXPECT_NE(inbound.error().message.find("(none)"), std::string::npos);
}

TEST(Registry, FactoryErrorsComeBackUnchanged) {
  Registry registry;
  ASSERT_TRUE(
      registry
          .add_outbound("broken",
                        [](const AdapterContext&) -> Result<std::unique_ptr<OutboundAdapter>> {
                          return make_error("invalid_config", "bad", "3:4");
                        })
          .ok());
  auto made = registry.make_outbound("broken", AdapterContext{});
  ASSERT_FALSE(made.ok());
  EXPECT_EQ(made.error(), make_error("invalid_config", "bad", "3:4"));
}

TEST(Registry, BuiltInsRegisterOnceEach) {
  Registry registry;
  ASSERT_TRUE(register_webhook(registry).ok());
  ASSERT_TRUE(register_filedrop(registry).ok());
  EXPECT_EQ(registry.outbound_types(), (std::vector<std::string>{"filedrop", "webhook"}));
  EXPECT_EQ(registry.inbound_types(), (std::vector<std::string>{"filedrop"}));
  EXPECT_FALSE(register_webhook(registry).ok());
  EXPECT_FALSE(register_filedrop(registry).ok());
}

}  // namespace
}  // namespace accord::adapters
