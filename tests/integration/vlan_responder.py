"""A trunk host's VLAN stack in user space, for kernels without 802.1Q sub-interfaces.

Run inside the trunk host's namespace with Debian's Python (scapy comes from python3-scapy):

  /usr/bin/python3 vlan_responder.py IFACE VID=IP [VID=IP ...]

Answers ARP requests and ICMP echo requests for IP only when they arrive tagged with VID, and
tags the answers with the same VID, as an 802.1Q sub-interface IFACE.VID with address IP would.
Prints "ready" once it is capturing, then one line per answer.
"""

import sys
import time

from scapy.all import ARP, ICMP, IP, AsyncSniffer, Dot1Q, Ether, conf, get_if_hwaddr


def main() -> int:
    iface = sys.argv[1]
    addrs = {}
    for arg in sys.argv[2:]:
        vid, ip = arg.split("=")
        addrs[int(vid)] = ip
    mac = get_if_hwaddr(iface)
    conf.verb = 0
    out = conf.L2socket(iface=iface)

    def answer(pkt):
        if Dot1Q not in pkt or pkt[Ether].src == mac:
            return
        vid = pkt[Dot1Q].vlan
        ip = addrs.get(vid)
        if ip is None:
            return
        if ARP in pkt and pkt[ARP].op == 1 and pkt[ARP].pdst == ip:
            reply = (Ether(src=mac, dst=pkt[Ether].src) / Dot1Q(vlan=vid) /
                     ARP(op=2, hwsrc=mac, psrc=ip, hwdst=pkt[ARP].hwsrc, pdst=pkt[ARP].psrc))
        elif IP in pkt and ICMP in pkt and pkt[IP].dst == ip and pkt[ICMP].type == 8:
            icmp = pkt[ICMP]
            reply = (Ether(src=mac, dst=pkt[Ether].src) / Dot1Q(vlan=vid) /
                     IP(src=ip, dst=pkt[IP].src) /
                     ICMP(type=0, id=icmp.id, seq=icmp.seq) / bytes(icmp.payload))
        else:
            return
        out.send(reply)
        print(f"vlan {vid}: answered {reply.summary()}", flush=True)

    sniffer = AsyncSniffer(iface=iface, prn=answer, store=False)
    sniffer.start()
    # AsyncSniffer opens its socket in its thread; wait for it before saying ready.
    while not getattr(sniffer, "running", False):
        time.sleep(0.05)
    time.sleep(0.5)
    print("ready", flush=True)
    sniffer.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
