package io.ovsfabric.agent.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.model.DockerOptions;
import io.ovsfabric.agent.model.FabricHost;
import io.ovsfabric.agent.model.FabricSettings;
import io.ovsfabric.agent.rpc.ControllerClient;
import io.ovsfabric.agent.rpc.FabricClient;
import io.ovsfabric.agent.state.AgentState;
import io.ovsfabric.agent.state.AgentStateStore;
import io.ovsfabric.common.HostId;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "docker-opts", mixinStandardHelpOptions = true, usageHelpWidth = 110,
        description = {"Prints the Docker daemon settings for this host (--bip, --fixed-cidr, --mtu), the way flannel's",
                "subnet.env feeds dockerd. The host must hold a subnet: start its agent first, or reserve one with",
                "'ovsfabricctl hosts reserve'.",
                "",
                "--bip is the host's gateway with the fabric's prefix length (the whole fabric is one L2 segment);",
                "--fixed-cidr is the largest block of the host's subnet that leaves out its first addresses",
                "(network address and gateway), so Docker never hands them out; --mtu leaves room for GRE.",
                "",
                "Examples:",
                "  dockerd $(ovsfabric-agent docker-opts --host-id h1)",
                "  ovsfabric-agent docker-opts --host-id h1 -o json > /etc/docker/daemon.json",
                "  ovsfabric-agent docker-opts --host-id h1 -o env > /run/ovsfabric/docker.env",
                "",
                "When the controller cannot be reached (a reboot during a controller outage), the settings this host's",
                "agent saved with its last topology (--state-dir) are printed instead, with a note on stderr: Docker",
                "starts with the same range the agent keeps using.",
                ""})
final class DockerOptsCommand implements Callable<Integer> {

    @Mixin
    ControllerOption controller;

    @Option(names = "--host-id", required = true, paramLabel = "ID", description = "the host to print settings for")
    String hostId;

    @Option(names = "--state-dir", defaultValue = "/var/lib/ovsfabric", paramLabel = "DIR",
            description = "the agent's state dir, read when the controller is unreachable (default: ${DEFAULT-VALUE})")
    Path stateDir;

    @Option(names = {"-o", "--output"}, defaultValue = "flags", paramLabel = "FORMAT",
            description = "flags (dockerd command-line flags, one line), json (daemon.json) or env (an environment "
                    + "file with DOCKER_OPTS) (default: ${DEFAULT-VALUE})")
    String output;

    @Option(names = "--icc", defaultValue = "true", arity = "1", paramLabel = "BOOL",
            description = "false adds dockerd's --icc=false (docker0's containers kept apart); the agent must run "
                    + "with the same --icc (default: ${DEFAULT-VALUE})")
    boolean icc;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!output.equals("flags") && !output.equals("json") && !output.equals("env")) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "unknown output format '" + output + "': use flags, json or env");
        }
        HostId host = HostId.of(hostId);
        DockerOptions opts;
        try (ControllerClient controllerClient = ControllerClient.connect(controller.address,
                controller.credentials(stateDir, Optional.empty(), "ovsfabric-agent docker-opts"))) {
            FabricClient client = controllerClient.membership();
            FabricSettings fabric = client.fabric();
            FabricHost record = client.host(host);
            opts = DockerOptions.of(fabric, record.subnet(), record.subnet().firstUsable());
        } catch (AgentException e) {
            // unreachable, or failing inside: the controller cannot answer now (a refusal is not hidden)
            if (e.code() != AgentException.Code.UNAVAILABLE && e.code() != AgentException.Code.FAILED) {
                throw e;
            }
            opts = saved(host, e);
        }
        opts = opts.withIcc(icc);
        var out = spec.commandLine().getOut();
        switch (output) {
            case "json" -> out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(opts.daemonJson()));
            case "env" -> opts.envLines().forEach(out::println);
            default -> out.println(String.join(" ", opts.flags()));
        }
        out.flush();
        return 0;
    }

    /** The settings of the agent's last applied topology, when the controller cannot answer. */
    private DockerOptions saved(HostId host, AgentException unreachable) {
        AgentStateStore store = new AgentStateStore(stateDir);
        AgentState state = store.load().filter(st -> st.self().id().equals(host)).orElseThrow(() -> new AgentException(
                unreachable.code(), unreachable.getMessage() + "; and " + store.file() + " holds no saved settings of host "
                        + host + " to fall back on: start the controller, or this host's agent once it is reachable",
                unreachable));
        spec.commandLine().getErr().println("ovsfabric-agent: controller " + controller.address + " unreachable ("
                + unreachable.getMessage() + "); using the settings saved in " + store.file() + " (subnet "
                + state.self().subnet() + ")");
        return DockerOptions.of(state.view().fabric(), state.self().subnet(), state.self().gateway());
    }
}
