package io.ovsfabric.agent.plan;

import io.ovsfabric.common.Ipv4Address;

/** What a flow does; a flow with no actions drops. {@link GotoTable} is an instruction and comes last. */
public sealed interface FlowAction {

    record Output(int port) implements FlowAction {
        @Override
        public String toString() {
            return "output:" + port;
        }
    }

    /** Ordinary L2 learning switch. */
    record Normal() implements FlowAction {
        @Override
        public String toString() {
            return "NORMAL";
        }
    }

    record SetTunnelId(long id) implements FlowAction {
        @Override
        public String toString() {
            return "set_field:0x" + Long.toHexString(id) + "->tun_id";
        }
    }

    record SetTunnelDst(Ipv4Address destination) implements FlowAction {
        @Override
        public String toString() {
            return "set_field:" + destination + "->tun_dst";
        }
    }

    /** An instruction: sets the whole metadata register; comes after the applied actions, before a goto. */
    record WriteMetadata(long value) implements FlowAction {
        @Override
        public String toString() {
            return "write_metadata:0x" + Long.toHexString(value);
        }
    }

    record GotoTable(int table) implements FlowAction {
        @Override
        public String toString() {
            return "goto_table:" + table;
        }
    }
}
