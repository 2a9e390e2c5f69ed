package io.ovsfabric.agent.docker.link;

import io.ovsfabric.agent.docker.PluginException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link EndpointPlumbing} with {@code ip}, {@code ethtool} and {@code ovs-vsctl}. Small on purpose: it is to be
 * merged into the data plane's Linux/OVSDB adapters once those exist.
 */
public final class IpEndpointPlumbing implements EndpointPlumbing {
    private static final Logger log = LoggerFactory.getLogger(IpEndpointPlumbing.class);

    private final ProcessRunner runner;
    private final String ovsdb;
    private final boolean disableTxOffload;

    /**
     * @param ovsdb            ovs-vsctl {@code --db} target, e.g. {@code unix:/var/run/openvswitch/db.sock}
     * @param disableTxOffload true with the OVS userspace (netdev) datapath, where veth TX checksum offload breaks TCP
     */
    public IpEndpointPlumbing(ProcessRunner runner, String ovsdb, boolean disableTxOffload) {
        this.runner = runner;
        this.ovsdb = ovsdb;
        this.disableTxOffload = disableTxOffload;
    }

    @Override
    public void ensureLink(EndpointLink link) {
        String host = link.hostInterface();
        if (exists(host)) {
            // Joined before: the container end may already sit in the sandbox. Repair the host side only.
            runner.check(arpSilent(host));
            runner.check(List.of("ip", "link", "set", "dev", host, "mtu", Integer.toString(link.mtu()), "up"));
            attach(link);
            return;
        }
        try {
            runner.check(List.of("ip", "link", "add", "dev", host, "type", "veth", "peer", "name",
                    link.containerInterface()));
            runner.check(List.of("ip", "link", "set", "dev", host, "mtu", Integer.toString(link.mtu())));
            runner.check(List.of("ip", "link", "set", "dev", link.containerInterface(), "mtu",
                    Integer.toString(link.mtu()), "address", link.mac().toString()));
            if (disableTxOffload) {
                runner.check(List.of("ethtool", "-K", host, "tx", "off"));
                runner.check(List.of("ethtool", "-K", link.containerInterface(), "tx", "off"));
            }
            runner.check(arpSilent(host));
            runner.check(List.of("ip", "link", "set", "dev", host, "up"));
            attach(link);
            log.info("created veth {}/{} on bridge {} (mac {}, mtu {})", host, link.containerInterface(), link.bridge(),
                    link.mac(), link.mtu());
        } catch (PluginException e) {
            try {
                removeLink(link);
            } catch (PluginException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    @Override
    public void removeLink(EndpointLink link) {
        String host = link.hostInterface();
        runner.check(vsctl("--if-exists", "del-port", link.bridge(), host));
        if (exists(host)) {
            ProcessRunner.Result r = runner.run(List.of("ip", "link", "del", "dev", host));
            if (!r.ok() && exists(host)) {
                throw new CommandException(List.of("ip", "link", "del", "dev", host), r.exitCode(), r.stderr(), null);
            }
            log.info("removed veth {} from bridge {}", host, link.bridge());
        }
    }

    private void attach(EndpointLink link) {
        List<String> argv = new ArrayList<>(vsctl("--may-exist", "add-port", link.bridge(), link.hostInterface()));
        Map<String, String> ids = new TreeMap<>(link.externalIds());
        ids.put(EndpointLink.OWNER_KEY, EndpointLink.OWNER_VALUE);
        argv.addAll(List.of("--", "set", "Interface", link.hostInterface()));
        ids.forEach((k, v) -> argv.add("external_ids:" + k + "=" + quote(v)));
        runner.check(argv);
    }

    /**
     * The host end is a switch port, not a host interface, but with the userspace datapath the host's kernel sees its
     * frames too: it would answer the container's ARP for the gateway (a host address) with the veth's own MAC, and
     * the container's traffic would then enter the host through the veth, past the gateway port's forwarding rules.
     * arp_ignore=8: the kernel never answers ARP on it; the gateway port answers.
     */
    private static List<String> arpSilent(String host) {
        return List.of("sysctl", "-qw", "net.ipv4.conf." + host + ".arp_ignore=8");
    }

    private List<String> vsctl(String... args) {
        List<String> argv = new ArrayList<>(List.of("ovs-vsctl", "--db=" + ovsdb, "--timeout=10", "--"));
        argv.addAll(List.of(args));
        return argv;
    }

    private boolean exists(String name) {
        return runner.run(List.of("ip", "link", "show", "dev", name)).ok();
    }

    /** ovs-vsctl parses values as OVSDB atoms: a quoted string keeps ':' and '=' literal. */
    private static String quote(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
