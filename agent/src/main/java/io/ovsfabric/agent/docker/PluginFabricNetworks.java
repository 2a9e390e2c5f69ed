package io.ovsfabric.agent.docker;

import io.ovsfabric.agent.model.AddressLease;
import io.ovsfabric.agent.model.AllocationHandle;
import io.ovsfabric.agent.model.HostInventory;
import io.ovsfabric.agent.model.NetworkEndpoint;
import io.ovsfabric.agent.model.NetworkSpec;
import io.ovsfabric.agent.model.OverlayNetwork;
import io.ovsfabric.agent.rpc.ControllerException;
import io.ovsfabric.agent.rpc.FabricNetworks;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;

import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The controller's networks role as the Docker integration uses it: the same calls, with a
 * {@link ControllerException} turned into the {@link PluginException} of the same meaning (the plugin's one failure
 * type, which its protocol answers with). The kinds come from the controller client's one status table; this only
 * renames them.
 */
public final class PluginFabricNetworks implements FabricNetworks {
    private final FabricNetworks controller;

    private PluginFabricNetworks(FabricNetworks controller) {
        this.controller = controller;
    }

    /** {@code networks} with plugin failures; wrapping twice is wrapping once. */
    public static FabricNetworks wrap(FabricNetworks networks) {
        return networks instanceof PluginFabricNetworks ? networks : new PluginFabricNetworks(networks);
    }

    /** The plugin failure of the same meaning. */
    public static PluginException failure(ControllerException e) {
        String message = "controller: " + e.getMessage();
        return switch (e.kind()) {
            case UNAVAILABLE -> PluginException.unavailable(
                    message + " (is the controller running and reachable? the call is safe to retry)", e);
            case INVALID -> new PluginException(PluginException.Kind.INVALID_REQUEST, message, e);
            case NOT_FOUND, LEASE_LOST -> new PluginException(PluginException.Kind.NOT_FOUND, message, e);
            case CONFLICT -> new PluginException(PluginException.Kind.CONFLICT, message, e);
            case REFUSED, FAILED -> PluginException.failed(message, e);
        };
    }

    private static <T> T call(Supplier<T> call) {
        try {
            return call.get();
        } catch (ControllerException e) {
            throw failure(e);
        }
    }

    private static void run(Runnable call) {
        call(() -> {
            call.run();
            return null;
        });
    }

    @Override
    public List<OverlayNetwork> listNetworks() {
        return call(controller::listNetworks);
    }

    @Override
    public OverlayNetwork createNetwork(NetworkSpec spec) {
        return call(() -> controller.createNetwork(spec));
    }

    @Override
    public void deleteNetwork(String networkId) {
        run(() -> controller.deleteNetwork(networkId));
    }

    @Override
    public AddressLease allocateAddress(String networkId, AllocationHandle handle, Optional<Ipv4Address> preferred) {
        return call(() -> controller.allocateAddress(networkId, handle, preferred));
    }

    @Override
    public void releaseAddress(String networkId, AllocationHandle handle) {
        run(() -> controller.releaseAddress(networkId, handle));
    }

    @Override
    public void updateEndpoint(NetworkEndpoint endpoint) {
        run(() -> controller.updateEndpoint(endpoint));
    }

    @Override
    public List<NetworkEndpoint> listEndpoints(Optional<HostId> host) {
        return call(() -> controller.listEndpoints(host));
    }

    @Override
    public void reportInventory(HostId host, HostInventory inventory) {
        run(() -> controller.reportInventory(host, inventory));
    }
}
