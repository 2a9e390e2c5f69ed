package io.ovsfabric.agent.cli;

import io.ovsfabric.agent.model.DataPlane;
import io.ovsfabric.agent.state.AgentState;
import io.ovsfabric.agent.state.AgentStateStore;
import io.ovsfabric.agent.state.StateDirLock;
import io.ovsfabric.agent.wiring.AgentWiring;
import io.ovsfabric.common.Ipv4Address;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "teardown", mixinStandardHelpOptions = true, usageHelpWidth = 110,
        description = {"Removes everything the agent created on this host (bridges, ports, flows, veths, docker0's",
                "fabric address, NAT chains: all marked as ovsfabric's) and nothing else. Stop the agent first.",
                "Safe to run twice. The host keeps its subnet at the controller until its lease expires and the",
                "grace period ends (or 'ovsfabricctl hosts release')."})
final class TeardownCommand implements Callable<Integer> {

    @Mixin
    DataPlaneOptions dataPlane;

    @Option(names = "--underlay-ip", paramLabel = "IP",
            description = "this host's underlay address (default: the one in the agent's saved state), needed to move "
                    + "it back from br-phy to the underlay interface")
    String underlayIp;

    @Option(names = "--state-dir", defaultValue = "/var/lib/ovsfabric", paramLabel = "DIR",
            description = "the agent's state dir (default: ${DEFAULT-VALUE})")
    Path stateDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Ipv4Address underlay = underlayIp != null ? Ipv4Address.parse(underlayIp)
                : new AgentStateStore(stateDir).load().map(AgentState::self).map(s -> s.underlayIp())
                        .orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
                                "no saved agent state in " + stateDir + ": pass --underlay-ip"));
        // A running agent would rebuild what this removes: refuse while one holds the state dir.
        try (StateDirLock lock = StateDirLock.acquire(stateDir, "teardown");
                DataPlane plane = AgentWiring.dataPlaneFactory().open(dataPlane.settings(underlay))) {
            plane.teardown();
        }
        spec.commandLine().getOut().println("removed everything ovsfabric created on this host");
        return 0;
    }
}
