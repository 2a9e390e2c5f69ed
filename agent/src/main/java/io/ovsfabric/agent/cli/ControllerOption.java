package io.ovsfabric.agent.cli;

import picocli.CommandLine.Option;

/** {@code --controller}, shared by the commands that talk to the controller. */
final class ControllerOption {
    @Option(names = "--controller", defaultValue = "127.0.0.1:7070", paramLabel = "HOST:PORT",
            description = "the controller's gRPC address (default: ${DEFAULT-VALUE})")
    String address;
}
