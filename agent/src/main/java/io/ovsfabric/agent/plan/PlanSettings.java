package io.ovsfabric.agent.plan;

/**
 * Host-side inputs of the plan that do not come from the controller.
 *
 * @param mode  the resolved datapath (never AUTO)
 * @param round the flow round of this agent run (1-65535), see {@link Cookie}
 * @param icc   inter-container communication on docker0, as dockerd's {@code --icc} (the agent's {@code --icc} flag,
 *              which {@code docker-opts} passes on to dockerd): when false, docker0's containers reach neither each
 *              other's across hosts (flows) nor each other on this host (no FORWARD accept of docker0 to docker0)
 * @param ports what the host offers for the underlay and docker0 ports' types ({@link PortTypes}); its mode is
 *              {@code mode}
 */
public record PlanSettings(DeviceNames names, DatapathMode mode, int round, boolean icc, PortTypes.Offer ports) {
    public PlanSettings {
        if (mode == DatapathMode.AUTO) {
            throw new IllegalArgumentException("resolve the datapath mode before planning");
        }
        if (ports == null || ports.mode() != mode) {
            ports = ports == null ? PortTypes.Offer.plain(mode)
                    : new PortTypes.Offer(mode, ports.policy(), ports.interfaceTypes(), ports.refused());
        }
    }

    /** With icc on (Docker's default) and plain Linux devices on every bridge (AF_PACKET on the userspace datapath). */
    public PlanSettings(DeviceNames names, DatapathMode mode, int round) {
        this(names, mode, round, true, PortTypes.Offer.plain(mode));
    }

    /** Plain Linux devices on every bridge. */
    public PlanSettings(DeviceNames names, DatapathMode mode, int round, boolean icc) {
        this(names, mode, round, icc, PortTypes.Offer.plain(mode));
    }

    /** With icc on. */
    public PlanSettings(DeviceNames names, DatapathMode mode, int round, PortTypes.Offer ports) {
        this(names, mode, round, true, ports);
    }
}
