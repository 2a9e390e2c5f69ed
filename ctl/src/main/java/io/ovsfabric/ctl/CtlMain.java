package io.ovsfabric.ctl;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code ovsfabricctl}: the admin CLI. Results go to stdout, errors to stderr, failures exit non-zero. */
@Command(name = "ovsfabricctl", mixinStandardHelpOptions = true, version = "ovsfabricctl 0.1.0", usageHelpWidth = 110,
        description = {"Inspect and administer an ovsfabric controller: hosts, their subnets, reservations, networks.",
                "Start with 'ovsfabricctl status': the fabric's health at a glance, non-zero when an operator must act."},
        subcommands = {FabricCommand.class, HostsCommand.class, SubnetsCommand.class, NetworkCommand.class,
                EndpointsCommand.class, IpamCommand.class, StatusCommand.class, TraceCommand.class, PkiCommand.class, TokenCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:the controller refused the request (the message says why)",
                "2:bad command line", "3:the controller cannot be reached"})
public final class CtlMain implements Runnable {
    public static final int REFUSED = 1;
    public static final int UNREACHABLE = 3;

    @Option(names = "--controller", defaultValue = "${env:OVSFABRIC_CONTROLLER:-127.0.0.1:7070}", scope = ScopeType.INHERIT,
            paramLabel = "HOST:PORT[,HOST:PORT...]", description = "the controllers, any of which can answer (a name may"
                    + " resolve to several); default: $OVSFABRIC_CONTROLLER or 127.0.0.1:7070")
    String controller;

    @Option(names = "--tls-cert", defaultValue = "${env:OVSFABRIC_TLS_CERT}", scope = ScopeType.INHERIT,
            paramLabel = "FILE", description = "the admin's PEM certificate (ovsfabricctl pki issue-admin); default:"
                    + " $OVSFABRIC_TLS_CERT")
    java.nio.file.Path tlsCert;

    @Option(names = "--tls-key", defaultValue = "${env:OVSFABRIC_TLS_KEY}", scope = ScopeType.INHERIT,
            paramLabel = "FILE", description = "its PEM key; default: $OVSFABRIC_TLS_KEY")
    java.nio.file.Path tlsKey;

    @Option(names = "--tls-ca", defaultValue = "${env:OVSFABRIC_TLS_CA}", scope = ScopeType.INHERIT,
            paramLabel = "FILE", description = "the fabric CA certificate; default: $OVSFABRIC_TLS_CA")
    java.nio.file.Path tlsCa;

    @Option(names = "--insecure", scope = ScopeType.INHERIT, description = "plaintext, unauthenticated gRPC (a test"
            + " controller started with --insecure)")
    boolean insecure;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: try 'ovsfabricctl hosts'");
    }

    ControllerClient connect() {
        if (insecure) {
            org.slf4j.LoggerFactory.getLogger(CtlMain.class).warn(
                    io.ovsfabric.common.pki.FabricTls.insecureWarning("ovsfabricctl"));
            return ControllerClient.connect(controller, io.grpc.InsecureChannelCredentials.create());
        }
        if (tlsCert == null || tlsKey == null || tlsCa == null) {
            throw new io.ovsfabric.common.InvalidInputException("the controller needs an admin certificate: pass"
                    + " --tls-cert, --tls-key and --tls-ca (or set $OVSFABRIC_TLS_CERT, $OVSFABRIC_TLS_KEY,"
                    + " $OVSFABRIC_TLS_CA; 'ovsfabricctl pki issue-admin' makes one), or --insecure for a test"
                    + " controller");
        }
        try {
            return ControllerClient.connect(controller, io.ovsfabric.common.pki.FabricTls.channelCredentials(
                    new io.ovsfabric.common.pki.FabricTls.PemPaths(tlsCa, tlsCert, tlsKey),
                    io.ovsfabric.common.pki.FabricTls.ServerCheck.CONTROLLER_IDENTITY));
        } catch (io.ovsfabric.common.pki.PkiException e) {
            throw new io.ovsfabric.common.InvalidInputException(e.getMessage());
        }
    }

    public static void main(String[] args) {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line with the given output streams (tests call this in-process). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new CtlMain());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof StatusRuntimeException status) {
                return report(status, commandLine, err);
            }
            if (ex instanceof io.ovsfabric.common.pki.PkiException pki) {
                err.println("ovsfabricctl: " + pki.getMessage());
                return 2;
            }
            if (ex instanceof io.ovsfabric.common.InvalidInputException invalid) {
                err.println("ovsfabricctl: " + invalid.getMessage());
                return 2;
            }
            throw ex;
        });
        return cli.execute(args);
    }

    private static int report(StatusRuntimeException e, CommandLine commandLine, PrintWriter err) {
        Status status = e.getStatus();
        String address = commandLine.getCommandSpec().root().findOption("--controller").getValue();
        if (status.getCode() == Status.Code.UNAVAILABLE && (status.getDescription() == null || status.getCause() != null
                || status.getDescription().startsWith("io exception"))) {
            String why = status.getCause() != null && status.getCause().getMessage() != null ? status.getCause().getMessage()
                    : status.getDescription();
            err.println("ovsfabricctl: cannot reach the controller at " + address + " (" + why
                    + "): is it running? Point --controller (or $OVSFABRIC_CONTROLLER) at it");
            return UNREACHABLE;
        }
        if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
            err.println("ovsfabricctl: the controller at " + address + " did not answer in time; retry, and check its log");
            return UNREACHABLE;
        }
        err.println("ovsfabricctl: " + status.getCode() + ": " + status.getDescription());
        return REFUSED;
    }
}
