package io.ovsfabric.agent.diag;

import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.linux.Command;
import io.ovsfabric.agent.linux.CommandResult;
import io.ovsfabric.agent.linux.CommandRunner;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@link BridgeTracer} through OVS's command-line tools, run by the agent's {@link CommandRunner} (so it honours the
 * runner's network namespace) with {@code OVS_RUNDIR} pointing at the agent's {@code --ovs-rundir}: the tools find
 * that vswitchd's control socket and the bridge's management socket there.
 */
public final class OvsAppctlTracer implements BridgeTracer {
    private final CommandRunner runner;
    private final Map<String, String> env;

    public OvsAppctlTracer(CommandRunner runner, Path ovsRundir) {
        this.runner = runner;
        this.env = Map.of("OVS_RUNDIR", ovsRundir.toString());
    }

    @Override
    public String trace(String bridge, String flow) {
        CommandResult result = runner.run(Command.of(List.of("ovs-appctl", "ofproto/trace", bridge, flow)).withEnv(env));
        if (result.succeeded()) {
            return result.stdout();
        }
        String why = (result.stdout() + "\n" + result.stderr()).strip();
        if (why.contains("Bad openflow flow syntax") || why.contains("unknown port") || why.contains("no bridge named")) {
            throw new AgentException(AgentException.Code.INVALID, "OVS refused to trace '" + flow + "' on " + bridge
                    + ": " + why);
        }
        throw new AgentException(AgentException.Code.UNAVAILABLE, "ovs-appctl ofproto/trace on " + bridge + " failed"
                + " (exit " + result.exitCode() + "): " + why + " (is ovs-vswitchd running with its run dir at "
                + env.get("OVS_RUNDIR") + "?)");
    }

    @Override
    public Map<Integer, String> ports(String bridge) {
        CommandResult result = runner.run(Command.of(List.of("ovs-ofctl", "-O", "OpenFlow13", "dump-ports-desc", bridge))
                .withEnv(env));
        if (!result.succeeded()) {
            throw new AgentException(AgentException.Code.UNAVAILABLE, "ovs-ofctl dump-ports-desc " + bridge
                    + " failed (exit " + result.exitCode() + "): " + result.stderr().strip());
        }
        return PortTable.parse(result.stdout());
    }
}
