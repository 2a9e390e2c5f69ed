package io.ovsfabric.ctl;

import io.ovsfabric.common.HostId;
import io.ovsfabric.common.pki.CertifiedKey;
import io.ovsfabric.common.pki.FabricCa;
import io.ovsfabric.common.pki.Identity;
import io.ovsfabric.common.pki.LeafLifetimes;
import io.ovsfabric.common.pki.LeafSpec;
import io.ovsfabric.common.pki.PemFiles;
import io.ovsfabric.common.pki.PkiException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ovsfabricctl pki}: the fabric CA and the certificates an admin hands out. Works offline, on files. */
@Command(name = "pki", mixinStandardHelpOptions = true, usageHelpWidth = 110,
        description = {"Make the fabric CA and issue certificates from it (offline: no controller needed).",
                "",
                "  ovsfabricctl pki init --dir /etc/ovsfabric/pki",
                "  ovsfabricctl pki issue-controller c1 --dir /etc/ovsfabric/pki --dns ctl1.example --ip 10.0.0.2",
                "  ovsfabricctl pki issue-admin alice --dir /etc/ovsfabric/pki",
                "",
                "Files in DIR: ca.crt (give it to every member), ca.key (0600: the fabric's root secret; a controller",
                "that holds it signs host certificates for join tokens), <kind>-<name>.crt/.key for what was issued."},
        subcommands = {PkiCommand.Init.class, PkiCommand.IssueAdmin.class, PkiCommand.IssueController.class,
                PkiCommand.IssueHost.class})
final class PkiCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: init, issue-admin,"
                + " issue-controller or issue-host");
    }

    static FabricCa loadCa(Path dir) {
        Path key = dir.resolve("ca.key");
        Path cert = dir.resolve("ca.crt");
        if (!Files.exists(key) || !Files.exists(cert)) {
            throw new PkiException("no fabric CA in " + dir + " (ca.crt and ca.key): run 'ovsfabricctl pki init --dir "
                    + dir + "' first");
        }
        return FabricCa.load(key, cert, LeafLifetimes.DEFAULTS, Clock.systemUTC());
    }

    static void write(PrintWriter out, Path dir, String base, CertifiedKey issued) {
        Path cert = dir.resolve(base + ".crt");
        Path key = dir.resolve(base + ".key");
        issued.writeTo(cert, key, PemFiles.Overwrite.REFUSE);
        out.println("issued " + issued.identity().uri() + " until " + issued.certificate().getNotAfter().toInstant()
                + ": " + cert + ", " + key);
    }

    /** Options of every issue-* command. */
    static class IssueOptions {
        @Option(names = "--dir", required = true, paramLabel = "DIR", description = "the CA's directory (pki init)")
        Path dir;

        @Option(names = "--lifetime", paramLabel = "DURATION", converter = DurationParser.class,
                description = "validity (default: hosts and controllers 30d, admins 365d)")
        Duration lifetime;

        LeafSpec withLifetime(LeafSpec spec) {
            return lifetime == null ? spec : spec.withLifetime(lifetime);
        }
    }

    /** 90s, 10m, 1h, 30d. */
    static final class DurationParser implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            if (value.length() < 2) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration like 1h or 30d");
            }
            long n;
            try {
                n = Long.parseLong(value.substring(0, value.length() - 1));
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration like 1h or 30d");
            }
            return switch (value.charAt(value.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> throw new CommandLine.TypeConversionException("'" + value + "': use s, m, h or d");
            };
        }
    }

    @Command(name = "init", mixinStandardHelpOptions = true, description = {"Make the fabric CA in DIR (ca.crt,"
            + " ca.key), or adopt an existing one (--ca-cert/--ca-key, e.g. an intermediate of your organisation's CA)."})
    static final class Init implements Callable<Integer> {
        @Option(names = "--dir", required = true, paramLabel = "DIR") Path dir;
        @Option(names = "--name", defaultValue = "ovsfabric", paramLabel = "NAME",
                description = "the fabric's name in the CA's subject (default: ${DEFAULT-VALUE})") String name;
        @Option(names = "--ca-cert", paramLabel = "FILE") Path caCert;
        @Option(names = "--ca-key", paramLabel = "FILE") Path caKey;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if ((caCert == null) != (caKey == null)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--ca-cert and --ca-key go together");
            }
            Files.createDirectories(dir);
            FabricCa ca = caCert != null ? FabricCa.load(caKey, caCert, LeafLifetimes.DEFAULTS, Clock.systemUTC())
                    : FabricCa.create(name, Clock.systemUTC());
            ca.writeTo(dir.resolve("ca.key"), dir.resolve("ca.crt"));
            PrintWriter out = spec.commandLine().getOut();
            out.println((caCert != null ? "adopted" : "created") + " the fabric CA '"
                    + ca.certificate().getSubjectX500Principal().getName() + "' until "
                    + ca.certificate().getNotAfter().toInstant() + ": " + dir.resolve("ca.crt") + ", "
                    + dir.resolve("ca.key") + " (keep it secret)");
            return 0;
        }
    }

    @Command(name = "issue-admin", mixinStandardHelpOptions = true,
            description = {"An admin certificate for ovsfabricctl: DIR/admin-NAME.crt/.key."})
    static final class IssueAdmin extends IssueOptions implements Callable<Integer> {
        @Parameters(paramLabel = "NAME") String name;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            write(spec.commandLine().getOut(), dir, "admin-" + name,
                    loadCa(dir).issueWithNewKey(withLifetime(LeafSpec.of(Identity.admin(name)))));
            return 0;
        }
    }

    @Command(name = "issue-controller", mixinStandardHelpOptions = true,
            description = {"A controller certificate (server and client): DIR/controller-NAME.crt/.key, with the DNS",
                    "names and IPs clients dial it at. Start the controller with --pki-dir DIR --controller-id NAME."})
    static final class IssueController extends IssueOptions implements Callable<Integer> {
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = "--dns", split = ",", paramLabel = "NAME") List<String> dns = new ArrayList<>();
        @Option(names = "--ip", split = ",", paramLabel = "IP") List<String> ips = new ArrayList<>();
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            List<InetAddress> addresses = new ArrayList<>();
            for (String ip : ips) {
                if (!ip.matches("[0-9.]+|[0-9a-fA-F:]+")) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--ip '" + ip + "' is not an IP");
                }
                try {
                    addresses.add(InetAddress.getByName(ip));
                } catch (UnknownHostException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--ip '" + ip + "' is not an IP");
                }
            }
            write(spec.commandLine().getOut(), dir, "controller-" + name,
                    loadCa(dir).issueWithNewKey(withLifetime(LeafSpec.controller(name, dns, addresses))));
            return 0;
        }
    }

    @Command(name = "issue-host", mixinStandardHelpOptions = true,
            description = {"A host certificate made here instead of by a join: DIR/host-ID.crt/.key (the host's key",
                    "then travels: prefer 'token create' + 'ovsfabric-agent run --join-token')."})
    static final class IssueHost extends IssueOptions implements Callable<Integer> {
        @Parameters(paramLabel = "HOST_ID") String host;
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            write(spec.commandLine().getOut(), dir, "host-" + host,
                    loadCa(dir).issueWithNewKey(withLifetime(LeafSpec.of(Identity.host(HostId.of(host))))));
            return 0;
        }
    }
}
