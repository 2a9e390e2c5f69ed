package io.ovsfabric.agent.plan;

import java.util.List;

/**
 * One step that brings the host closer to the desired state. A plan is an ordered list of changes: the order is
 * the apply order (bridges before their ports, veths before the ports that use them, new flows before the
 * deletion of stale ones). Every delete of something absent succeeds.
 */
public sealed interface Change {

    record EnsureBridge(BridgeSpec spec, boolean create) implements Change {
        @Override
        public String toString() {
            return (create ? "create" : "update") + " OVS bridge " + spec.name() + " (datapath " + spec.datapathType()
                    + ", fail_mode " + spec.failMode() + ")";
        }
    }

    record DeleteBridge(String name) implements Change {
        @Override
        public String toString() {
            return "delete OVS bridge " + name;
        }
    }

    record EnsurePort(String bridge, PortSpec port, boolean create) implements Change {
        @Override
        public String toString() {
            return (create ? "add" : "update") + " port " + port.name() + " on " + bridge
                    + (port.type().isEmpty() ? "" : " (type " + port.type() + (port.options().isEmpty() ? ""
                    : ", " + port.options()) + ")");
        }
    }

    record DeletePort(String bridge, String port) implements Change {
        @Override
        public String toString() {
            return "delete port " + port + " from " + bridge;
        }
    }

    /** A Linux bridge; {@code alias} marks it as ours (null: no mark). */
    record CreateBridgeLink(String name, String alias) implements Change {
        @Override
        public String toString() {
            return "create Linux bridge " + name;
        }
    }

    record CreateVethPair(String name, String peer, String alias) implements Change {
        @Override
        public String toString() {
            return "create veth pair " + name + " <-> " + peer;
        }
    }

    record DeleteLink(String name) implements Change {
        @Override
        public String toString() {
            return "delete link " + name;
        }
    }

    /** Sets what is not null (and brings the link up when {@code up}). */
    record SetLink(String name, Integer mtu, boolean up, String master, String alias) implements Change {
        @Override
        public String toString() {
            StringBuilder text = new StringBuilder("set link ").append(name);
            if (mtu != null) {
                text.append(" mtu ").append(mtu);
            }
            if (master != null) {
                text.append(" master ").append(master);
            }
            if (alias != null) {
                text.append(" alias ").append(alias);
            }
            if (up) {
                text.append(" up");
            }
            return text.toString();
        }
    }

    /** Sets a link's Ethernet address (an endpoint veth's container end, before Docker takes it). */
    record SetMacAddress(String link, String mac) implements Change {
        @Override
        public String toString() {
            return "set link " + link + " address " + mac;
        }
    }

    record SetTxChecksum(String link, boolean enabled) implements Change {
        @Override
        public String toString() {
            return "set TX checksum offload " + (enabled ? "on" : "off") + " on " + link;
        }
    }

    record SetArp(String link, boolean enabled) implements Change {
        @Override
        public String toString() {
            return "set link " + link + " arp " + (enabled ? "on" : "off");
        }
    }

    record AddAddress(String link, InterfaceAddress address) implements Change {
        @Override
        public String toString() {
            return "add address " + address + " to " + link;
        }
    }

    record DeleteAddress(String link, InterfaceAddress address) implements Change {
        @Override
        public String toString() {
            return "remove address " + address + " from " + link;
        }
    }

    record AddRoute(Route route) implements Change {
        @Override
        public String toString() {
            return "add route " + route;
        }
    }

    record DeleteRoute(Route route) implements Change {
        @Override
        public String toString() {
            return "delete route " + route;
        }
    }

    /** One batch on one bridge: adds and modifies first (modify = replace with the new cookie), then deletes. */
    record UpdateFlows(String bridge, List<Flow> add, List<Flow> modify, List<Flow> delete) implements Change {
        public UpdateFlows {
            add = List.copyOf(add);
            modify = List.copyOf(modify);
            delete = List.copyOf(delete);
        }

        @Override
        public String toString() {
            return "flows on " + bridge + ": " + add.size() + " added, " + modify.size() + " replaced, " + delete.size()
                    + " deleted";
        }
    }

    /** Applies a packet-filter restore script without flushing other chains (atomic per table). */
    record SyncFilter(String script, String summary) implements Change {
        @Override
        public String toString() {
            return "packet filter: " + summary;
        }
    }
}
