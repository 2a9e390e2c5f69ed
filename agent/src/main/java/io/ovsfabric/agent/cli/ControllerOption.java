package io.ovsfabric.agent.cli;

import picocli.CommandLine.Option;

/** {@code --controller}, shared by the commands that talk to the controller. */
final class ControllerOption {
    @Option(names = "--controller", defaultValue = "127.0.0.1:7070", paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "every controller's gRPC address, comma-separated (a name may resolve to several): the agent"
                    + " uses the first that answers and moves to another within 2 s when it dies"
                    + " (default: ${DEFAULT-VALUE})")
    String address;
}
