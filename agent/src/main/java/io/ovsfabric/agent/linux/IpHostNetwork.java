package io.ovsfabric.agent.linux;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ovsfabric.agent.plan.InterfaceAddress;
import io.ovsfabric.agent.plan.LinkState;
import io.ovsfabric.agent.plan.Route;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.Ipv4Address;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@link HostNetwork} over iproute2 ({@code ip -j}) and ethtool, through a {@link CommandRunner}. */
public final class IpHostNetwork implements HostNetwork {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CommandRunner runner;

    public IpHostNetwork(CommandRunner runner) {
        this.runner = runner;
    }

    @Override
    public List<LinkState> links() {
        return parseLinks(runner.check(Command.of("ip", "-j", "-d", "addr", "show")).stdout());
    }

    @Override
    public List<Route> routes() {
        return parseRoutes(runner.check(Command.of("ip", "-j", "-4", "route", "show", "table", "main")).stdout());
    }

    @Override
    public Optional<Boolean> txChecksum(String link) {
        CommandResult result = runner.run(Command.of("ethtool", "-k", link));
        if (!result.succeeded()) {
            if (result.stderr().contains("No such device")) {
                return Optional.empty();
            }
            result.requireSuccess();
        }
        return Optional.of(parseTxChecksum(result.stdout()));
    }

    @Override
    public void createBridge(String name, String alias) {
        runner.check(Command.of("ip", "link", "add", "name", name, "type", "bridge"));
        if (alias != null) {
            setLink(name, null, false, null, alias);
        }
    }

    @Override
    public void createVethPair(String name, String peer, String alias) {
        runner.check(Command.of("ip", "link", "add", "name", name, "type", "veth", "peer", "name", peer));
        if (alias != null) {
            setLink(name, null, false, null, alias);
            setLink(peer, null, false, null, alias);
        }
    }

    @Override
    public void deleteLink(String name) {
        runTolerating(Command.of("ip", "link", "del", "dev", name), "Cannot find device");
    }

    @Override
    public void setLink(String name, Integer mtu, boolean up, String master, String alias) {
        List<String> argv = new ArrayList<>(List.of("ip", "link", "set", "dev", name));
        if (mtu != null) {
            argv.addAll(List.of("mtu", mtu.toString()));
        }
        if (master != null) {
            argv.addAll(List.of("master", master));
        }
        if (alias != null) {
            argv.addAll(List.of("alias", alias));
        }
        if (up) {
            argv.add("up");
        }
        runner.check(Command.of(argv));
    }

    @Override
    public void setTxChecksum(String link, boolean enabled) {
        runner.check(Command.of("ethtool", "-K", link, "tx", enabled ? "on" : "off"));
    }

    @Override
    public void setMacAddress(String link, String mac) {
        runner.check(Command.of("ip", "link", "set", "dev", link, "address", mac));
    }

    @Override
    public void setArp(String link, boolean enabled) {
        runner.check(Command.of("ip", "link", "set", "dev", link, "arp", enabled ? "on" : "off"));
    }

    @Override
    public void addAddress(String link, InterfaceAddress address) {
        runner.check(Command.of("ip", "addr", "replace", address.toString(), "dev", link));
    }

    @Override
    public void deleteAddress(String link, InterfaceAddress address) {
        runTolerating(Command.of("ip", "addr", "del", address.toString(), "dev", link),
                "Cannot assign requested address", "Cannot find device");
    }

    @Override
    public void addRoute(Route route) {
        runner.check(Command.of("ip", "route", "replace", route.destination().toString(), "via",
                route.gateway().toString(), "dev", route.device()));
    }

    @Override
    public void deleteRoute(Route route) {
        runTolerating(Command.of("ip", "route", "del", route.destination().toString(), "via", route.gateway().toString(),
                "dev", route.device()), "No such process", "Cannot find device");
    }

    /** Runs a delete; the errors iproute2 gives for "already absent" count as success. */
    private void runTolerating(Command command, String... absent) {
        CommandResult result = runner.run(command);
        if (!result.succeeded() && java.util.Arrays.stream(absent).noneMatch(result.stderr()::contains)) {
            result.requireSuccess();
        }
    }

    /** Parses {@code ip -j -d addr show}. */
    static List<LinkState> parseLinks(String json) {
        List<LinkState> links = new ArrayList<>();
        for (JsonNode node : read(json)) {
            List<String> flags = new ArrayList<>();
            node.path("flags").forEach(f -> flags.add(f.asText()));
            List<InterfaceAddress> addresses = new ArrayList<>();
            for (JsonNode address : node.path("addr_info")) {
                if ("inet".equals(address.path("family").asText())) {
                    addresses.add(new InterfaceAddress(Ipv4Address.parse(address.path("local").asText()),
                            address.path("prefixlen").asInt()));
                }
            }
            String kind = node.path("linkinfo").path("info_kind").asText("");
            links.add(new LinkState(node.path("ifname").asText(), kind,
                    "veth".equals(kind) ? text(node, "link") : null, text(node, "master"), node.path("mtu").asInt(),
                    flags.contains("UP"), text(node, "ifalias"), addresses, flags.contains("NOARP")));
        }
        return links;
    }

    /** Parses {@code ip -j -4 route show}, keeping routes through a gateway. */
    static List<Route> parseRoutes(String json) {
        List<Route> routes = new ArrayList<>();
        for (JsonNode node : read(json)) {
            String gateway = text(node, "gateway");
            String device = text(node, "dev");
            if (gateway == null || device == null) {
                continue;
            }
            String dst = node.path("dst").asText();
            Cidr destination = "default".equals(dst) ? Cidr.parse("0.0.0.0/0")
                    : Cidr.parse(dst.contains("/") ? dst : dst + "/32");
            routes.add(new Route(destination, Ipv4Address.parse(gateway), device));
        }
        return routes;
    }

    /** Reads "tx-checksumming: on" (possibly followed by " [fixed]") from {@code ethtool -k}. */
    static boolean parseTxChecksum(String text) {
        for (String line : text.split("\n")) {
            if (line.startsWith("tx-checksumming:")) {
                return line.substring("tx-checksumming:".length()).trim().startsWith("on");
            }
        }
        throw new IllegalArgumentException("ethtool -k printed no tx-checksumming line");
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json.isBlank() ? "[]" : json);
        } catch (IOException e) {
            throw new IllegalArgumentException("ip printed JSON that does not parse: " + e.getMessage(), e);
        }
    }
}
