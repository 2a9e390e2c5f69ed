package io.ovsfabric.agent.docker.engine;

import io.ovsfabric.agent.model.OverlayNetwork;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Pure: what to do so that the local engine has every fabric network, and the controller every network made here
 * with {@code docker network create -d ovsfabric}. Inputs: the controller's networks, the engine's networks of our
 * driver, and which engine networks the plugin has bound to a fabric network (docker network id to fabric id, ""
 * while not registered).
 */
public final class EngineSyncPlan {
    /** Label and driver option the sync puts on the docker networks it creates. */
    public static final String NETWORK_ID_KEY = "io.ovsfabric.network-id";

    private EngineSyncPlan() {}

    public sealed interface Action permits CreateInEngine, RegisterWithFabric, RemoveFromEngine, Conflict {}

    /** The fabric network has no docker network here yet. */
    public record CreateInEngine(OverlayNetwork network) implements Action {}

    /** A docker network made on this host that the controller does not know yet. */
    public record RegisterWithFabric(EngineNetwork network) implements Action {}

    /** A docker network whose fabric network was deleted. */
    public record RemoveFromEngine(EngineNetwork network, String fabricNetworkId) implements Action {}

    /** Something an operator must sort out; nothing is changed. */
    public record Conflict(String message) implements Action {}

    public static List<Action> plan(List<OverlayNetwork> fabric, List<EngineNetwork> engine, Map<String, String> bindings) {
        List<Action> actions = new ArrayList<>();
        Set<String> present = new HashSet<>();
        for (EngineNetwork e : engine) {
            Optional<String> fabricId = fabricIdOf(e, bindings);
            Optional<OverlayNetwork> match = fabricId.isPresent()
                    ? fabric.stream().filter(f -> f.id().equals(fabricId.get())).findFirst()
                    : fabric.stream().filter(f -> e.subnet().isPresent() && f.subnet().equals(e.subnet().get())).findFirst();
            if (match.isPresent()) {
                present.add(match.get().id());
                if (!match.get().name().equals(e.name())) {
                    actions.add(new Conflict("docker network " + e.name() + " is fabric network " + match.get().name()
                            + " (" + match.get().subnet() + ") under another name; containers attached by either name"
                            + " share it. Remove docker network " + e.name() + " to keep one name."));
                }
            } else if (fabricId.isPresent()) {
                actions.add(new RemoveFromEngine(e, fabricId.get()));
            } else if (!"ovsfabric".equals(e.ipamDriver()) || e.subnet().isEmpty()) {
                actions.add(new Conflict("docker network " + e.name() + " uses the ovsfabric driver without the"
                        + " ovsfabric IPAM or without a subnet; recreate it with --ipam-driver ovsfabric --subnet ..."));
            } else if (!bindings.containsKey(e.id())) {
                actions.add(new Conflict("docker network " + e.name() + " (" + e.subnet().get() + ") is unknown to"
                        + " this agent's plugin state; recreate it so that its pool id can be shared"));
            } else {
                actions.add(new RegisterWithFabric(e));
            }
        }
        Set<String> engineNames = new HashSet<>();
        engine.forEach(e -> engineNames.add(e.name()));
        for (OverlayNetwork f : fabric) {
            if (present.contains(f.id())) {
                continue;
            }
            if (engineNames.contains(f.name())) {
                actions.add(new Conflict("fabric network " + f.name() + " (" + f.subnet() + ") cannot be created in"
                        + " the local engine: docker network " + f.name() + " exists with another subnet"));
            } else {
                actions.add(new CreateInEngine(f));
            }
        }
        return actions;
    }

    private static Optional<String> fabricIdOf(EngineNetwork e, Map<String, String> bindings) {
        String id = e.labels().getOrDefault(NETWORK_ID_KEY, e.options().getOrDefault(NETWORK_ID_KEY, ""));
        if (id.isEmpty()) {
            id = bindings.getOrDefault(e.id(), "");
        }
        return id.isEmpty() ? Optional.empty() : Optional.of(id);
    }
}
