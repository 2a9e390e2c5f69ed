package io.ovsfabric.agent.dns;

import io.ovsfabric.agent.model.NetworkEndpoint;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.common.Ipv4Address;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Pure: container names and aliases of the fabric, by network. A query is answered from the networks the asking
 * container is attached to (all networks when the asker is not a fabric endpoint, e.g. the host itself):
 * {@code name} matches a container name or alias, {@code name.network} the same within one network.
 * Anything else is not ours and goes to the upstream resolvers.
 */
public final class NameTable {
    private final Map<String, String> networkIdsByName = new HashMap<>();
    /** network id -> lowercase name -> addresses */
    private final Map<String, Map<String, Set<Ipv4Address>>> names = new HashMap<>();
    /** address -> networks of the container that holds it */
    private final Map<Ipv4Address, Set<String>> networksOfAddress = new HashMap<>();

    public NameTable(EndpointDirectory.Snapshot snapshot) {
        for (OverlayNetwork n : snapshot.networks()) {
            networkIdsByName.put(normalize(n.name()), n.id());
            names.put(n.id(), new HashMap<>());
        }
        Map<String, Set<String>> networksOfContainer = new HashMap<>();
        for (NetworkEndpoint e : snapshot.endpoints()) {
            Map<String, Set<Ipv4Address>> inNetwork = names.get(e.networkId());
            if (inNetwork == null) {
                continue;   // network removed before its endpoints: ignore
            }
            Set<String> labels = new HashSet<>();
            if (!e.containerName().isEmpty()) {
                labels.add(normalize(e.containerName()));
            }
            e.aliases().forEach(a -> labels.add(normalize(a)));
            labels.forEach(l -> inNetwork.computeIfAbsent(l, k -> new TreeSet<>()).add(e.address()));
            String owner = e.containerId().isEmpty() ? "endpoint:" + e.endpointId() : e.containerId();
            networksOfContainer.computeIfAbsent(owner, k -> new HashSet<>()).add(e.networkId());
        }
        for (NetworkEndpoint e : snapshot.endpoints()) {
            String owner = e.containerId().isEmpty() ? "endpoint:" + e.endpointId() : e.containerId();
            networksOfAddress.computeIfAbsent(e.address(), k -> new HashSet<>())
                    .addAll(networksOfContainer.getOrDefault(owner, Set.of()));
        }
    }

    /**
     * The addresses of a name, or empty when the name is not a fabric name (forward it).
     *
     * @param querier source address of the query: a fabric endpoint limits the answer to its networks
     */
    public Optional<List<Ipv4Address>> resolve(String queryName, Optional<Ipv4Address> querier) {
        String q = normalize(queryName);
        if (q.isEmpty()) {
            return Optional.empty();
        }
        Set<String> scope = querier.map(networksOfAddress::get).orElse(null);
        Set<Ipv4Address> found = new TreeSet<>();
        for (Map.Entry<String, Map<String, Set<Ipv4Address>>> network : names.entrySet()) {
            if (scope == null || scope.contains(network.getKey())) {
                found.addAll(network.getValue().getOrDefault(q, Set.of()));
            }
        }
        if (found.isEmpty()) {
            // name.network: try every split, since container and network names may contain dots
            for (int dot = q.indexOf('.'); dot > 0; dot = q.indexOf('.', dot + 1)) {
                String networkId = networkIdsByName.get(q.substring(dot + 1));
                if (networkId != null && (scope == null || scope.contains(networkId))) {
                    found.addAll(names.get(networkId).getOrDefault(q.substring(0, dot), Set.of()));
                }
            }
        }
        return found.isEmpty() ? Optional.empty() : Optional.of(List.copyOf(found));
    }

    private static String normalize(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }
}
