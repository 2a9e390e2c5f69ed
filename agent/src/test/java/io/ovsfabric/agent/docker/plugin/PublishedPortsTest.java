package io.ovsfabric.agent.docker.plugin;

import io.ovsfabric.agent.model.PublishedPort;
import io.ovsfabric.common.Ipv4Address;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docker run -p on an ovsfabric network, call by call as libnetwork makes them, against the plugin on fakes. */
class PublishedPortsTest {
    private static final PublishedPort.Protocol TCP = PublishedPort.Protocol.TCP;
    private static final PublishedPort.Protocol UDP = PublishedPort.Protocol.UDP;

    private final PluginFixture host = new PluginFixture();
    private Libnetwork.Net net;

    @BeforeEach
    void network() {
        host.fabricNetwork("pubnet", "10.205.0.0/24");
        net = host.docker.createNetwork("pubnet-h1", "10.205.0.0/24", null, "");
    }

    /** docker run without -p (the lab's helper), then ProgramExternalConnectivity with these bindings. */
    private Libnetwork.Ep run(String seed, String mac, String... bindings) {
        Libnetwork.Ep ep = host.docker.run(net, seed, mac);
        host.docker.ok("/NetworkDriver.ProgramExternalConnectivity", program(ep, bindings));
        return ep;
    }

    private static String program(Libnetwork.Ep ep, String... bindings) {
        return "{\"NetworkID\":\"" + ep.net().id() + "\",\"EndpointID\":\"" + ep.id() + "\",\"Options\":{"
                + "\"com.docker.network.endpoint.exposedports\":[{\"Proto\":6,\"Port\":80}],"
                + "\"com.docker.network.portmap\":[" + String.join(",", bindings) + "]}}";
    }

    private static String tcp(int containerPort, int hostPort, int hostPortEnd) {
        return "{\"Proto\":6,\"IP\":\"\",\"Port\":" + containerPort + ",\"HostIP\":\"\",\"HostPort\":" + hostPort
                + ",\"HostPortEnd\":" + hostPortEnd + "}";
    }

    private static Ipv4Address ip(Libnetwork.Ep ep) {
        return Ipv4Address.parse(ep.address().substring(0, ep.address().indexOf('/')));
    }

    private static PublishedPort port(PublishedPort.Protocol p, int hostPort, Libnetwork.Ep ep, int containerPort) {
        return new PublishedPort(p, PublishedPort.ANY, hostPort, ip(ep), containerPort, ep.id());
    }

    @Test
    void publishedPortsAreForwardedAndPersistedAndGoWithTheContainer() {
        Libnetwork.Ep web = run("web", "02:42:0a:cd:00:0a", tcp(80, 8081, 8081),
                "{\"Proto\":17,\"IP\":\"\",\"Port\":53,\"HostIP\":\"\",\"HostPort\":5353,\"HostPortEnd\":5353}");
        List<PublishedPort> expected = List.of(port(TCP, 8081, web, 80), port(UDP, 5353, web, 53));
        assertEquals(expected, host.forwarding.forwarded());
        assertEquals(expected, host.runtime.state().endpoints().get(web.id()).published());
        assertEquals(expected, host.store.load().endpoints().get(web.id()).published(), "persisted");

        int writes = host.forwarding.writes();
        host.docker.ok("/NetworkDriver.ProgramExternalConnectivity", program(web, tcp(80, 8081, 8081),
                "{\"Proto\":17,\"IP\":\"\",\"Port\":53,\"HostIP\":\"\",\"HostPort\":5353,\"HostPortEnd\":5353}"));
        assertEquals(writes, host.forwarding.writes(), "a repeated call changes nothing");

        host.docker.remove(web);   // revoke, leave, delete endpoint, release
        assertEquals(List.of(), host.forwarding.forwarded());
        assertEquals(List.of(), host.runtime.state().publishedPorts());
    }

    @Test
    void aHostPortPublishedAlreadyOrHeldOnTheHostIsRefusedAndNothingChanges() {
        Libnetwork.Ep web = run("web", "02:42:0a:cd:00:0a", tcp(80, 8081, 8081));
        Libnetwork.Ep other = host.docker.run(net, "other", "02:42:0a:cd:00:0b");
        PluginState before = host.runtime.state();

        String err = host.docker.refused("/NetworkDriver.ProgramExternalConnectivity", program(other, tcp(80, 8081, 8081)));
        assertTrue(err.contains("cannot publish tcp/80 on host port tcp 0.0.0.0:8081: it is published already for"
                + " (endpoint " + web.id().substring(0, 12) + ") (" + ip(web) + ":80); publish another host port"
                + " (e.g. -p 8082:80)"), err);
        host.forwarding.holdOnHost(TCP, 8082, "docker-proxy");
        err = host.docker.refused("/NetworkDriver.ProgramExternalConnectivity", program(other, tcp(80, 8082, 8082)));
        assertTrue(err.contains("8082: in use on this host by docker-proxy"), err);
        err = host.docker.refused("/NetworkDriver.ProgramExternalConnectivity", program(other, tcp(80, 8081, 8082)));
        assertTrue(err.contains("no free host port for tcp/80 in 0.0.0.0:8081-8082 on this host"), err);
        err = host.docker.refused("/NetworkDriver.ProgramExternalConnectivity",
                program(other, tcp(80, 9000, 9000), tcp(81, 9000, 9000)));
        assertTrue(err.contains("this container asks for it twice"), err);
        err = host.docker.refused("/NetworkDriver.ProgramExternalConnectivity", program(other,
                "{\"Proto\":6,\"IP\":\"10.205.0.99\",\"Port\":80,\"HostIP\":\"\",\"HostPort\":9000,\"HostPortEnd\":9000}"));
        assertTrue(err.contains("names container address 10.205.0.99 but endpoint"), err);

        assertEquals(before, host.runtime.state(), "refusals change no state");
        assertEquals(List.of(port(TCP, 8081, web, 80)), host.forwarding.forwarded());

        // another address, or the other protocol, is another port
        host.docker.ok("/NetworkDriver.ProgramExternalConnectivity", program(other,
                "{\"Proto\":17,\"IP\":\"\",\"Port\":80,\"HostIP\":\"\",\"HostPort\":8081,\"HostPortEnd\":8081}"));
        assertEquals(2, host.forwarding.forwarded().size());
    }

    @Test
    void hostPortZeroAndRangesGetTheLowestFreePortAndKeepItOnRepeat() {
        Libnetwork.Ep a = run("a", "02:42:0a:cd:00:0a", tcp(80, 0, 0), tcp(90, 9000, 9009));
        host.forwarding.holdOnHost(TCP, PortPublisher.EPHEMERAL_FIRST + 1, "sshd");
        Libnetwork.Ep b = run("b", "02:42:0a:cd:00:0b", tcp(80, 0, 0), tcp(90, 9000, 9009));
        assertEquals(List.of(port(TCP, PortPublisher.EPHEMERAL_FIRST, a, 80), port(TCP, 9000, a, 90)),
                host.runtime.state().endpoints().get(a.id()).published());
        assertEquals(List.of(port(TCP, PortPublisher.EPHEMERAL_FIRST + 2, b, 80), port(TCP, 9001, b, 90)),
                host.runtime.state().endpoints().get(b.id()).published());

        host.docker.ok("/NetworkDriver.RevokeExternalConnectivity", host.docker.pair(net, a.id()));
        host.docker.ok("/NetworkDriver.ProgramExternalConnectivity", program(b, tcp(80, 0, 0), tcp(90, 9000, 9009)));
        assertEquals(List.of(port(TCP, PortPublisher.EPHEMERAL_FIRST + 2, b, 80), port(TCP, 9001, b, 90)),
                host.runtime.state().endpoints().get(b.id()).published(), "b keeps its ports though lower ones are free");
        assertEquals(host.runtime.state().publishedPorts(), host.forwarding.forwarded());
    }

    @Test
    void leaveOrDeleteWithoutRevokeStillStopsForwarding() {
        Libnetwork.Ep a = run("a", "02:42:0a:cd:00:0a", tcp(80, 8081, 8081));
        Libnetwork.Ep b = run("b", "02:42:0a:cd:00:0b", tcp(80, 8082, 8082));
        host.docker.ok("/NetworkDriver.Leave", host.docker.pair(net, a.id()));
        assertEquals(List.of(port(TCP, 8082, b, 80)), host.forwarding.forwarded());
        host.docker.ok("/NetworkDriver.DeleteEndpoint", host.docker.pair(net, b.id()));   // a dead sandbox's endpoint
        assertEquals(List.of(), host.forwarding.forwarded());
    }

    @Test
    void aFailedRuleWriteRefusesTheCallAndARemovalFailureIsRepairedByTheNextPass() {
        Libnetwork.Ep a = host.docker.run(net, "a", "02:42:0a:cd:00:0a");
        host.forwarding.failNextPass("iptables-restore");
        String err = host.docker.refused("/NetworkDriver.ProgramExternalConnectivity", program(a, tcp(80, 8081, 8081)));
        assertTrue(err.contains("injected iptables-restore failure"), err);
        assertEquals(List.of(), host.runtime.state().publishedPorts());

        host.docker.ok("/NetworkDriver.ProgramExternalConnectivity", program(a, tcp(80, 8081, 8081)));
        host.forwarding.failNextPass("iptables-restore");
        host.docker.ok("/NetworkDriver.RevokeExternalConnectivity", host.docker.pair(net, a.id()));
        assertEquals(List.of(port(TCP, 8081, a, 80)), host.forwarding.forwarded(), "the rule is still there");
        host.forwarding.pass();   // the data plane's periodic pass
        assertEquals(List.of(), host.forwarding.forwarded());
    }

    @Test
    void anAgentRestartRestoresLostRulesFromTheState() {
        Libnetwork.Ep a = run("a", "02:42:0a:cd:00:0a", tcp(80, 8081, 8081));
        host.forwarding.forget();   // e.g. the host rebooted its iptables
        host.restart();
        host.forwarding.pass();   // the data plane's first pass once the plugin's state is loaded
        assertEquals(List.of(port(TCP, 8081, a, 80)), host.forwarding.forwarded());
        host.docker.remove(a);
        assertEquals(List.of(), host.forwarding.forwarded());
    }
}
