package io.ovsfabric.agent.ovs;

import com.google.common.util.concurrent.ListenableFuture;
import io.netty.channel.EventLoopGroup;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.agent.plan.BridgeSpec;
import io.ovsfabric.agent.plan.ObservedBridge;
import io.ovsfabric.agent.plan.ObservedPort;
import io.ovsfabric.agent.plan.PortSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.opendaylight.ovsdb.lib.OvsdbClient;
import org.opendaylight.ovsdb.lib.notation.Mutator;
import org.opendaylight.ovsdb.lib.notation.OvsdbMap;
import org.opendaylight.ovsdb.lib.notation.OvsdbSet;
import org.opendaylight.ovsdb.lib.notation.Row;
import org.opendaylight.ovsdb.lib.notation.UUID;
import org.opendaylight.ovsdb.lib.operations.Insert;
import org.opendaylight.ovsdb.lib.operations.Operation;
import org.opendaylight.ovsdb.lib.operations.OperationResult;
import org.opendaylight.ovsdb.lib.operations.Update;
import org.opendaylight.ovsdb.lib.schema.DatabaseSchema;
import org.opendaylight.ovsdb.lib.schema.GenericTableSchema;

import static org.opendaylight.ovsdb.lib.operations.Operations.op;

/**
 * {@link OvsDatabase} over OpenDaylight's OVSDB library. Connects lazily and reconnects after a lost connection; a
 * connection that ovsdb-server closed (it died or restarted) is reported to the listener given at construction.
 * Every write also bumps {@code Open_vSwitch.next_cfg} and waits until vswitchd reports it in {@code cur_cfg}
 * (what ovs-vsctl does), so that a returned write has been applied: ports have their ofport, bridges their
 * management socket.
 */
@SuppressWarnings({"unchecked", "rawtypes"})
public final class OdlOvsDatabase implements OvsDatabase {
    private static final String DATABASE = "Open_vSwitch";
    private static final long POLL_MILLIS = 20;

    private final OvsdbTarget target;
    private final EventLoopGroup group;
    private final Duration timeout;
    private final Runnable connectionLost;
    private OvsdbClient client;
    private AtomicBoolean closedByUs;   // of the current client: its end is not reported as lost
    private CompletableFuture<Void> clientClosed = new CompletableFuture<>();  // of the current client
    private DatabaseSchema schema;

    public OdlOvsDatabase(OvsdbTarget target, EventLoopGroup group, Duration timeout) {
        this(target, group, timeout, () -> {});
    }

    /** @param connectionLost run on an I/O thread when an open connection ends without {@link #close} ending it */
    public OdlOvsDatabase(OvsdbTarget target, EventLoopGroup group, Duration timeout, Runnable connectionLost) {
        this.target = target;
        this.group = group;
        this.timeout = timeout;
        this.connectionLost = connectionLost;
    }

    @Override
    public synchronized List<ObservedBridge> bridges() {
        GenericTableSchema bridges = table("Bridge");
        GenericTableSchema ports = table("Port");
        GenericTableSchema interfaces = table("Interface");
        List<OperationResult> results = transact(List.of(
                OvsdbRows.select(bridges, "_uuid", "name", "datapath_type", "fail_mode", "protocols", "external_ids", "ports"),
                OvsdbRows.select(ports, "_uuid", "name", "interfaces", "external_ids"),
                OvsdbRows.select(interfaces, "_uuid", "name", "type", "options", "ofport", "ofport_request",
                        "mtu_request", "error", "external_ids")), "read bridges");
        Map<UUID, Row<GenericTableSchema>> portRows = OvsdbRows.byUuid(results.get(1).getRows());
        Map<UUID, Row<GenericTableSchema>> interfaceRows = OvsdbRows.byUuid(results.get(2).getRows());
        List<ObservedBridge> observed = new ArrayList<>();
        for (Row<GenericTableSchema> bridge : results.get(0).getRows()) {
            List<ObservedPort> bridgePorts = new ArrayList<>();
            for (UUID portId : OvsdbRows.uuids(bridge, "ports")) {
                Row<GenericTableSchema> port = portRows.get(portId);
                if (port == null) {
                    continue;
                }
                Row<GenericTableSchema> iface = OvsdbRows.uuids(port, "interfaces").stream().map(interfaceRows::get)
                        .filter(r -> r != null).findFirst().orElse(null);
                bridgePorts.add(OvsdbRows.port(port, iface));
            }
            observed.add(new ObservedBridge(OvsdbRows.string(bridge, "name"), OvsdbRows.string(bridge, "datapath_type"),
                    OvsdbRows.string(bridge, "fail_mode"), OvsdbRows.strings(bridge, "protocols"),
                    OvsdbRows.map(bridge, "external_ids"), bridgePorts));
        }
        return observed;
    }

    @Override
    public synchronized void ensureBridge(BridgeSpec spec) {
        GenericTableSchema bridges = table("Bridge");
        Row<GenericTableSchema> existing = findByName(bridges, spec.name(), "external_ids");
        List<Operation> ops = new ArrayList<>();
        if (existing == null) {
            ops.add(op.insert(bridges).withId("newbridge")
                    .value(bridges.column("name"), spec.name())
                    .value(bridges.column("datapath_type"), spec.datapathType())
                    .value(bridges.column("fail_mode"), OvsdbSet.fromSet(Set.of(spec.failMode())))
                    .value(bridges.column("protocols"), OvsdbSet.fromSet(spec.protocols()))
                    .value(bridges.column("external_ids"), OvsdbMap.fromMap(spec.externalIds())));
            GenericTableSchema root = table(DATABASE);
            ops.add(op.mutate(root).addMutation(root.column("bridges"), Mutator.INSERT,
                    OvsdbSet.fromSet(Set.of(new UUID("newbridge")))));
        } else {
            Update update = op.update(bridges)
                    .set(bridges.column("datapath_type"), spec.datapathType())
                    .set(bridges.column("fail_mode"), OvsdbSet.fromSet(Set.of(spec.failMode())))
                    .set(bridges.column("protocols"), OvsdbSet.fromSet(spec.protocols()))
                    .set(bridges.column("external_ids"), OvsdbMap.fromMap(
                            merged(OvsdbRows.map(existing, "external_ids"), spec.externalIds())));
            ops.add(update.where(bridges.column("name").opEqual(spec.name())).build());
        }
        applyAndWait(ops, "bridge " + spec.name());
    }

    @Override
    public synchronized void deleteBridge(String name) {
        Row<GenericTableSchema> existing = findByName(table("Bridge"), name);
        if (existing == null) {
            return;
        }
        GenericTableSchema root = table(DATABASE);
        applyAndWait(List.of(op.mutate(root).addMutation(root.column("bridges"), Mutator.DELETE,
                OvsdbSet.fromSet(Set.of(OvsdbRows.uuid(existing))))), "delete bridge " + name);
    }

    @Override
    public synchronized void ensurePort(String bridge, PortSpec spec) {
        GenericTableSchema bridges = table("Bridge");
        GenericTableSchema ports = table("Port");
        GenericTableSchema interfaces = table("Interface");
        Row<GenericTableSchema> existing = findByName(ports, spec.name(), "external_ids");
        List<Operation> ops = new ArrayList<>();
        String what = "port " + spec.name() + " on " + bridge;
        if (existing == null) {
            Insert iface = op.insert(interfaces).withId("newiface")
                    .value(interfaces.column("name"), spec.name())
                    .value(interfaces.column("type"), spec.type())
                    .value(interfaces.column("options"), OvsdbMap.fromMap(spec.options()))
                    .value(interfaces.column("external_ids"), OvsdbMap.fromMap(spec.interfaceIds()));
            if (spec.ofportRequest() != null) {
                iface.value(interfaces.column("ofport_request"), OvsdbSet.fromSet(Set.of((long) spec.ofportRequest())));
            }
            if (spec.mtuRequest() != null) {
                iface.value(interfaces.column("mtu_request"), OvsdbSet.fromSet(Set.of((long) spec.mtuRequest())));
            }
            ops.add(iface);
            ops.add(op.insert(ports).withId("newport")
                    .value(ports.column("name"), spec.name())
                    .value(ports.column("interfaces"), OvsdbSet.fromSet(Set.of(new UUID("newiface"))))
                    .value(ports.column("external_ids"), OvsdbMap.fromMap(spec.externalIds())));
            ops.add(op.mutate(bridges).addMutation(bridges.column("ports"), Mutator.INSERT,
                    OvsdbSet.fromSet(Set.of(new UUID("newport")))).where(bridges.column("name").opEqual(bridge)).build());
        } else {
            Update iface = op.update(interfaces)
                    .set(interfaces.column("type"), spec.type())
                    .set(interfaces.column("options"), OvsdbMap.fromMap(spec.options()));
            if (!spec.interfaceIds().isEmpty()) {
                Row<GenericTableSchema> current = findByName(interfaces, spec.name(), "external_ids");
                iface.set(interfaces.column("external_ids"), OvsdbMap.fromMap(merged(
                        current == null ? Map.of() : OvsdbRows.map(current, "external_ids"), spec.interfaceIds())));
            }
            if (spec.ofportRequest() != null) {
                iface.set(interfaces.column("ofport_request"), OvsdbSet.fromSet(Set.of((long) spec.ofportRequest())));
            }
            if (spec.mtuRequest() != null) {
                iface.set(interfaces.column("mtu_request"), OvsdbSet.fromSet(Set.of((long) spec.mtuRequest())));
            }
            ops.add(iface.where(interfaces.column("name").opEqual(spec.name())).build());
            ops.add(op.update(ports).set(ports.column("external_ids"), OvsdbMap.fromMap(
                            merged(OvsdbRows.map(existing, "external_ids"), spec.externalIds())))
                    .where(ports.column("name").opEqual(spec.name())).build());
        }
        List<OperationResult> results = applyAndWait(ops, what);
        if (existing == null && results.get(2).getCount() != 1) {
            throw new AgentException(what + ": bridge " + bridge + " does not exist");
        }
        Row<GenericTableSchema> state = findByName(interfaces, spec.name(), "ofport", "error");
        String error = state == null ? "interface row missing" : OvsdbRows.string(state, "error");
        Long ofport = state == null ? null : OvsdbRows.optionalLong(state, "ofport");
        if (!error.isEmpty() || (ofport != null && ofport < 0)) {
            throw new AgentException(what + ": ovs-vswitchd could not add it: "
                    + (error.isEmpty() ? "ofport -1" : error) + " (see the ovs-vswitchd log)");
        }
    }

    @Override
    public synchronized void deletePort(String bridge, String port) {
        Row<GenericTableSchema> existing = findByName(table("Port"), port);
        if (existing == null) {
            return;
        }
        GenericTableSchema bridges = table("Bridge");
        applyAndWait(List.of(op.mutate(bridges).addMutation(bridges.column("ports"), Mutator.DELETE,
                        OvsdbSet.fromSet(Set.of(OvsdbRows.uuid(existing)))).where(bridges.column("name").opEqual(bridge)).build()),
                "delete port " + port + " from " + bridge);
    }

    @Override
    public synchronized String ovsVersion() {
        GenericTableSchema root = table(DATABASE);
        List<Row<GenericTableSchema>> rows = transact(List.of(OvsdbRows.select(root, "ovs_version")), "read ovs_version")
                .get(0).getRows();
        return rows.isEmpty() ? "" : OvsdbRows.string(rows.get(0), "ovs_version");
    }

    @Override
    public synchronized Set<String> interfaceTypes() {
        GenericTableSchema root = table(DATABASE);
        List<Row<GenericTableSchema>> rows = transact(List.of(OvsdbRows.select(root, "iface_types")), "read iface_types")
                .get(0).getRows();
        return rows.isEmpty() ? Set.of() : OvsdbRows.strings(rows.get(0), "iface_types");
    }

    @Override
    public synchronized void ensureOtherConfig(String key, String value) {
        GenericTableSchema root = table(DATABASE);
        List<Row<GenericTableSchema>> rows = transact(List.of(OvsdbRows.select(root, "_uuid", "other_config")),
                "read other_config").get(0).getRows();
        if (rows.isEmpty()) {
            throw new AgentException("set other_config:" + key + ": OVSDB has no Open_vSwitch row; was it initialised "
                    + "(ovs-vsctl --no-wait init)?");
        }
        Map<String, String> current = OvsdbRows.map(rows.get(0), "other_config");
        if (value.equals(current.get(key))) {
            return;
        }
        Map<String, String> wanted = new HashMap<>(current);
        wanted.put(key, value);
        Update update = op.update(root).set(root.column("other_config"), OvsdbMap.fromMap(wanted));
        applyAndWait(List.of(update.where(root.column("_uuid").opEqual(OvsdbRows.uuid(rows.get(0)))).build()),
                "set other_config:" + key + "=" + value);
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            closedByUs.set(true);
            client.disconnect();
            client = null;
        }
    }

    /** Runs {@code ops} plus a next_cfg bump in one transaction, then waits until vswitchd has caught up. */
    private List<OperationResult> applyAndWait(List<Operation> ops, String what) {
        GenericTableSchema root = table(DATABASE);
        List<Operation> all = new ArrayList<>(ops);
        all.add(op.mutate(root).addMutation(root.column("next_cfg"), Mutator.SUM, 1L));
        all.add(OvsdbRows.select(root, "next_cfg"));
        List<OperationResult> results = transact(all, what);
        long wanted = OvsdbRows.optionalLong(results.get(all.size() - 1).getRows().get(0), "next_cfg");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Row<GenericTableSchema> row = transact(List.of(OvsdbRows.select(root, "cur_cfg")), what).get(0).getRows().get(0);
            if (OvsdbRows.optionalLong(row, "cur_cfg") >= wanted) {
                return results;
            }
            if (System.nanoTime() > deadline) {
                throw new AgentException(what + ": ovs-vswitchd did not apply the change within " + timeout.toSeconds()
                        + "s; is ovs-vswitchd running and connected to " + target + "?");
            }
            sleep();
        }
    }

    private Row<GenericTableSchema> findByName(GenericTableSchema table, String name, String... columns) {
        List<String> wanted = new ArrayList<>(List.of("_uuid", "name"));
        wanted.addAll(List.of(columns));
        Operation select = OvsdbRows.select(table, wanted.toArray(String[]::new))
                .where(table.column("name").opEqual(name)).build();
        List<Row<GenericTableSchema>> rows = transact(List.of(select), "find " + table.getName() + " " + name)
                .get(0).getRows();
        return rows == null || rows.isEmpty() ? null : rows.get(0);
    }

    private List<OperationResult> transact(List<Operation> ops, String what) {
        connect();
        List<OperationResult> results = await(client.transact(schema, ops), what);
        for (int i = 0; i < results.size(); i++) {
            OperationResult result = results.get(i);
            if (result != null && result.getError() != null) {
                throw new AgentException(what + ": ovsdb-server refused operation " + i + ": " + result.getError()
                        + (result.getDetails() == null ? "" : " (" + result.getDetails() + ")"));
            }
        }
        if (results.size() < ops.size()) {
            throw new AgentException(what + ": ovsdb-server answered " + results.size() + " of " + ops.size() + " operations");
        }
        return results;
    }

    private void connect() {
        if (client != null && client.isActive()) {
            return;
        }
        close();
        AtomicBoolean ours = new AtomicBoolean();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        client = OvsdbTransport.connect(target, group, timeout, () -> {
            boolean byPeer = !ours.get();   // read first: completing wakes a waiter that then closes it as ours
            closed.complete(null);
            if (byPeer) {
                connectionLost.run();
            }
        });
        closedByUs = ours;
        clientClosed = closed;
        schema = await(client.getSchema(DATABASE), "read the " + DATABASE + " schema").withInternallyGeneratedColumns();
    }

    private GenericTableSchema table(String name) {
        connect();
        return schema.table(name, GenericTableSchema.class);
    }

    /**
     * The answer to a request of the current connection. ODL's endpoint never fails a pending request when its
     * connection closes, so the close ends the wait here: a connection that reached an ovsdb-server on its way down
     * (a restart) fails at once instead of after the whole timeout, and the next pass reconnects.
     */
    private <T> T await(ListenableFuture<T> future, String what) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        future.addListener(() -> {
            try {
                answer.complete(future.get());
            } catch (java.util.concurrent.ExecutionException e) {
                answer.completeExceptionally(e.getCause());
            } catch (InterruptedException | java.util.concurrent.CancellationException e) {
                answer.completeExceptionally(e);
            }
        }, Runnable::run);
        clientClosed.thenRun(() -> answer.completeExceptionally(new AgentException(what + ": ovsdb-server at "
                + target + " closed the connection before answering (restarting?); the next pass reconnects")));
        return AgentException.await(answer, timeout, what, "ovsdb-server at " + target, this::close, this::close);
    }

    private static Map<String, String> merged(Map<String, String> current, Map<String, String> wanted) {
        Map<String, String> merged = new HashMap<>(current);
        merged.putAll(wanted);
        return merged;
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentException("interrupted while waiting for ovs-vswitchd", e);
        }
    }
}
