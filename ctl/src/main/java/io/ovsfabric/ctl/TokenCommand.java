package io.ovsfabric.ctl;

import io.ovsfabric.proto.v1.CreateJoinTokenRequest;
import io.ovsfabric.proto.v1.CreateJoinTokenResponse;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code ovsfabricctl token create}: a join token for one host. */
@Command(name = "token", mixinStandardHelpOptions = true, usageHelpWidth = 110,
        description = {"Join tokens: a short-lived, single-use secret with which 'ovsfabric-agent run --join-token'",
                "gets its host certificate from the controller. The controller keeps only its hash."},
        subcommands = {TokenCommand.Create.class})
final class TokenCommand implements Runnable {
    @ParentCommand
    CtlMain root;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: create");
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Prints a new token on stdout (only once: it is not stored), its expiry on stderr.",
                    "  ovsfabricctl token create --ttl 1h --host h7"})
    static final class Create implements Callable<Integer> {
        @ParentCommand
        TokenCommand parent;

        @Option(names = "--ttl", defaultValue = "1h", converter = PkiCommand.DurationParser.class,
                paramLabel = "DURATION", description = "how long it may be used, 1m-7d (default: ${DEFAULT-VALUE})")
        Duration ttl;

        @Option(names = "--host", paramLabel = "HOST_ID", description = "the only host it admits (default: any host"
                + " that is not live)")
        String host;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            try (ControllerClient client = parent.root.connect()) {
                CreateJoinTokenResponse r = client.admin().createJoinToken(CreateJoinTokenRequest.newBuilder()
                        .setTtlSeconds((int) Math.min(Integer.MAX_VALUE, ttl.toSeconds()))
                        .setHostId(host == null ? "" : host).build());
                PrintWriter out = spec.commandLine().getOut();
                out.println(r.getToken());
                out.flush();
                spec.commandLine().getErr().println("token " + r.getTokenId() + " expires "
                        + Instant.ofEpochMilli(r.getExpiresAtUnixMs()) + ", single use, "
                        + (r.getHostId().isEmpty() ? "for any host" : "for host " + r.getHostId()));
            }
            return 0;
        }
    }
}
