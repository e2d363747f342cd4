#include "controlplane/message.h"

namespace sluice::cp {

namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

GroupModMsg make_group_mod(of::GroupModCommand command, const of::GroupDesc& group) {
  auto mod = std::make_shared<of::GroupMod>();
  mod->command = command;
  mod->group = group;
  return GroupModMsg{std::move(mod)};
}

std::string_view message_kind(const Message& msg) {
  return std::visit(Overloaded{
                        [](const of::PortAdd&) { return std::string_view("PORT_ADD"); },
                        [](const of::PortDel&) { return std::string_view("PORT_DEL"); },
                        [](const of::PortSet&) { return std::string_view("PORT_SET"); },
                        [](const of::SwitchConfig&) { return std::string_view("SWITCH_CONFIG"); },
                        [](const GroupModMsg&) { return std::string_view("GROUP_MOD"); },
                        [](const of::FlowMod&) { return std::string_view("FLOW_MOD"); },
                    },
                    msg);
}

}  // namespace sluice::cp
