package io.ovsfabric.agent.openflow;

import io.ovsfabric.agent.plan.Cookie;
import io.ovsfabric.agent.plan.Flow;
import io.ovsfabric.agent.plan.FlowAction;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;
import java.util.ArrayList;
import java.util.List;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowAdd;
import org.projectfloodlight.openflow.protocol.OFFlowDelete;
import org.projectfloodlight.openflow.protocol.OFFlowDeleteStrict;
import org.projectfloodlight.openflow.protocol.OFFlowStatsEntry;
import org.projectfloodlight.openflow.protocol.OFFlowStatsRequest;
import org.projectfloodlight.openflow.protocol.OFMatchV3;
import org.projectfloodlight.openflow.protocol.OFVersion;
import org.projectfloodlight.openflow.protocol.action.OFAction;
import org.projectfloodlight.openflow.protocol.action.OFActionOutput;
import org.projectfloodlight.openflow.protocol.action.OFActionSetField;
import org.projectfloodlight.openflow.protocol.instruction.OFInstruction;
import org.projectfloodlight.openflow.protocol.instruction.OFInstructionApplyActions;
import org.projectfloodlight.openflow.protocol.instruction.OFInstructionGotoTable;
import org.projectfloodlight.openflow.protocol.instruction.OFInstructionWriteMetadata;
import org.projectfloodlight.openflow.protocol.match.Match;
import org.projectfloodlight.openflow.protocol.match.MatchField;
import org.projectfloodlight.openflow.types.OFMetadata;
import org.projectfloodlight.openflow.protocol.oxm.OFOxm;
import org.projectfloodlight.openflow.protocol.oxm.OFOxmTunnelId;
import org.projectfloodlight.openflow.protocol.oxm.OFOxmTunnelIpv4Dst;
import org.projectfloodlight.openflow.types.EthType;
import org.projectfloodlight.openflow.types.IPv4Address;
import org.projectfloodlight.openflow.types.IPv4AddressWithMask;
import org.projectfloodlight.openflow.types.OFBufferId;
import org.projectfloodlight.openflow.types.OFGroup;
import org.projectfloodlight.openflow.types.OFPort;
import org.projectfloodlight.openflow.types.TableId;
import org.projectfloodlight.openflow.types.U64;

/**
 * Pure translation between ovsfabric's {@link Flow} and OpenFlow 1.3 messages (openflowj), both ways, so that
 * what the switch reports compares equal to what was planned.
 */
final class FlowMessages {
    static final OFFactory OF13 = OFFactories.getFactory(OFVersion.OF_13);

    private FlowMessages() {}

    /** An add; over an identical (table, priority, match) it replaces actions and cookie atomically. */
    static OFFlowAdd add(Flow flow, long xid) {
        return OF13.buildFlowAdd().setXid(xid).setTableId(TableId.of(flow.table())).setPriority(flow.priority())
                .setCookie(U64.of(flow.cookie())).setMatch(match(flow.match())).setInstructions(instructions(flow.actions()))
                .setBufferId(OFBufferId.NO_BUFFER).setOutPort(OFPort.ANY).setOutGroup(OFGroup.ANY).build();
    }

    /** Deletes exactly this flow, and only when it carries our cookie tag. */
    static OFFlowDeleteStrict deleteStrict(Flow flow, long xid) {
        return OF13.buildFlowDeleteStrict().setXid(xid).setTableId(TableId.of(flow.table())).setPriority(flow.priority())
                .setMatch(match(flow.match())).setCookie(U64.of(Cookie.TAG_VALUE)).setCookieMask(U64.of(Cookie.TAG_MASK))
                .setOutPort(OFPort.ANY).setOutGroup(OFGroup.ANY).build();
    }

    /** Deletes every flow with our cookie tag, in every table. */
    static OFFlowDelete deleteOwned(long xid) {
        return OF13.buildFlowDelete().setXid(xid).setTableId(TableId.ALL).setMatch(OF13.buildMatch().build())
                .setCookie(U64.of(Cookie.TAG_VALUE)).setCookieMask(U64.of(Cookie.TAG_MASK))
                .setOutPort(OFPort.ANY).setOutGroup(OFGroup.ANY).build();
    }

    static OFFlowStatsRequest ownedFlowsRequest(long xid) {
        return OF13.buildFlowStatsRequest().setXid(xid).setTableId(TableId.ALL).setMatch(OF13.buildMatch().build())
                .setCookie(U64.of(Cookie.TAG_VALUE)).setCookieMask(U64.of(Cookie.TAG_MASK))
                .setOutPort(OFPort.ANY).setOutGroup(OFGroup.ANY).build();
    }

    static Match match(io.ovsfabric.agent.plan.Match match) {
        Match.Builder builder = OF13.buildMatch();
        if (match.inPort() != null) {
            builder.setExact(MatchField.IN_PORT, OFPort.of(match.inPort()));
        }
        if (match.ethType() != null) {
            builder.setExact(MatchField.ETH_TYPE, EthType.of(match.ethType()));
        }
        if (match.ipv4Src() != null) {
            setPrefix(builder, MatchField.IPV4_SRC, match.ipv4Src());
        }
        if (match.ipv4Dst() != null) {
            setPrefix(builder, MatchField.IPV4_DST, match.ipv4Dst());
        }
        if (match.arpSpa() != null) {
            setPrefix(builder, MatchField.ARP_SPA, match.arpSpa());
        }
        if (match.arpTpa() != null) {
            setPrefix(builder, MatchField.ARP_TPA, match.arpTpa());
        }
        if (match.tunnelId() != null) {
            builder.setExact(MatchField.TUNNEL_ID, U64.of(match.tunnelId()));
        }
        if (match.tunnelSrc() != null) {
            builder.setExact(MatchField.TUNNEL_IPV4_SRC, IPv4Address.of(match.tunnelSrc().bits()));
        }
        if (match.metadata() != null) {
            builder.setExact(MatchField.METADATA, OFMetadata.ofRaw(match.metadata()));
        }
        return builder.build();
    }

    static List<OFInstruction> instructions(List<FlowAction> actions) {
        List<OFAction> apply = new ArrayList<>();
        List<OFInstruction> instructions = new ArrayList<>();
        for (FlowAction action : actions) {
            if (action instanceof FlowAction.Output output) {
                apply.add(OF13.actions().output(OFPort.of(output.port()), 0xffff));
            } else if (action instanceof FlowAction.Normal) {
                apply.add(OF13.actions().output(OFPort.NORMAL, 0xffff));
            } else if (action instanceof FlowAction.SetTunnelId id) {
                apply.add(OF13.actions().setField(OF13.oxms().tunnelId(U64.of(id.id()))));
            } else if (action instanceof FlowAction.SetTunnelDst dst) {
                apply.add(OF13.actions().setField(OF13.oxms().tunnelIpv4Dst(IPv4Address.of(dst.destination().bits()))));
            } else if (action instanceof FlowAction.WriteMetadata metadata) {
                instructions.add(OF13.instructions().writeMetadata(U64.of(metadata.value()), U64.NO_MASK));
            } else if (action instanceof FlowAction.GotoTable gotoTable) {
                instructions.add(OF13.instructions().gotoTable(TableId.of(gotoTable.table())));
            }
        }
        if (!apply.isEmpty()) {
            instructions.add(0, OF13.instructions().applyActions(apply));
        }
        return instructions;
    }

    /**
     * A flow the switch reported, back in ovsfabric's terms.
     *
     * @throws IllegalArgumentException when it uses a match field or action ovsfabric never installs
     */
    static Flow flow(String bridge, OFFlowStatsEntry entry) {
        Integer inPort = null;
        Integer ethType = null;
        Cidr ipv4Src = null;
        Cidr ipv4Dst = null;
        Cidr arpSpa = null;
        Cidr arpTpa = null;
        Long tunnelId = null;
        Ipv4Address tunnelSrc = null;
        Long metadata = null;
        // The raw OXM list, not Match.getMatchFields(): the latter hides fields whose prerequisites are missing.
        for (OFOxm<?> oxm : ((OFMatchV3) entry.getMatch()).getOxmList()) {
            MatchField<?> field = oxm.getMatchField();
            if (field.equals(MatchField.IN_PORT) && !oxm.isMasked()) {
                inPort = ((OFPort) oxm.getValue()).getPortNumber();
            } else if (field.equals(MatchField.ETH_TYPE) && !oxm.isMasked()) {
                ethType = ((EthType) oxm.getValue()).getValue();
            } else if (field.equals(MatchField.IPV4_SRC)) {
                ipv4Src = prefix(oxm);
            } else if (field.equals(MatchField.ARP_SPA)) {
                arpSpa = prefix(oxm);
            } else if (field.equals(MatchField.TUNNEL_IPV4_SRC) && !oxm.isMasked()) {
                tunnelSrc = new Ipv4Address(((IPv4Address) oxm.getValue()).getInt());
            } else if (field.equals(MatchField.IPV4_DST)) {
                ipv4Dst = prefix(oxm);
            } else if (field.equals(MatchField.ARP_TPA)) {
                arpTpa = prefix(oxm);
            } else if (field.equals(MatchField.TUNNEL_ID) && !oxm.isMasked()) {
                tunnelId = ((U64) oxm.getValue()).getValue();
            } else if (field.equals(MatchField.METADATA) && !oxm.isMasked()) {
                metadata = ((OFMetadata) oxm.getValue()).getValue().getValue();
            } else {
                throw new IllegalArgumentException("match field " + field.getName() + (oxm.isMasked() ? " (masked)" : "")
                        + " is not one ovsfabric installs");
            }
        }
        List<FlowAction> actions = new ArrayList<>();
        for (OFInstruction instruction : entry.getInstructions()) {
            if (instruction instanceof OFInstructionApplyActions apply) {
                for (OFAction action : apply.getActions()) {
                    actions.add(action(action));
                }
            } else if (instruction instanceof OFInstructionWriteMetadata write) {
                actions.add(new FlowAction.WriteMetadata(write.getMetadata().getValue()));
            } else if (instruction instanceof OFInstructionGotoTable gotoTable) {
                actions.add(new FlowAction.GotoTable(gotoTable.getTableId().getValue()));
            } else {
                throw new IllegalArgumentException("instruction " + instruction.getType() + " is not one ovsfabric installs");
            }
        }
        return new Flow(bridge, entry.getTableId().getValue(), entry.getPriority(),
                new io.ovsfabric.agent.plan.Match(inPort, ethType, ipv4Src, ipv4Dst, arpSpa, arpTpa, tunnelId,
                        tunnelSrc, metadata), actions,
                entry.getCookie().getValue());
    }

    private static FlowAction action(OFAction action) {
        if (action instanceof OFActionOutput output) {
            return output.getPort().equals(OFPort.NORMAL) ? new FlowAction.Normal()
                    : new FlowAction.Output(output.getPort().getPortNumber());
        }
        if (action instanceof OFActionSetField setField) {
            OFOxm<?> field = setField.getField();
            if (field instanceof OFOxmTunnelId id) {
                return new FlowAction.SetTunnelId(id.getValue().getValue());
            }
            if (field instanceof OFOxmTunnelIpv4Dst dst) {
                return new FlowAction.SetTunnelDst(new Ipv4Address(dst.getValue().getInt()));
            }
        }
        throw new IllegalArgumentException("action " + action + " is not one ovsfabric installs");
    }

    private static void setPrefix(Match.Builder builder, MatchField<IPv4Address> field, Cidr cidr) {
        IPv4Address network = IPv4Address.of(cidr.network().bits());
        if (cidr.prefixLength() == 32) {
            builder.setExact(field, network);
        } else {
            builder.setMasked(field, IPv4AddressWithMask.of(network, IPv4Address.of(cidr.mask())));
        }
    }

    private static Cidr prefix(OFOxm<?> oxm) {
        int value = ((IPv4Address) oxm.getValue()).getInt();
        int mask = oxm.isMasked() ? ((IPv4Address) oxm.getMask()).getInt() : -1;
        return new Cidr(new Ipv4Address(value & mask), Integer.bitCount(mask));
    }
}
