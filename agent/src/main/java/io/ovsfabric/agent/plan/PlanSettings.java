package io.ovsfabric.agent.plan;

/**
 * Host-side inputs of the plan that do not come from the controller.
 *
 * @param mode  the resolved datapath (never AUTO)
 * @param round the flow round of this agent run (1-65535), see {@link Cookie}
 * @param icc   inter-container communication on docker0, as dockerd's {@code --icc} (the agent's {@code --icc} flag,
 *              which {@code docker-opts} passes on to dockerd): when false, docker0's containers reach neither each
 *              other's across hosts (flows) nor each other on this host (no FORWARD accept of docker0 to docker0)
 */
public record PlanSettings(DeviceNames names, DatapathMode mode, int round, boolean icc) {
    public PlanSettings {
        if (mode == DatapathMode.AUTO) {
            throw new IllegalArgumentException("resolve the datapath mode before planning");
        }
    }

    /** With icc on (Docker's default). */
    public PlanSettings(DeviceNames names, DatapathMode mode, int round) {
        this(names, mode, round, true);
    }
}
