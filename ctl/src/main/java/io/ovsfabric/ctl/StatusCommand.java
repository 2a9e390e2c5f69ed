package io.ovsfabric.ctl;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ovsfabric.proto.v1.CheckIpamRequest;
import io.ovsfabric.proto.v1.CheckIpamResponse;
import io.ovsfabric.proto.v1.GetFabricRequest;
import io.ovsfabric.proto.v1.GetFabricResponse;
import io.ovsfabric.proto.v1.Host;
import io.ovsfabric.proto.v1.HostState;
import io.ovsfabric.proto.v1.IpamFindingKind;
import io.ovsfabric.proto.v1.HostTunnels;
import io.ovsfabric.proto.v1.ListHostsRequest;
import io.ovsfabric.proto.v1.ListTunnelsRequest;
import io.ovsfabric.proto.v1.ListTunnelsResponse;
import io.ovsfabric.proto.v1.PeerTunnel;
import io.ovsfabric.proto.v1.TunnelState;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "status", mixinStandardHelpOptions = true, usageHelpWidth = 110, sortOptions = false,
        description = {"The fabric's health at a glance, and whether an operator must act.",
                "",
                "It asks a controller for the leader, etcd's health (the controller reads etcd to answer), every",
                "host and its state, an 'ipam check' summary (read only: nothing is repaired) and every host's latest",
                "tunnel report: each agent probes each peer through its GRE tunnel every second (UDP between the",
                "docker0 gateways) and reports which tunnels answer (TUNNELS: healthy/expected, BROKEN: the peers that",
                "stopped answering, RTT: the slowest healthy tunnel's median round trip). Then it reads each",
                "UP host's agent at http://UNDERLAY_IP:PORT/metrics (the agent's --metrics-listen; --agent-metrics-port)",
                "for what the agent itself reports: its last reconcile pass (ok or failed, and when) and how many peers",
                "br0 tunnels to, compared with the peers it should tunnel to (every other host that is UP, or DOWN after",
                "a lease expiry: forwarding is never torn down for liveness alone). An agent whose metrics cannot be",
                "read is shown as such; that alone is not a problem.",
                "",
                "Needs an operator (listed under 'needs an operator', exit status 1): a DOWN host, an ipam finding, no",
                "leader elected, etcd not answering, an agent whose last pass failed, fewer tunnels than peers, or a",
                "broken tunnel to a host that is UP.",
                "",
                "Example:",
                "  ovsfabricctl --controller 192.0.2.2:7070 status",
                "  ovsfabricctl status -o json | jq .problems"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:healthy: nothing to do", "1:something needs an operator (listed)", "2:bad command line",
                "3:the controller cannot be reached"})
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    CtlMain root;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-o", "--output"}, defaultValue = "table", paramLabel = "FORMAT", description = "table or json (default: table)")
    Output.Format format;

    @Option(names = "--agent-metrics-port", defaultValue = "9091", paramLabel = "PORT",
            description = "port of the agents' /metrics on their underlay addresses; 0: do not ask the agents (default: 9091)")
    int agentMetricsPort;

    @Option(names = "--agent-timeout", defaultValue = "2", paramLabel = "SECONDS",
            description = "how long to wait for each agent's metrics (default: 2)")
    int agentTimeoutSeconds;

    record EtcdJson(boolean healthy, long revision, String error) {}

    record IpamJson(String error, int leaks, int orphans, int conflicts, List<String> unreportedHosts, List<String> partialHosts) {}

    record AgentJson(boolean reachable, String error, String lastReconcile, long lastOkUnixMs, long lastFailedUnixMs,
            long passesOk, long passesFailed, long topologyRevision) {}

    /** One tunnel as its host reported it; rtt in ms, null before the first answer. */
    record TunnelJson(String peer, String state, Double lastRttMs, Double medianRttMs, long lastAnswerUnixMs,
            long stateSinceUnixMs, int windowSent, int windowLost) {}

    /** @param tunnelsUp peers br0 forwards to (agent metrics); tunnelsHealthy: from the tunnel report, null without */
    record HostJson(String hostId, String state, String underlayIp, String subnet, boolean left, int tunnelsExpected,
            Long tunnelsUp, Long tunnelsHealthy, List<String> tunnelsBroken, Long tunnelReportAgeMs, List<TunnelJson> tunnels,
            String agentVersion, String ovsVersion, String datapath, AgentJson agent) {}

    record StatusJson(boolean healthy, String fabricCidr, String answeredBy, String leader, EtcdJson etcd, int up, int down,
            int reserved, List<HostJson> hosts, IpamJson ipam, List<String> problems, List<String> notes) {}

    @Override
    public Integer call() {
        if (agentMetricsPort < 0 || agentMetricsPort > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--agent-metrics-port must be 0-65535");
        }
        StatusJson status;
        try (ControllerClient client = root.connect()) {
            status = collect(client);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (format == Output.Format.json) {
            Output.json(out, status);
        } else {
            print(out, status);
        }
        return status.healthy() ? 0 : CtlMain.REFUSED;
    }

    private StatusJson collect(ControllerClient client) {
        String fabricCidr = "";
        String answeredBy = "";
        String leader = "";
        EtcdJson etcd;
        try {
            GetFabricResponse fabric = client.admin().getFabric(GetFabricRequest.getDefaultInstance());
            fabricCidr = fabric.getConfig().getFabricCidr() + " (/" + fabric.getConfig().getHostPrefix() + " per host)";
            answeredBy = fabric.getControllerId();
            leader = fabric.getLeader();
            etcd = new EtcdJson(true, fabric.getRevision(), null);
        } catch (StatusRuntimeException e) {
            rethrowIfUnreachable(e);
            etcd = new EtcdJson(false, 0, e.getStatus().getCode() + ": " + e.getStatus().getDescription());
        }
        List<Host> hosts = List.of();
        try {
            hosts = client.admin().listHosts(ListHostsRequest.getDefaultInstance()).getHostsList();
        } catch (StatusRuntimeException e) {
            rethrowIfUnreachable(e);
            if (etcd.healthy()) {
                etcd = new EtcdJson(false, 0, e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            }
        }
        IpamJson ipam;
        try {
            CheckIpamResponse check = client.admin().checkIpam(CheckIpamRequest.getDefaultInstance());
            ipam = new IpamJson(null, count(check, IpamFindingKind.IPAM_FINDING_KIND_LEAK),
                    count(check, IpamFindingKind.IPAM_FINDING_KIND_ORPHAN), count(check, IpamFindingKind.IPAM_FINDING_KIND_CONFLICT),
                    check.getUnreportedHostsList(), check.getPartialHostsList());
        } catch (StatusRuntimeException e) {
            rethrowIfUnreachable(e);
            ipam = new IpamJson(e.getStatus().getCode() + ": " + e.getStatus().getDescription(), 0, 0, 0, List.of(), List.of());
        }
        Map<String, HostTunnels> tunnels = new java.util.HashMap<>();
        String tunnelsError = null;
        try {
            // in pages: a fabric of 1,000 hosts has a million tunnels, more than one answer carries
            String after = "";
            do {
                ListTunnelsResponse page = client.tunnels().listTunnels(ListTunnelsRequest.newBuilder().setPaged(true)
                        .setAfterHostId(after).build());
                page.getHostsList().forEach(h -> tunnels.put(h.getHostId(), h));
                after = page.getNextAfterHostId();
            } while (!after.isEmpty());
        } catch (StatusRuntimeException e) {
            rethrowIfUnreachable(e);
            tunnelsError = e.getStatus().getCode() == Status.Code.UNIMPLEMENTED
                    ? "the controller does not collect tunnel reports (older than this ovsfabricctl)"
                    : e.getStatus().getCode() + ": " + e.getStatus().getDescription();
        }
        Map<String, AgentScraper.AgentReport> agents = agentMetricsPort == 0 ? Map.of()
                : new AgentScraper(Duration.ofSeconds(Math.max(1, agentTimeoutSeconds))).read(hosts.stream()
                        .filter(h -> h.getState() == HostState.HOST_STATE_UP).map(Host::getUnderlayIp).toList(), agentMetricsPort);
        return judge(fabricCidr, answeredBy, leader, etcd, hosts, ipam, agents, tunnels, tunnelsError, System.currentTimeMillis());
    }

    /** Pure: what the answers mean, and what needs an operator. */
    static StatusJson judge(String fabricCidr, String answeredBy, String leader, EtcdJson etcd, List<Host> hosts, IpamJson ipam,
            Map<String, AgentScraper.AgentReport> agents, Map<String, HostTunnels> tunnelReports, String tunnelsError, long nowMs) {
        List<String> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        if (tunnelsError != null) {
            notes.add("tunnel reports not read: " + tunnelsError);
        }
        Map<String, Host> byId = new java.util.HashMap<>();
        hosts.forEach(h -> byId.put(h.getHostId(), h));
        if (!etcd.healthy()) {
            problems.add("etcd: the controller " + (answeredBy.isEmpty() ? "" : answeredBy + " ") + "cannot read it ("
                    + etcd.error() + "): check the etcd members (etcdctl endpoint health) and the controller's log");
        }
        if (etcd.healthy() && leader.isEmpty()) {
            problems.add("no controller leads: DOWN hosts are not marked and subnets are not reclaimed; check that a"
                    + " controller runs (journalctl -u ovsfabric-controller)");
        }
        int up = 0;
        int down = 0;
        int reserved = 0;
        List<HostJson> rows = new ArrayList<>();
        for (Host host : hosts) {
            String id = host.getHostId();
            int expected = 0;
            if (host.getState() == HostState.HOST_STATE_UP) {
                up++;
                expected = (int) hosts.stream().filter(p -> !p.getHostId().equals(id))
                        .filter(p -> p.getState() == HostState.HOST_STATE_UP
                                || (p.getState() == HostState.HOST_STATE_DOWN && !p.getLeft())).count();
            } else if (host.getState() == HostState.HOST_STATE_DOWN) {
                down++;
                problems.add("host " + id + " is DOWN" + (host.getLeft() ? " (it left)" : "") + " since "
                        + Output.time(host.getDownSinceUnixMs()) + (host.getReclaimableAtUnixMs() > 0 ? ", its subnet "
                        + host.getSubnet() + " is reclaimable at " + Output.time(host.getReclaimableAtUnixMs()) : "")
                        + ": start its agent (journalctl -u ovsfabric-agent on " + host.getUnderlayIp()
                        + "), or release it (ovsfabricctl hosts release " + id + ")");
            } else if (host.getState() == HostState.HOST_STATE_RESERVED) {
                reserved++;
            }
            AgentScraper.AgentReport report = agents.get(host.getUnderlayIp());
            AgentJson agent = null;
            Long tunnelsUp = null;
            if (report != null) {
                String last = !report.reachable() ? "unknown"
                        : report.lastOkMs() == 0 && report.lastFailedMs() == 0 ? "none yet"
                        : report.lastFailed() ? "failed " + ago(nowMs - report.lastFailedMs())
                        : "ok " + ago(nowMs - report.lastOkMs());
                agent = new AgentJson(report.reachable(), report.error(), last, report.lastOkMs(), report.lastFailedMs(),
                        report.passesOk(), report.passesFailed(), report.revision());
                if (report.reachable()) {
                    tunnelsUp = report.tunnels();
                    if (report.lastFailed()) {
                        problems.add("host " + id + ": the agent's last reconcile pass failed " + ago(nowMs - report.lastFailedMs())
                                + " (it retries with backoff): see journalctl -u ovsfabric-agent on " + host.getUnderlayIp());
                    }
                    if (report.tunnels() < expected) {
                        problems.add("host " + id + " tunnels to " + report.tunnels() + " of its " + expected + " peers:"
                                + " its agent has not applied the latest topology (revision " + report.revision() + ")");
                    }
                }
            }
            HostTunnels tunnelReport = host.getState() == HostState.HOST_STATE_UP ? tunnelReports.get(id) : null;
            Long healthy = null;
            List<String> broken = List.of();
            Long reportAge = null;
            List<TunnelJson> tunnels = List.of();
            if (tunnelReport != null) {
                reportAge = Math.max(0, nowMs - tunnelReport.getReceivedAtUnixMs());
                healthy = tunnelReport.getPeersList().stream().filter(p -> p.getState() == TunnelState.TUNNEL_STATE_HEALTHY).count();
                broken = tunnelReport.getPeersList().stream().filter(p -> p.getState() == TunnelState.TUNNEL_STATE_BROKEN)
                        .map(PeerTunnel::getPeerHostId).toList();
                tunnels = tunnelReport.getPeersList().stream().map(p -> new TunnelJson(p.getPeerHostId(), tunnelState(p.getState()),
                        p.getLastAnswerUnixMs() == 0 ? null : p.getLastRttMicros() / 1000.0,
                        p.getLastAnswerUnixMs() == 0 ? null : p.getMedianRttMicros() / 1000.0, p.getLastAnswerUnixMs(),
                        p.getStateSinceUnixMs(), p.getWindowSent(), p.getWindowLost())).toList();
                // a tunnel to a DOWN host is broken because of that host, which is listed already
                List<PeerTunnel> toLive = tunnelReport.getPeersList().stream()
                        .filter(p -> p.getState() == TunnelState.TUNNEL_STATE_BROKEN)
                        .filter(p -> byId.containsKey(p.getPeerHostId())
                                && byId.get(p.getPeerHostId()).getState() == HostState.HOST_STATE_UP).toList();
                if (!toLive.isEmpty()) {
                    problems.add("host " + id + ": tunnel" + (toLive.size() > 1 ? "s" : "") + " to " + String.join(", ",
                            toLive.stream().map(p -> describeBroken(p, byId.get(p.getPeerHostId()), nowMs)).toList())
                            + " BROKEN (" + tunnelReport.getBrokenAfter() + "+ probes in a row unanswered): GRE (IP protocol 47)"
                            + " between " + host.getUnderlayIp() + " and " + String.join(", ", toLive.stream()
                            .map(p -> byId.get(p.getPeerHostId()).getUnderlayIp()).toList()) + " does not get through;"
                            + " check the firewalls on both ends and the path between them (tcpdump -ni <underlay> ip proto 47)");
                }
                if (tunnelReport.getStale()) {
                    notes.add(id + ": its last tunnel report came " + ago(reportAge) + " (the agent reports every 10 s):"
                            + " see journalctl -u ovsfabric-agent on " + host.getUnderlayIp());
                }
            } else if (host.getState() == HostState.HOST_STATE_UP && tunnelsError == null && expected > 0) {
                notes.add(id + ": no tunnel report (its agent runs with --tunnel-probe-port 0, or is older than this"
                        + " ovsfabricctl)");
            }
            rows.add(new HostJson(id, state(host.getState()), host.getUnderlayIp(), host.getSubnet(), host.getLeft(), expected,
                    tunnelsUp, healthy, broken, reportAge, tunnels, host.getCapabilitiesOrDefault("agent_version", ""), host.getCapabilitiesOrDefault("ovs_version", ""),
                    host.getCapabilitiesOrDefault("datapath", ""), agent));
        }
        if (ipam.error() != null) {
            problems.add("ipam check failed: " + ipam.error());
        } else if (ipam.leaks() + ipam.orphans() + ipam.conflicts() > 0) {
            problems.add("ipam check: " + findings(ipam) + ": run 'ovsfabricctl ipam check' for the details"
                    + (ipam.leaks() > 0 ? " ('--repair' releases the leaks)" : ""));
        }
        return new StatusJson(problems.isEmpty(), fabricCidr, answeredBy, leader, etcd, up, down, reserved, rows, ipam,
                List.copyOf(problems), List.copyOf(notes));
    }

    static void print(PrintWriter out, StatusJson s) {
        out.println("fabric:      " + (s.fabricCidr().isEmpty() ? "(unknown)" : s.fabricCidr())
                + (s.answeredBy().isEmpty() ? "" : ", answered by " + s.answeredBy()));
        out.println("leader:      " + (s.leader().isEmpty() ? (s.etcd().healthy() ? "(none elected)" : "(unknown)") : s.leader()));
        out.println("etcd:        " + (s.etcd().healthy() ? "healthy (revision " + s.etcd().revision() + ")"
                : "UNHEALTHY: " + s.etcd().error()));
        out.println("hosts:       " + s.up() + " up, " + s.down() + " down, " + s.reserved() + " reserved");
        IpamJson ipam = s.ipam();
        out.println("ipam check:  " + (ipam.error() != null ? "failed: " + ipam.error()
                : (ipam.leaks() + ipam.orphans() + ipam.conflicts() == 0 ? "no leaks, no orphans, no conflicts" : findings(ipam))
                + (ipam.unreportedHosts().isEmpty() ? "" : "; not reported yet: " + String.join(", ", ipam.unreportedHosts()))
                + (ipam.partialHosts().isEmpty() ? "" : "; partly checked: " + String.join("; ", ipam.partialHosts()))));
        if (!s.hosts().isEmpty()) {
            out.println();
            Output.table(out, List.of("HOST", "STATE", "UNDERLAY", "SUBNET", "TUNNELS", "BROKEN", "RTT", "LAST RECONCILE", "AGENT",
                            "OVS", "DATAPATH"),
                    s.hosts().stream().map(h -> List.of(h.hostId(), h.state() + (h.left() ? " (left)" : ""), h.underlayIp(),
                            h.subnet(), !"UP".equals(h.state()) ? "-" : tunnelsCell(h),
                            h.tunnelsBroken().isEmpty() ? "-" : String.join(",", h.tunnelsBroken()), rttCell(h),
                            h.agent() == null ? "-" : h.agent().reachable() ? h.agent().lastReconcile() + " (rev "
                                    + h.agent().topologyRevision() + ")" : "metrics unreachable",
                            dash(h.agentVersion()), dash(h.ovsVersion()), dash(h.datapath()))).toList());
            s.hosts().stream().filter(h -> h.agent() != null && !h.agent().reachable())
                    .forEach(h -> out.println("note: " + h.hostId() + ": " + h.agent().error()
                            + " (start its agent with --metrics-listen " + h.underlayIp() + ":PORT to see its passes and tunnels)"));
        }
        s.notes().forEach(n -> out.println("note: " + n));
        out.println();
        if (s.problems().isEmpty()) {
            out.println("healthy: nothing needs an operator");
        } else {
            out.println("needs an operator:");
            s.problems().forEach(p -> out.println("  - " + p));
        }
    }

    /** healthy/expected from the tunnel report; without one, what br0 forwards to (agent metrics), or "?". */
    private static String tunnelsCell(HostJson h) {
        if (h.tunnelsHealthy() != null) {
            return h.tunnelsHealthy() + "/" + h.tunnelsExpected();
        }
        if (h.tunnelsExpected() == 0) {
            return "0/0";
        }
        return "?/" + h.tunnelsExpected();
    }

    /** The slowest healthy tunnel's median round trip. */
    private static String rttCell(HostJson h) {
        return h.tunnels().stream().filter(t -> "healthy".equals(t.state()) && t.medianRttMs() != null)
                .mapToDouble(TunnelJson::medianRttMs).max().stream()
                .mapToObj(ms -> String.format(java.util.Locale.ROOT, "%.2fms", ms)).findFirst().orElse("-");
    }

    private static String describeBroken(PeerTunnel p, Host peer, long nowMs) {
        return p.getPeerHostId() + " (" + peer.getUnderlayIp() + ", since " + ago(nowMs - p.getStateSinceUnixMs())
                + (p.getLastAnswerUnixMs() == 0 ? ", never answered" : ", last RTT "
                + String.format(java.util.Locale.ROOT, "%.2f ms", p.getLastRttMicros() / 1000.0)) + ")";
    }

    private static String tunnelState(TunnelState state) {
        return switch (state) {
            case TUNNEL_STATE_PENDING -> "pending";
            case TUNNEL_STATE_HEALTHY -> "healthy";
            case TUNNEL_STATE_BROKEN -> "broken";
            default -> "unknown";
        };
    }

    private static String findings(IpamJson ipam) {
        return ipam.leaks() + " leaks, " + ipam.orphans() + " orphans, " + ipam.conflicts() + " conflicts";
    }

    private static int count(CheckIpamResponse check, IpamFindingKind kind) {
        return (int) check.getFindingsList().stream().filter(f -> f.getKind() == kind).filter(f -> !f.getRepaired()).count();
    }

    private static String state(HostState state) {
        return switch (state) {
            case HOST_STATE_UP -> "UP";
            case HOST_STATE_DOWN -> "DOWN";
            case HOST_STATE_RESERVED -> "RESERVED";
            default -> "UNKNOWN";
        };
    }

    private static String dash(String s) {
        return s.isEmpty() ? "-" : s;
    }

    static String ago(long ms) {
        long s = Math.max(0, ms) / 1000;
        return s < 120 ? s + "s ago" : s < 7200 ? (s / 60) + "m ago" : (s / 3600) + "h ago";
    }

    /** A controller that cannot be reached at all is exit code 3 (CtlMain reports it); etcd behind it is our finding. */
    private static void rethrowIfUnreachable(StatusRuntimeException e) {
        Status status = e.getStatus();
        boolean transport = status.getCode() == Status.Code.UNAVAILABLE && (status.getDescription() == null
                || status.getCause() != null || status.getDescription().startsWith("io exception"));
        if (transport || status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
            throw e;
        }
    }
}
