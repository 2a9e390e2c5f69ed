package io.ovsfabric.agent.ovs;

import io.ovsfabric.agent.plan.BridgeSpec;
import io.ovsfabric.agent.plan.ObservedBridge;
import io.ovsfabric.agent.plan.PortSpec;
import java.util.List;

/**
 * OVS configuration through OVSDB. Writes wait until ovs-vswitchd has applied them, and port writes read back
 * what vswitchd made of the port ({@code Interface.error}, {@code ofport}) and fail with it. Deleting what is
 * absent succeeds.
 */
public interface OvsDatabase extends AutoCloseable {

    /** Every bridge with its ports, one consistent read. */
    List<ObservedBridge> bridges();

    /** Creates the bridge, or sets its datapath type, fail mode, protocols and the spec's external_ids keys. Ports are left alone. */
    void ensureBridge(BridgeSpec bridge);

    /** Deletes the bridge (OVS removes its ports, interfaces and flows). */
    void deleteBridge(String name);

    /**
     * Creates the port with its interface, or updates type, options, ofport_request, mtu_request, the Port's
     * external_ids and the spec's keys of the Interface's external_ids (other keys are left alone).
     */
    void ensurePort(String bridge, PortSpec port);

    void deletePort(String bridge, String port);

    /** Open_vSwitch.ovs_version, e.g. "3.1.0"; "" when the start-up scripts did not set it. */
    String ovsVersion();

    /** Open_vSwitch.iface_types: the interface types this ovs-vswitchd supports (empty before it first ran). */
    java.util.Set<String> interfaceTypes();

    /** Sets one key of Open_vSwitch.other_config (vswitchd-wide tuning) if it differs; other keys are left alone. */
    void ensureOtherConfig(String key, String value);

    @Override
    void close();
}
