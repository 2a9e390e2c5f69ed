package io.ovsfabric.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.testing.Poll;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Data-plane admission on a two-host lab (issue 13), each abuse expected to be refused and counted where it is
 * refused: GRE injected from the outside namespace with the fabric's own key, a docker0 container and a user-network
 * container spoofing another address, fabric containers reaching a local bridge network and an --internal one.
 */
class AdmissionIT {
    private static final String NETWORK = "admnet";
    private static final String NETWORK_SUBNET = "10.206.0.0/16";
    private static final String SPOOFED_NETWORK = "10.206.0.250";
    private static Lab lab;
    private static List<Lab.Container> containers;
    /**
     * An address of h2's subnet (from the controller: which host gets which subnet is not fixed): the inner source
     * of the injected GRE, as if h2 had sent it, and what h1's spoofing docker0 container claims to be.
     */
    private static String forgedSrc;
    private static String spoofedDocker0;

    @BeforeAll
    static void up() {
        Lab.assumeRoot();
        lab = Lab.fromSystemProperties(AdmissionIT.class.getSimpleName(), "ad");
        lab.up("--hosts", "2", "--containers", "1");
        containers = lab.containers();
        assertEquals(2, containers.size(), "containers running in the lab: " + containers);
        Cidr h2Subnet = Cidr.parse(lab.host("h2").subnet());
        forgedSrc = h2Subnet.address(66).toString();
        spoofedDocker0 = h2Subnet.address(77).toString();
        assertFalse(Cidr.parse(lab.host("h1").subnet()).contains(h2Subnet.address(77)), "h1 and h2 share a subnet");
        lab.ctl("network", "create", NETWORK, "--subnet", NETWORK_SUBNET).orThrow();
        for (String host : List.of("h1", "h2")) {
            Poll.until(host + "'s engine has network " + NETWORK, Duration.ofSeconds(60), () -> lab.docker(host,
                    "network", "ls", "--format", "{{.Name}}").out().lines().anyMatch(NETWORK::equals)
                    ? Optional.of(true) : Optional.empty(), () -> lab.docker(host, "network", "ls").out());
        }
    }

    @AfterAll
    static void down() {
        if (lab != null) {
            lab.saveLogsAndDown();
        }
    }

    private static Lab.Container byName(String name) {
        return containers.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    static long packets(String host, int category) {
        return FlowCounters.packets(lab, host, category);
    }

    /** The packet counter of one rule of ours, as iptables-save -c prints it ("[pkts:bytes] -A CHAIN RULE"). */
    static long ruleCounter(String host, String chainAndRule) {
        String save = lab.exec(host, "iptables-save", "-c", "-t", "filter").orThrow().out();
        Matcher m = Pattern.compile("^\\[(\\d+):\\d+\\] -A " + Pattern.quote(chainAndRule) + "$", Pattern.MULTILINE)
                .matcher(save);
        if (!m.find()) {
            throw new AssertionError("no rule '-A " + chainAndRule + "' on " + host + ":\n" + save);
        }
        return Long.parseLong(m.group(1));
    }

    /** Waits until {@code counter} has grown by at least {@code by} over {@code before} (OVS updates stats lazily). */
    static long grown(String what, LongSupplier counter, long before, long by) {
        return Poll.until(what + " grows by " + by, Duration.ofSeconds(20), () -> {
            long now = counter.getAsLong() - before;
            return now >= by ? Optional.of(now) : Optional.empty();
        }, () -> what + ": " + (counter.getAsLong() - before) + " more than before");
    }

    static String containerIp(String host, String container) {
        return lab.docker(host, "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", container)
                .orThrow().out().strip();
    }

    /** The MAC of a container's eth0, read inside it (Docker's inspect leaves it empty on some networks). */
    static String containerMac(String host, String container) {
        return lab.docker(host, "exec", container, "cat", "/sys/class/net/eth0/address").orThrow().out().strip();
    }

    /** The GRE key of h1's default (docker0) network: the table-5 flow that leads to table 20. */
    static long defaultKey(String host) {
        String flows = lab.exec(host, "ovs-ofctl", "-O", "OpenFlow13", "dump-flows", "br0", "table=5").orThrow().out();
        Matcher key = Pattern.compile("tun_id=(0x[0-9a-f]+),in_port=2 actions=goto_table:20").matcher(flows);
        assertTrue(key.find(), flows);
        return Long.decode(key.group(1));
    }

    /** out's neighbour entry for h1's underlay address: which MAC the injected frames are addressed to. */
    static void outsideSendsTo(String mac) {
        lab.exec("out", "ip", "neigh", "replace", Lab.underlayIp("h1"), "lladdr", mac, "dev", "eth1", "nud",
                "permanent").orThrow();
    }

    static void inject(Path file, int count, String... socatOptions) {
        String to = "IP4-SENDTO:" + Lab.underlayIp("h1") + ":47" + String.join("", socatOptions);
        for (int i = 0; i < count; i++) {
            lab.exec("out", "socat", "-u", "FILE:" + file, to).orThrow();
        }
    }

    static Path write(String name, byte[] bytes) {
        try {
            Path file = lab.outDir().resolve(name);
            Files.write(file, bytes);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * GRE with the fabric's own key, from the outside namespace (192.0.2.100, not a fabric host), carrying an ICMP echo
     * to h1's container. The frames are sent both ways they can enter h1: to br-phy's MAC, where OVS decapsulates them
     * (then br0's table 0 finds no tun_src flow for the sender: the foreign-tunnel drop, cookie category 8), and to
     * eth1's MAC, where the kernel takes them (the INPUT rule for protocol 47 drops them). The container captures in
     * its own namespace: nothing arrives. As a control, the same frame under an outer header that claims h2's
     * underlay address is delivered: the capture would see the injected frames, and only the sender kept them out.
     */
    @Test
    void greFromTheOutsideWithTheFabricsKeyReachesNothing() {
        Lab.Container target = byName("h1-c1");
        long key = defaultKey("h1");
        byte[] gre = greEcho(key, forgedSrc, target.ip());
        Path fromOutside = write("forged-gre.bin", gre);
        Path claimingH2 = write("forged-gre-as-h2.bin", ipv4(Lab.underlayIp("h2"), Lab.underlayIp("h1"), 47, gre));
        String brPhyMac = lab.exec("h1", "cat", "/sys/class/net/br-phy/address").orThrow().out().strip();
        String eth1Mac = lab.exec("h1", "cat", "/sys/class/net/eth1/address").orThrow().out().strip();
        String dropRule = "OVSFABRIC-INPUT -j DROP";
        int sent = 5;
        try (Capture inTarget = Capture.inContainer(lab, "h1", target.name(), "eth0", "icmp and src host " + forgedSrc,
                "gre-in-h1-c1")) {
            outsideSendsTo(brPhyMac);
            long foreignBefore = packets("h1", 8);
            inject(fromOutside, sent);
            long foreign = grown("h1's foreign-tunnel drop (category 8)", () -> packets("h1", 8), foreignBefore, sent);

            // With eth1 an AF_XDP port (the agent's choice where vswitchd has it) every frame on eth1 goes to OVS, and
            // one for eth1's MAC ends at br-phy's switching: the host's stack, and its INPUT rule, never see it.
            String eth1Type = lab.exec("h1", "ovs-vsctl", "get", "interface", "eth1", "type").orThrow().out().strip()
                    .replace("\"", "");
            outsideSendsTo(eth1Mac);
            long inputBefore = ruleCounter("h1", dropRule);
            inject(fromOutside, sent);
            long input = eth1Type.startsWith("afxdp") ? 0
                    : grown("h1's " + dropRule, () -> ruleCounter("h1", dropRule), inputBefore, sent);
            System.out.printf("h1's eth1 is a port of type '%s': %s%n", eth1Type, eth1Type.startsWith("afxdp")
                    ? "frames for eth1's MAC never reach the host's stack (OVS takes them all)"
                    : "frames for eth1's MAC go to the host's stack, where " + dropRule + " counts them");

            List<String> reached = inTarget.soFar();
            System.out.printf("injected 2 x %d GRE frames (key 0x%x, inner %s > %s) from %s: to br-phy's MAC %d counted "
                    + "by the foreign-tunnel drop flow; to eth1's MAC %d counted by '%s'; %d reached %s%n", sent, key,
                    forgedSrc, target.ip(), Lab.OUTSIDE_IP, foreign, input, dropRule, reached.size(), target.name());
            assertEquals(List.of(), reached, "injected frames inside " + target.name());
            assertEquals(sent, foreign, "the foreign-tunnel drop counted other packets too");

            outsideSendsTo(brPhyMac);
            long admittedBefore = packets("h1", 7);
            inject(claimingH2, 3, ",ip-hdrincl=1");
            List<String> control = inTarget.awaitPackets("the control frame (outer source h2) inside " + target.name(),
                    Duration.ofSeconds(20), p -> !p.isEmpty());
            System.out.printf("control: the same frame with outer source %s (h2): %d admitted (category 7), in %s:%n  %s%n",
                    Lab.underlayIp("h2"), packets("h1", 7) - admittedBefore, target.name(), String.join("\n  ", control));
            assertTrue(control.get(0).contains(forgedSrc + " > " + target.ip() + ": ICMP echo request"), control.get(0));
        } finally {
            lab.exec("out", "ip", "neigh", "del", Lab.underlayIp("h1"), "dev", "eth1");
        }
    }

    /**
     * A docker0 container on h1 that takes an address of h2's subnet: its IP (to a static neighbour entry, so the
     * packets do leave) and its ARP are dropped by br0's spoof guard of the docker0 port, nothing reaches the
     * receiver on h2, and routed out to the underlay it is dropped by the FORWARD rule for docker0's sources.
     */
    @Test
    void aDocker0ContainerSpoofingAnotherHostsAddressGetsNothingThrough() {
        Lab.Container peer = byName("h2-c1");
        String peerMac = containerMac("h2", peer.name());
        lab.docker("h1", "run", "-d", "--name", "h1-spoof", "--cap-add", "NET_ADMIN", "busybox:lab", "sleep", "600")
                .orThrow();
        String routedDrop = "OVSFABRIC-FORWARD ! -s " + lab.host("h1").subnet() + " -i docker0 ! -o docker0 -j DROP";
        try (Capture atPeer = Capture.inContainer(lab, "h2", peer.name(), "eth0", "src host " + spoofedDocker0,
                "spoof-at-h2-c1")) {
            assertTrue(lab.docker("h1", "exec", "h1-spoof", "ping", "-c", "1", "-W", "3", peer.ip()).ok(),
                    "its own address works");
            lab.docker("h1", "exec", "h1-spoof", "ip", "addr", "add", spoofedDocker0 + "/16", "dev", "eth0").orThrow();
            lab.docker("h1", "exec", "h1-spoof", "arp", "-s", peer.ip(), peerMac).orThrow();
            long before = packets("h1", 9);
            Cmd.Result ping = lab.docker("h1", "exec", "h1-spoof", "ping", "-c", "3", "-W", "1", "-I", spoofedDocker0,
                    peer.ip());
            Cmd.Result arping = lab.docker("h1", "exec", "h1-spoof", "arping", "-c", "2", "-w", "3", "-s",
                    spoofedDocker0, peer.ip());
            long dropped = grown("h1's spoof drops (category 9)", () -> packets("h1", 9), before, 5);
            long routedBefore = ruleCounter("h1", routedDrop);
            Cmd.Result out = lab.docker("h1", "exec", "h1-spoof", "ping", "-c", "2", "-W", "1", "-I", spoofedDocker0,
                    Lab.OUTSIDE_IP);
            long routed = grown("h1's '" + routedDrop + "'", () -> ruleCounter("h1", routedDrop), routedBefore, 2);
            List<String> reached = atPeer.stop();
            System.out.printf("h1-spoof as %s: ping %s exit %d, arping exit %d: %d counted by the spoof drop flows "
                    + "(category 9), %d reached %s; ping %s exit %d: %d counted by '%s'%n", spoofedDocker0, peer.ip(),
                    ping.exit(), arping.exit(), dropped, reached.size(), peer.name(), Lab.OUTSIDE_IP, out.exit(), routed,
                    routedDrop);
            assertFalse(ping.ok(), ping.out());
            assertFalse(arping.out().contains("Received 1") || arping.out().contains("Received 2"), arping.out());
            assertFalse(out.ok(), out.out());
            assertEquals(List.of(), reached, "spoofed packets at " + peer.name());
        } finally {
            lab.docker("h1", "rm", "-f", "h1-spoof");
        }
    }

    /** The same on a user network: an endpoint port admits its own address only. */
    @Test
    void aUserNetworkContainerSpoofingAnotherAddressGetsNothingThrough() {
        lab.docker("h1", "run", "-d", "--name", "h1-netspoof", "--network", NETWORK, "--cap-add", "NET_ADMIN",
                "busybox:lab", "sleep", "600").orThrow();
        lab.docker("h2", "run", "-d", "--name", "h2-netpeer", "--network", NETWORK, "busybox:lab", "sleep", "600")
                .orThrow();
        try {
            String peerIp = containerIp("h2", "h2-netpeer");
            String peerMac = containerMac("h2", "h2-netpeer");
            Poll.until("h1-netspoof reaches h2-netpeer at " + peerIp + " with its own address", Duration.ofSeconds(30),
                    () -> lab.docker("h1", "exec", "h1-netspoof", "ping", "-c", "1", "-W", "2", peerIp).ok()
                            ? Optional.of(true) : Optional.empty(),
                    () -> lab.docker("h1", "exec", "h1-netspoof", "ping", "-c", "1", "-W", "2", peerIp).describe());
            try (Capture atPeer = Capture.inContainer(lab, "h2", "h2-netpeer", "eth0", "src host " + SPOOFED_NETWORK,
                    "netspoof-at-h2-netpeer")) {
                lab.docker("h1", "exec", "h1-netspoof", "ip", "addr", "add", SPOOFED_NETWORK + "/16", "dev", "eth0")
                        .orThrow();
                lab.docker("h1", "exec", "h1-netspoof", "arp", "-s", peerIp, peerMac).orThrow();
                long before = packets("h1", 9);
                Cmd.Result ping = lab.docker("h1", "exec", "h1-netspoof", "ping", "-c", "3", "-W", "1", "-I",
                        SPOOFED_NETWORK, peerIp);
                long dropped = grown("h1's spoof drops (category 9)", () -> packets("h1", 9), before, 3);
                List<String> reached = atPeer.stop();
                System.out.printf("h1-netspoof (%s) as %s: ping %s exit %d: %d counted by the spoof drop flows, %d "
                        + "reached h2-netpeer%n", NETWORK, SPOOFED_NETWORK, peerIp, ping.exit(), dropped, reached.size());
                assertFalse(ping.ok(), ping.out());
                assertEquals(List.of(), reached, "spoofed packets at h2-netpeer");
            }
        } finally {
            lab.docker("h1", "rm", "-f", "h1-netspoof");
            lab.docker("h2", "rm", "-f", "h2-netpeer");
        }
    }

    /**
     * Fabric containers (docker0's and a user network's) reach neither a local bridge network nor an --internal one:
     * Docker's own rules decide for them, as for any outsider. The way out to the underlay (br-phy, whose name
     * matches Docker's br-+ too) stays open.
     */
    @Test
    void fabricContainersReachNeitherALocalBridgeNetworkNorAnInternalOne() {
        Lab.Container src = byName("h1-c1");
        lab.docker("h1", "run", "-d", "--name", "h1-netclient", "--network", NETWORK, "busybox:lab", "sleep", "600")
                .orThrow();
        for (String net : List.of("oflocal", "ofinternal")) {
            lab.docker("h1", "network", "create", net.equals("ofinternal") ? "--internal" : "--attachable", net)
                    .orThrow();
            lab.docker("h1", "run", "-d", "--name", "h1-" + net, "--network", net, "busybox:lab", "sleep", "600")
                    .orThrow();
        }
        try {
            for (String client : List.of(src.name(), "h1-netclient")) {
                for (String net : List.of("oflocal", "ofinternal")) {
                    String ip = containerIp("h1", "h1-" + net);
                    Cmd.Result ping = lab.docker("h1", "exec", client, "ping", "-c", "2", "-W", "1", ip);
                    System.out.printf("%s -> %s on %s: exit %d%n", client, ip, net, ping.exit());
                    assertFalse(ping.ok(), client + " -> " + net + ": " + ping.out());
                }
                Cmd.Result outside = lab.docker("h1", "exec", client, "timeout", "10", "wget", "-q", "-O", "-",
                        "http://" + Lab.OUTSIDE_IP + "/cgi-bin/whoami");
                assertTrue(outside.ok(), client + " -> the outside: " + outside.describe());
            }
            System.out.println("h1 FORWARD counters:\n" + lab.exec("h1", "iptables", "-L", "FORWARD", "-v", "-n").out()
                    + lab.exec("h1", "iptables", "-L", "OVSFABRIC-FORWARD", "-v", "-n").out());
            assertTrue(lab.docker("h1", "exec", src.name(), "ping", "-c", "1", "-W", "3", byName("h2-c1").ip()).ok(),
                    "the fabric itself still works");
        } finally {
            lab.docker("h1", "rm", "-f", "h1-netclient");
            for (String net : List.of("oflocal", "ofinternal")) {
                lab.docker("h1", "rm", "-f", "h1-" + net);
                lab.docker("h1", "network", "rm", net);
            }
        }
    }

    /**
     * The agent's DNS server (h1's docker0 gateway, port 53) answers the fabric's containers, and nobody on the
     * underlay: the outside namespace, given a route to it, asks for the same name and gets no answer at all.
     */
    @Test
    void theFabricDnsAnswersTheFabricOnly() {
        String dns = lab.host("h1").gateway();
        lab.docker("h1", "run", "-d", "--name", "h1-named", "--network", NETWORK, "busybox:lab", "sleep", "600")
                .orThrow();
        lab.docker("h1", "run", "-d", "--name", "h1-asker", "--network", NETWORK, "busybox:lab", "sleep", "600")
                .orThrow();
        lab.exec("out", "ip", "route", "replace", dns + "/32", "via", Lab.underlayIp("h1"), "dev", "eth1").orThrow();
        try {
            String named = containerIp("h1", "h1-named");
            String answered = Poll.until("h1-asker resolves h1-named", Duration.ofSeconds(30), () -> {
                Cmd.Result r = lab.docker("h1", "exec", "h1-asker", "nslookup", "h1-named", dns);
                return r.ok() && r.out().contains(named) ? Optional.of(r.out()) : Optional.empty();
            }, () -> lab.docker("h1", "exec", "h1-asker", "nslookup", "h1-named", dns).describe());
            Cmd.Result outside = lab.exec("out", "timeout", "15", "busybox", "nslookup", "h1-named", dns);
            System.out.printf("nslookup h1-named %s: from %s (fabric) %s; from the outside exit %d: %s%n", dns, NETWORK,
                    answered.lines().filter(l -> l.contains(named)).findFirst().orElse("?").strip(), outside.exit(),
                    (outside.out() + outside.err()).strip().replace('\n', ' '));
            assertFalse(outside.out().contains(named), "the outside got an answer: " + outside.describe());
            assertFalse(outside.ok(), outside.describe());
        } finally {
            lab.exec("out", "ip", "route", "del", dns + "/32");
            lab.docker("h1", "rm", "-f", "h1-named", "h1-asker");
        }
    }

    /** h1's GRE admission (INPUT rule and tun_src flows) takes a joining host in and a released one out. */
    @Test
    void theGreAdmissionFollowsHostsJoiningAndLeaving() {
        String joined = lab.addHost(true);
        String ip = Lab.underlayIp(joined);
        String accept = "-A OVSFABRIC-INPUT -s " + ip + "/32 -j ACCEPT";
        Poll.until("h1 admits GRE from " + joined + " (" + ip + ")", Duration.ofSeconds(30), () -> inputRules("h1")
                .contains(accept) && admissionFlows("h1").contains("tun_src=" + ip) ? Optional.of(true)
                : Optional.empty(), () -> inputRules("h1") + "\n" + admissionFlows("h1"));
        System.out.printf("%s joined: h1 %s%n", joined, inputRules("h1"));
        lab.killHost(joined);
        Poll.until(joined + " DOWN at the controller", Duration.ofSeconds(90), () -> "DOWN".equals(
                lab.host(joined).state()) ? Optional.of(true) : Optional.empty(), () -> "controller: " + lab.hosts());
        lab.ctl("hosts", "release", joined).orThrow();
        Poll.until("h1 no longer admits GRE from " + ip, Duration.ofSeconds(30), () -> !inputRules("h1").contains(accept)
                && !admissionFlows("h1").contains("tun_src=" + ip) ? Optional.of(true) : Optional.empty(),
                () -> inputRules("h1") + "\n" + admissionFlows("h1"));
        System.out.printf("%s released: h1 %s%n", joined, inputRules("h1"));
        assertTrue(inputRules("h1").contains("-A OVSFABRIC-INPUT -s " + Lab.underlayIp("h2") + "/32 -j ACCEPT"));
    }

    private static List<String> inputRules(String host) {
        return lab.exec(host, "iptables", "-S", "OVSFABRIC-INPUT").orThrow().out().lines()
                .filter(l -> l.startsWith("-A")).toList();
    }

    private static String admissionFlows(String host) {
        return lab.exec(host, "ovs-ofctl", "-O", "OpenFlow13", "dump-flows", "br0", "table=0,in_port=2").orThrow().out();
    }

    /** GRE (key bit, transparent Ethernet bridging) around an Ethernet frame with an ICMP echo request. */
    static byte[] greEcho(long key, String src, String dst) {
        ByteBuffer icmp = ByteBuffer.allocate(8 + 32);
        icmp.put((byte) 8).put((byte) 0).putShort((short) 0).putShort((short) 0x4f41).putShort((short) 1);
        for (int i = 0; i < 32; i++) {
            icmp.put((byte) i);
        }
        icmp.putShort(2, checksum(icmp.array()));
        byte[] ip = ipv4(src, dst, 1, icmp.array());
        ByteArrayOutputStream gre = new ByteArrayOutputStream();
        ByteBuffer head = ByteBuffer.allocate(8).putShort((short) 0x2000).putShort((short) 0x6558).putInt((int) key);
        gre.writeBytes(head.array());
        gre.writeBytes(new byte[] {-1, -1, -1, -1, -1, -1, 2, 0, 0, 0, 0, 0x66, 0x08, 0x00});
        gre.writeBytes(ip);
        return gre.toByteArray();
    }

    /** An IPv4 packet (no options, TTL 64) around {@code payload}. */
    static byte[] ipv4(String src, String dst, int protocol, byte[] payload) {
        ByteBuffer ip = ByteBuffer.allocate(20 + payload.length);
        ip.put((byte) 0x45).put((byte) 0).putShort((short) ip.capacity()).putShort((short) 0x1234).putShort((short) 0)
                .put((byte) 64).put((byte) protocol).putShort((short) 0).put(address(src)).put(address(dst));
        ip.putShort(10, checksum(java.util.Arrays.copyOf(ip.array(), 20)));
        ip.put(payload);
        return ip.array();
    }

    private static byte[] address(String dotted) {
        byte[] b = new byte[4];
        String[] parts = dotted.split("\\.");
        for (int i = 0; i < 4; i++) {
            b[i] = (byte) Integer.parseInt(parts[i]);
        }
        return b;
    }

    private static short checksum(byte[] data) {
        long sum = 0;
        for (int i = 0; i + 1 < data.length; i += 2) {
            sum += ((data[i] & 0xff) << 8) | (data[i + 1] & 0xff);
        }
        if (data.length % 2 == 1) {
            sum += (data[data.length - 1] & 0xff) << 8;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (short) ~sum;
    }
}
