package io.ovsfabric.agent.plan;

/**
 * Host-side inputs of the plan that do not come from the controller.
 *
 * @param mode  the resolved datapath (never AUTO)
 * @param round the flow round of this agent run (1-65535), see {@link Cookie}
 */
public record PlanSettings(DeviceNames names, DatapathMode mode, int round) {
    public PlanSettings {
        if (mode == DatapathMode.AUTO) {
            throw new IllegalArgumentException("resolve the datapath mode before planning");
        }
    }
}
