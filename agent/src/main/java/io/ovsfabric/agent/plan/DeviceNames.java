package io.ovsfabric.agent.plan;

import io.ovsfabric.agent.AgentException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Names of everything the agent creates on a host.
 *
 * @param integrationBridge OVS bridge carrying docker0's traffic and the tunnel port (br0)
 * @param underlayBridge    OVS bridge holding the underlay address in netdev mode (br-phy)
 * @param dockerBridge      the Linux bridge Docker uses (docker0)
 * @param vethDockerSide    veth end enslaved to docker0
 * @param vethBridgeSide    veth end attached to the integration bridge
 * @param tunnelPort        the one flow-based GRE port on the integration bridge
 */
public record DeviceNames(String integrationBridge, String underlayBridge, String dockerBridge, String vethDockerSide,
        String vethBridgeSide, String tunnelPort) {

    /** Linux interface names: at most 15 characters, no '/', no whitespace. */
    private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.\\-]{1,15}");

    public static DeviceNames defaults() {
        return new DeviceNames("br0", "br-phy", "docker0", "ofx-d0", "ofx-br0", "ofx-gre");
    }

    public DeviceNames withBridges(String integration, String underlay, String docker) {
        return new DeviceNames(integration, underlay, docker, vethDockerSide, vethBridgeSide, tunnelPort);
    }

    /** Every problem at once, empty when the names are usable. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        List<String> all = List.of(integrationBridge, underlayBridge, dockerBridge, vethDockerSide, vethBridgeSide,
                tunnelPort);
        for (String name : all) {
            if (name == null || !IFNAME.matcher(name).matches()) {
                problems.add("device name '" + name + "' is not a Linux interface name (1-15 of A-Z a-z 0-9 _ . -)");
            }
        }
        if (new LinkedHashSet<>(all).size() != all.size()) {
            problems.add("device names must differ from each other: " + all);
        }
        return problems;
    }

    public void validate() {
        List<String> problems = problems();
        if (!problems.isEmpty()) {
            throw AgentException.invalid(String.join("; ", problems));
        }
    }
}
