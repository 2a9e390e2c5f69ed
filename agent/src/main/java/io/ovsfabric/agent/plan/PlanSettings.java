package io.ovsfabric.agent.plan;

/**
 * Host-side inputs of the plan that do not come from the controller.
 *
 * @param mode  the resolved datapath (never AUTO)
 * @param round the flow round of this agent run (1-65535), see {@link Cookie}
 * @param ports what the host offers for the underlay and docker0 ports' types ({@link PortTypes}); its mode is
 *              {@code mode}
 */
public record PlanSettings(DeviceNames names, DatapathMode mode, int round, PortTypes.Offer ports) {
    public PlanSettings {
        if (mode == DatapathMode.AUTO) {
            throw new IllegalArgumentException("resolve the datapath mode before planning");
        }
        if (ports == null || ports.mode() != mode) {
            ports = ports == null ? PortTypes.Offer.plain(mode)
                    : new PortTypes.Offer(mode, ports.policy(), ports.interfaceTypes(), ports.refused());
        }
    }

    /** Plain Linux devices on every bridge (AF_PACKET on the userspace datapath). */
    public PlanSettings(DeviceNames names, DatapathMode mode, int round) {
        this(names, mode, round, PortTypes.Offer.plain(mode));
    }
}
