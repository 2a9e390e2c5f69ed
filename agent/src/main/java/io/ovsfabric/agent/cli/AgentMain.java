package io.ovsfabric.agent.cli;

import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ovsfabric-agent}: entry point. */
@Command(name = "ovsfabric-agent", mixinStandardHelpOptions = true, usageHelpWidth = 110,
        version = "ovsfabric-agent 0.1.0",
        description = {"The ovsfabric agent: runs on every Docker host. It registers the host with the controller, gets",
                "the host's subnet, links docker0 to the Open vSwitch bridge br0, builds GRE tunnels to every peer host",
                "and keeps all of it in line with the fabric's topology."},
        subcommands = {RunCommand.class, DockerOptsCommand.class, TeardownCommand.class, CheckUpcallsCommand.class,
                CommandLine.HelpCommand.class})
public final class AgentMain implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: try 'ovsfabric-agent run --help'");
    }

    public static void main(String[] args) {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install(); // grpc-java logs through java.util.logging
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new AgentMain());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("ovsfabric-agent: " + e.getMessage());
            return 1;
        });
        return cl;
    }
}
