package io.ovsfabric.agent.docker.engine;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.common.Ipv4Address;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** {@link ContainerEngine} over the Docker Engine API with docker-java; its types stay in this class. */
public final class DockerJavaEngine implements ContainerEngine {
    private final String host;
    private final DockerClient calls;
    private final DockerClient events;

    private DockerJavaEngine(String host, DockerClient calls, DockerClient events) {
        this.host = host;
        this.calls = calls;
        this.events = events;
    }

    /** Connects to dockerd, e.g. {@code unix:///var/run/docker.sock}. Nothing is sent until the first call. */
    public static DockerJavaEngine connect(String dockerHost) {
        DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(dockerHost).build();
        return new DockerJavaEngine(dockerHost, client(config, Duration.ofSeconds(60)), client(config, null));
    }

    private static DockerClient client(DockerClientConfig config, Duration responseTimeout) {
        ApacheDockerHttpClient.Builder http = new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig()).maxConnections(8).connectionTimeout(Duration.ofSeconds(5));
        if (responseTimeout != null) {
            http.responseTimeout(responseTimeout);   // the event stream has none: it is idle for long
        }
        return DockerClientImpl.getInstance(config, http.build());
    }

    @Override
    public List<EngineNetwork> listNetworks(String driver) {
        return call("list networks", () -> calls.listNetworksCmd().withFilter("driver", List.of(driver)).exec()
                .stream().filter(n -> driver.equals(n.getDriver()))
                // The list omits attached containers; inspect gives them.
                .map(n -> toNetwork(calls.inspectNetworkCmd().withNetworkId(n.getId()).exec()))
                .toList());
    }

    @Override
    public String createNetwork(EngineNetworkSpec spec) {
        return call("create network " + spec.name(), () -> calls.createNetworkCmd().withName(spec.name())
                .withDriver(spec.driver()).withCheckDuplicate(true)
                .withIpam(new Network.Ipam().withDriver(spec.ipamDriver()).withConfig(new Network.Ipam.Config()
                        .withSubnet(spec.subnet().toString()).withGateway(spec.gateway().toString())))
                .withOptions(spec.options()).withLabels(spec.labels()).exec().getId());
    }

    @Override
    public void removeNetwork(String networkId) {
        try {
            call("remove network " + networkId, () -> calls.removeNetworkCmd(networkId).exec());
        } catch (AgentException e) {
            if (e.code() != AgentException.Code.NOT_FOUND) {
                throw e;
            }
        }
    }

    @Override
    public Optional<EngineContainer> inspectContainer(String containerId) {
        try {
            InspectContainerResponse c = call("inspect container " + containerId,
                    () -> calls.inspectContainerCmd(containerId).exec());
            Map<String, EngineContainer.Attachment> attachments = new LinkedHashMap<>();
            Map<String, ContainerNetwork> networks = c.getNetworkSettings() == null ? null
                    : c.getNetworkSettings().getNetworks();
            if (networks != null) {
                networks.values().forEach(n -> attachments.put(n.getNetworkID(), new EngineContainer.Attachment(
                        n.getNetworkID(), nullToEmpty(n.getEndpointId()),
                        n.getAliases() == null ? List.of() : n.getAliases())));
            }
            String name = c.getName() == null ? "" : c.getName().replaceFirst("^/", "");
            return Optional.of(new EngineContainer(c.getId(), name, attachments));
        } catch (AgentException e) {
            if (e.code() == AgentException.Code.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * A container's id, name and address on each of its networks by network name (docker0's network is "bridge"),
     * for the agent's diagnostics; empty if no container has that name or id.
     */
    public Optional<EngineContainerAddresses> inspectAddresses(String nameOrId) {
        try {
            InspectContainerResponse c = call("inspect container " + nameOrId,
                    () -> calls.inspectContainerCmd(nameOrId).exec());
            Map<String, String> addresses = new LinkedHashMap<>();
            Map<String, ContainerNetwork> networks = c.getNetworkSettings() == null ? null
                    : c.getNetworkSettings().getNetworks();
            if (networks != null) {
                networks.forEach((name, n) -> {
                    if (n.getIpAddress() != null && !n.getIpAddress().isEmpty()) {
                        addresses.put(name, n.getIpAddress());
                    }
                });
            }
            String name = c.getName() == null ? "" : c.getName().replaceFirst("^/", "");
            return Optional.of(new EngineContainerAddresses(c.getId(), name, addresses));
        } catch (AgentException e) {
            if (e.code() == AgentException.Code.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public AutoCloseable watchNetworkEvents(String driver, Consumer<EngineEvent> onEvent, Consumer<Throwable> onFailure) {
        AtomicBoolean closing = new AtomicBoolean();
        ResultCallback.Adapter<Event> callback = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Event event) {
                toEvent(event, driver).ifPresent(onEvent);
            }

            @Override
            public void onError(Throwable throwable) {
                if (closing.get()) {
                    return;   // our own close() ends the stream; not a failure worth a stack trace
                }
                super.onError(throwable);
                onFailure.accept(throwable);
            }

            @Override
            public void onComplete() {
                super.onComplete();
                if (!closing.get()) {
                    onFailure.accept(new IOException("dockerd at " + host + " closed the event stream"));
                }
            }
        };
        call("watch events", () -> events.eventsCmd().withEventTypeFilter("network").exec(callback));
        try {
            // Until dockerd answers, events are not delivered: wait briefly so the caller's next read overlaps the
            // stream (a slow start only widens that gap; the periodic pass covers it).
            callback.awaitStarted(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return () -> {
            closing.set(true);
            callback.close();
        };
    }

    @Override
    public void close() {
        try {
            calls.close();
            events.close();
        } catch (IOException e) {
            // closing idle HTTP connections; nothing to recover
        }
    }

    private static Optional<EngineEvent> toEvent(Event event, String driver) {
        if (event.getActor() == null || event.getActor().getAttributes() == null
                || !driver.equals(event.getActor().getAttributes().get("type"))) {
            return Optional.empty();
        }
        String networkId = event.getActor().getId();
        Optional<String> container = Optional.ofNullable(event.getActor().getAttributes().get("container"));
        EngineEvent.Kind kind = switch (String.valueOf(event.getAction())) {
            case "create" -> EngineEvent.Kind.NETWORK_CREATED;
            case "destroy" -> EngineEvent.Kind.NETWORK_REMOVED;
            case "connect" -> EngineEvent.Kind.CONTAINER_CONNECTED;
            case "disconnect" -> EngineEvent.Kind.CONTAINER_DISCONNECTED;
            default -> null;
        };
        return kind == null ? Optional.empty() : Optional.of(new EngineEvent(kind, networkId, container));
    }

    private static EngineNetwork toNetwork(Network n) {
        Optional<Cidr> subnet = Optional.empty();
        Optional<Ipv4Address> gateway = Optional.empty();
        String ipamDriver = "";
        if (n.getIpam() != null) {
            ipamDriver = nullToEmpty(n.getIpam().getDriver());
            List<Network.Ipam.Config> configs = n.getIpam().getConfig();
            if (configs != null && !configs.isEmpty()) {
                subnet = parse(configs.get(0).getSubnet(), Cidr::parse);
                gateway = parse(configs.get(0).getGateway(), Ipv4Address::parse);
            }
        }
        Map<String, String> containers = new LinkedHashMap<>();
        List<EngineNetwork.Attached> endpoints = new ArrayList<>();
        if (n.getContainers() != null) {
            n.getContainers().forEach((id, c) -> {
                containers.put(id, nullToEmpty(c.getEndpointId()));
                String address = nullToEmpty(c.getIpv4Address());
                endpoints.add(new EngineNetwork.Attached(id, nullToEmpty(c.getName()), nullToEmpty(c.getEndpointId()),
                        address.contains("/") ? address.substring(0, address.indexOf('/')) : address));
            });
        }
        return new EngineNetwork(n.getId(), n.getName(), n.getDriver(), ipamDriver, subnet, gateway,
                n.getLabels() == null ? Map.of() : n.getLabels(), n.getOptions() == null ? Map.of() : n.getOptions(),
                containers, endpoints);
    }

    private static <T> Optional<T> parse(String text, java.util.function.Function<String, T> parser) {
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(parser.apply(text));
        } catch (InvalidInputException e) {
            return Optional.empty();   // e.g. an IPv6 subnet: not one of ours
        }
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    private <T> T call(String what, Supplier<T> request) {
        try {
            return request.get();
        } catch (DockerException e) {
            String message = "dockerd at " + host + ": cannot " + what + ": " + e.getMessage();
            throw switch (e.getHttpStatus()) {
                case 404 -> AgentException.notFound(message);
                case 403, 409 -> AgentException.conflict(message);
                case 400 -> AgentException.invalid(message);
                default -> AgentException.failed(message, e);
            };
        } catch (RuntimeException e) {
            throw AgentException.unavailable("cannot reach dockerd at " + host + " to " + what + ": " + e
                    + " (is dockerd running? is the agent's --docker-host right?)", e);
        }
    }

    private void call(String what, Runnable request) {
        call(what, () -> {
            request.run();
            return null;
        });
    }
}
