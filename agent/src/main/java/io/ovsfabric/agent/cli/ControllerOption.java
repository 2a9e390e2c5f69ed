package io.ovsfabric.agent.cli;

import io.ovsfabric.agent.rpc.HostCredentials;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.pki.FabricTls;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** {@code --controller} and the TLS flags, shared by the commands that talk to the controller. */
final class ControllerOption {
    private static final Logger log = LoggerFactory.getLogger(ControllerOption.class);

    @Option(names = "--controller", defaultValue = "127.0.0.1:7070", paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "every controller's gRPC address, comma-separated (a name may resolve to several): the agent"
                    + " uses the first that answers and moves to another within 2 s when it dies"
                    + " (default: ${DEFAULT-VALUE})")
    String address;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "this host's PEM certificate (default: <state-dir>/tls/host.crt, written by --join-token)")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "its PEM key (default: <state-dir>/tls/host.key)")
    Path tlsKey;

    @Option(names = "--tls-ca", paramLabel = "FILE",
            description = "the fabric CA certificate (default: <state-dir>/tls/ca.crt)")
    Path tlsCa;

    @Option(names = "--insecure", description = "plaintext, unauthenticated gRPC to the controller (tests only; logs a"
            + " warning at every start)")
    boolean insecure;

    /** The TLS files: the flags, else the state dir's. */
    FabricTls.PemPaths files(Path stateDir) {
        FabricTls.PemPaths defaults = HostCredentials.defaultFiles(stateDir);
        return new FabricTls.PemPaths(tlsCa != null ? tlsCa : defaults.caCert(),
                tlsCert != null ? tlsCert : defaults.cert(), tlsKey != null ? tlsKey : defaults.key());
    }

    HostCredentials credentials(Path stateDir, Optional<HostId> host, String app) {
        if (insecure) {
            if (tlsCert != null || tlsKey != null || tlsCa != null) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--insecure and --tls-* contradict each other");
            }
            log.warn(FabricTls.insecureWarning(app));
            return HostCredentials.insecure();
        }
        return HostCredentials.load(files(stateDir), host);
    }
}
