package io.ovsfabric.controller.cli;

import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ovsfabric-controller}: entry point. */
@Command(name = "ovsfabric-controller", mixinStandardHelpOptions = true, usageHelpWidth = 110, version = "ovsfabric-controller 0.1.0",
        description = {"The ovsfabric controller: keeps the fabric's address plan and host registry in etcd and streams",
                "the topology to the agents over gRPC. Run one or more (they share etcd; one leads and sweeps)."},
        subcommands = {ServeCommand.class, CommandLine.HelpCommand.class})
public final class ControllerMain implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: try 'ovsfabric-controller serve --help'");
    }

    public static void main(String[] args) {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install(); // grpc-java logs through java.util.logging
        System.exit(new CommandLine(new ControllerMain()).execute(args));
    }
}
