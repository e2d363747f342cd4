// encode_message() lives apart from message.cc so that the pure parts (diff, compiler) link
// without the codec.
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

void encode_message(uint32_t xid, const Message& msg, of::Bytes& out) {
  std::visit(Overloaded{
                 [&](const of::PortAdd& m) { of::encode_port_add(xid, m, out); },
                 [&](const of::PortDel& m) { of::encode_port_del(xid, m, out); },
                 [&](const of::PortSet& m) { of::encode_port_set(xid, m, out); },
                 [&](const of::SwitchConfig& m) { of::encode_switch_config(xid, m, out); },
                 [&](const GroupModMsg& m) { of::encode_group_mod(xid, *m.mod, out); },
                 [&](const of::FlowMod& m) { of::encode_flow_mod(xid, m, out); },
             },
             msg);
}

}  // namespace sluice::cp
