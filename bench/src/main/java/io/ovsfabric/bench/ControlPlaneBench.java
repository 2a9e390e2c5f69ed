package io.ovsfabric.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.ovsfabric.agent.model.AllocationHandle;
import io.ovsfabric.agent.model.NetworkSpec;
import io.ovsfabric.agent.health.PeerStatus;
import io.ovsfabric.agent.health.ProbeSettings;
import io.ovsfabric.agent.health.TunnelState;
import io.ovsfabric.agent.model.TopologyUpdate;
import io.ovsfabric.agent.rpc.ControllerClient;
import io.ovsfabric.common.Cidr;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.Ipv4Address;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The control-plane benchmark (run by {@code deploy/bench.sh control-plane}): simulated agents use the agent's own
 * {@link ControllerClient} (Register, WatchTopology, KeepAlive at a third of the lease TTL, as the agent does) against
 * one controller, and raw etcd create-if-absent transactions are measured with jetcd in the same run: once on a quiet
 * machine, and in rounds alternating with the AllocateAddress rounds (the ratio the table gives first). Prints one
 * table and exits; a watchdog ends it after {@code --max-seconds}.
 *
 * <pre>
 * ControlPlaneBench --controller 127.0.0.1:17070 --etcd http://127.0.0.1:23790 --controller-pid PID
 *                   [--agents 1000] [--allocs 10000] [--clients 16] [--max-seconds 300]
 * </pre>
 */
public final class ControlPlaneBench {
    private static final int REGISTRATIONS_IN_FLIGHT = 32;
    private static final int UPSERT_ROUNDS = 5;
    /** Rounds of allocations, each after as many raw etcd transactions. */
    private static final int ROUNDS = 5;

    private final String controller;
    private final String etcd;
    private final long controllerPid;
    private final int agents;
    private final int allocs;
    private final int clients;
    private final int warmup;

    private final List<Agent> fleet = new ArrayList<>();
    private final Map<String, Long> upsertSentNanos = new ConcurrentHashMap<>();
    private final List<Long> upsertLatencies = Collections.synchronizedList(new ArrayList<>());
    private final List<Long> upsertRegisterNanos = Collections.synchronizedList(new ArrayList<>());

    private ControlPlaneBench(Map<String, String> args) {
        controller = args.getOrDefault("--controller", "127.0.0.1:17070");
        etcd = args.getOrDefault("--etcd", "http://127.0.0.1:23790");
        controllerPid = Long.parseLong(args.getOrDefault("--controller-pid", "0"));
        agents = Integer.parseInt(args.getOrDefault("--agents", "1000"));
        allocs = Integer.parseInt(args.getOrDefault("--allocs", "10000"));
        clients = Integer.parseInt(args.getOrDefault("--clients", "16"));
        warmup = Integer.parseInt(args.getOrDefault("--warmup", "3000"));
    }

    /** One simulated agent: its client, its lease, its stream. */
    private final class Agent {
        final HostId id;
        final Ipv4Address underlay;
        final ControllerClient client;
        volatile AutoCloseable stream;
        final CountDownLatch snapshot = new CountDownLatch(1);
        final AtomicLong revision = new AtomicLong();
        volatile Throwable ended;

        Agent(int n) {
            id = HostId.of("bench-" + n);
            underlay = Ipv4Address.parse("192.168." + (n / 250) + "." + (1 + n % 250));
            client = ControllerClient.connect(controller);
        }

        void onUpdate(TopologyUpdate update) {
            long now = System.nanoTime();
            revision.set(update.revision());
            if (update instanceof TopologyUpdate.Snapshot) {
                snapshot.countDown();
            } else if (update instanceof TopologyUpdate.Delta delta) {
                for (TopologyUpdate.HostChange change : delta.changes()) {
                    if (change instanceof TopologyUpdate.HostUpserted up) {
                        Long sent = upsertSentNanos.get(up.host().id().value());
                        if (sent != null) {
                            upsertLatencies.add(Math.max(0, now - sent));
                        }
                    }
                }
            }
        }
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new java.util.HashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            args.put(argv[i], argv[i + 1]);
        }
        long maxSeconds = Long.parseLong(args.getOrDefault("--max-seconds", "300"));
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(TimeUnit.SECONDS.toMillis(maxSeconds)); // the benchmark's hard bound
                System.err.println("bench: still running after " + maxSeconds + " s: giving up");
                Runtime.getRuntime().halt(3);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        new ControlPlaneBench(args).run();
        // a flight recording asked for with BENCH_JAVA_OPTS is written now: halt skips the JVM's exit hooks
        if (jdk.jfr.FlightRecorder.isInitialized()) {
            jdk.jfr.FlightRecorder.getFlightRecorder().getRecordings().forEach(jdk.jfr.Recording::stop);
        }
        Runtime.getRuntime().halt(0); // 1,000 channels: do not wait for their graceful shutdown
    }

    private void run() throws Exception {
        List<String[]> rows = new ArrayList<>();
        // raw etcd first, while nothing else runs: the store's own speed on this machine (after a warm-up, as the
        // allocations get one: both sides' JITs and connections are then past their first seconds)
        rawEtcd(warmup, clients);
        double quietRaw = rawEtcd(allocs, clients).rate();
        log("raw etcd on a quiet machine: %.0f create-if-absent txns/s with %d clients", quietRaw, clients);

        for (int i = 0; i < agents; i++) {
            fleet.add(new Agent(i));
        }
        // keep-alives as the agent sends them: every third of the lease TTL from its registration on
        // blocking calls, as each agent makes them from its own thread: one thread per agent, so a slow answer (seconds,
        // when the controller is saturated sending snapshots) delays only its own agent, as it would on a real host.
        // A smaller shared pool falls behind once calls take longer than pool/rate (64 threads at 300 calls/s: 213 ms)
        // and the bench itself then lets every lease expire.
        ScheduledExecutorService keepers = Executors.newScheduledThreadPool(agents);
        AtomicInteger keepAliveFailures = new AtomicInteger();
        long keepAliveMs = 10_000 / 3;
        // connecting: every agent's channel, 32 at a time, timed on its own (a channel connects lazily, on its first
        // call: measured together, registration would count 1,000 TCP and HTTP/2 set-ups on a cold controller)
        ExecutorService connectors = Executors.newFixedThreadPool(REGISTRATIONS_IN_FLIGHT);
        long connectStart = System.nanoTime();
        List<Future<Boolean>> connecting = new ArrayList<>();
        for (Agent a : fleet) {
            connecting.add(connectors.submit(() -> a.client.awaitConnected(java.time.Duration.ofSeconds(30))));
        }
        int connectFailed = 0;
        for (Future<Boolean> f : connecting) {
            connectFailed += f.get() ? 0 : 1;
        }
        double connectSeconds = seconds(System.nanoTime() - connectStart);
        connectors.shutdown();
        log("connected %d channels in %.2f s (%d not ready within 30 s)", agents - connectFailed, connectSeconds,
                connectFailed);

        // registration: 32 in flight
        ExecutorService registrants = Executors.newFixedThreadPool(REGISTRATIONS_IN_FLIGHT);
        List<Long> regLatencies = Collections.synchronizedList(new ArrayList<>());
        long regStart = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (Agent a : fleet) {
            done.add(registrants.submit(() -> {
                long t = System.nanoTime();
                a.client.membership().register(a.id, a.underlay, 1500,
                        Map.of("datapath", "netdev", "bench", "true"), Optional.empty());
                regLatencies.add(System.nanoTime() - t);
                keepers.scheduleAtFixedRate(() -> {
                    try {
                        a.client.membership().keepAlive(a.id);
                    } catch (RuntimeException e) {
                        keepAliveFailures.incrementAndGet();
                    }
                }, keepAliveMs, keepAliveMs, TimeUnit.MILLISECONDS);
                return null;
            }));
        }
        int regFailed = 0;
        for (Future<?> f : done) {
            try {
                f.get(120, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                regFailed++;
            }
        }
        double regSeconds = seconds(System.nanoTime() - regStart);
        registrants.shutdown();
        log("registered %d hosts in %.2f s (%d failed)", agents - regFailed, regSeconds, regFailed);

        // AllocateAddress before any stream is open: the IPAM path alone, once the controller is warm (allocations
        // run all day on a controller; registration above is measured cold, as after a restart)
        ControllerClient admin = ControllerClient.connect(controller);
        if (warmup > 0) {
            allocateRound(createNetwork(admin, "warm-up", 89), 0, warmup, ConcurrentHashMap.newKeySet(),
                    Collections.synchronizedList(new ArrayList<>()), new AtomicInteger());
        }
        Allocations alone = allocateAlongsideRaw(admin, "alone", 90);

        // every agent opens its topology stream at once (a controller restart: all reconnect)
        long watchStart = System.nanoTime();
        for (Agent a : fleet) {
            a.stream = a.client.membership().watch(a.id, 0, a::onUpdate, e -> a.ended = e);
        }
        long snapshotDeadline = watchStart + TimeUnit.SECONDS.toNanos(60);
        int withSnapshot = 0;
        for (Agent a : fleet) {
            long left = Math.max(0, snapshotDeadline - System.nanoTime());
            if (a.snapshot.await(left, TimeUnit.NANOSECONDS)) {
                withSnapshot++;
            }
        }
        double snapSeconds = seconds(System.nanoTime() - watchStart);
        long failedStreams = fleet.stream().filter(a -> a.snapshot.getCount() > 0 || a.ended != null).count();
        log("%d of %d streams have their snapshot after %.2f s", withSnapshot, agents, snapSeconds);
        long rssWithAgents = rssKib();

        // a new host's upsert reaching every watcher
        ControllerClient extra = ControllerClient.connect(controller);
        for (int round = 0; round < UPSERT_ROUNDS; round++) {
            int before = upsertLatencies.size();
            String id = "bench-new-" + round;
            long called = System.nanoTime();
            upsertSentNanos.put(id, called); // until Register answers: from the call
            extra.membership().register(HostId.of(id), Ipv4Address.parse("192.168.250." + (1 + round)), 1500, Map.of(),
                    Optional.empty());
            long answered = System.nanoTime();
            upsertRegisterNanos.add(answered - called);
            upsertSentNanos.put(id, answered); // from the moment the host is registered (deliveries before count 0)
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (upsertLatencies.size() < before + agents && System.nanoTime() < end) {
                Thread.sleep(10); // polling the receivers' counters
            }
        }
        List<Long> fanOut = new ArrayList<>(upsertLatencies);
        long fanOutMissing = (long) UPSERT_ROUNDS * agents - fanOut.size();

        // AllocateAddress with the streams open (every allocation is an endpoint upsert to every watcher)
        Allocations withStreams = allocateAlongsideRaw(extra, "open", 91);
        TunnelReports tunnels = tunnelReports();
        long rssEnd = rssKib();
        long duplicates = alone.duplicates + withStreams.duplicates;
        long streamsAlive = fleet.stream().filter(a -> a.ended == null).count();

        rows.add(new String[] {"figure", "target", "measured"});
        rows.add(new String[] {agents + " agents connect (channels, 32 at a time)", "(reference)",
                String.format("%.2f s (%d not ready)", connectSeconds, connectFailed)});
        rows.add(new String[] {"registration of " + agents + " hosts (32 in flight)", "< 5 s",
                String.format("%.2f s on connected channels (%.0f hosts/s, p99 %d ms, %d failed); %.2f s with connecting",
                        regSeconds, (agents - regFailed) / regSeconds, p99ms(regLatencies), regFailed,
                        regSeconds + connectSeconds)});
        rows.add(new String[] {"snapshots for " + agents + " streams opened at once", "< 30 s, 0 failed",
                String.format("%.2f s, %d failed", snapSeconds, failedStreams)});
        rows.add(new String[] {"upsert fan-out to " + agents + " watchers (p99, " + UPSERT_ROUNDS + " new hosts)", "< 1 s",
                String.format("%d ms from Register's answer (max %d ms, %d missing; Register itself p99 %d ms)",
                        p99ms(fanOut), maxMs(fanOut), fanOutMissing, p99ms(upsertRegisterNanos))});
        rows.add(new String[] {"raw etcd create-if-absent txns (" + clients + " clients, jetcd), quiet machine", "(reference)",
                String.format("%.0f/s", quietRaw)});
        rows.add(allocationRow("no stream open", alone, quietRaw));
        rows.add(allocationRow(agents + " streams open", withStreams, quietRaw));
        rows.add(new String[] {"duplicates over 2 x " + allocs + " allocations", "0", String.valueOf(duplicates)});
        rows.add(new String[] {"tunnel reports: " + agents + " hosts x " + (agents - 1) + " healthy peers (32 in flight)",
                "(reference)", String.format("first %.2f s, %d etcd writes, %.1f KB stored per host (the report as sent"
                        + " %.1f KB); unchanged %.2f s, %d etcd writes; %d failed", tunnels.firstSeconds, tunnels.firstWrites,
                        tunnels.storedBytesPerHost / 1000.0, tunnels.sentBytesPerHost / 1000.0, tunnels.againSeconds,
                        tunnels.againWrites, tunnels.failed)});
        rows.add(new String[] {"ListTunnels, paged (" + tunnels.listed + " tunnels)", "(reference)",
                String.format("%.2f s, %d pages, %.1f MB", tunnels.listSeconds, tunnels.pages, tunnels.listBytes / 1e6)});
        rows.add(new String[] {"controller RSS with " + agents + " agents", "< 512 MiB",
                String.format("%d MiB after the snapshots, %d MiB at the end", rssWithAgents / 1024, rssEnd / 1024)});
        rows.add(new String[] {"streams still open at the end / keep-alive failures", "all / 0",
                String.format("%d / %d", streamsAlive, keepAliveFailures.get())});
        printTable(rows);

        keepers.shutdownNow();
        for (Agent a : fleet) {
            try {
                a.stream.close();
            } catch (Exception e) {
                // ending anyway
            }
        }
    }

    private record TunnelReports(double firstSeconds, long firstWrites, double againSeconds, long againWrites, int failed,
            double storedBytesPerHost, double sentBytesPerHost, double listSeconds, int pages, long listBytes, long listed) {}

    /**
     * Tunnel reports as the probers of a full mesh send them: every agent reports every other host healthy, twice
     * (the first is written to etcd, the unchanged second stays in the controller's memory), then ListTunnels reads
     * them all back in pages, as {@code ovsfabricctl status} does.
     */
    private TunnelReports tunnelReports() throws Exception {
        long now = System.currentTimeMillis();
        List<PeerStatus> mesh = new ArrayList<>();
        for (Agent a : fleet) {
            mesh.add(new PeerStatus(a.id, a.underlay, TunnelState.HEALTHY, now, now, Optional.of(java.time.Duration.ofMillis(1)),
                    Optional.of(java.time.Duration.ofMillis(1)), 60, 0, 600, 0));
        }
        ProbeSettings settings = ProbeSettings.defaults();
        double[] took = new double[2];
        long[] writes = new long[2];
        AtomicInteger failed = new AtomicInteger();
        String prefix = "/ovsfabric/v1/tunnel-health/";
        long stored;
        // every host's stored record in one read: past jetcd's default 4 MiB answer
        try (Client raw = Client.builder().endpoints(etcd).maxInboundMessageSize(64 * 1024 * 1024).build()) {
            for (int round = 0; round < 2; round++) {
                long before = raw.getKVClient().get(bytes(prefix)).get(30, TimeUnit.SECONDS).getHeader().getRevision();
                ExecutorService reporters = Executors.newFixedThreadPool(REGISTRATIONS_IN_FLIGHT);
                long start = System.nanoTime();
                List<Future<?>> sent = new ArrayList<>();
                for (Agent a : fleet) {
                    List<PeerStatus> peers = mesh.stream().filter(p -> !p.peer().equals(a.id)).toList();
                    sent.add(reporters.submit(() -> {
                        try {
                            a.client.tunnelReports(a.id).report(settings, peers);
                        } catch (RuntimeException e) {
                            failed.incrementAndGet();
                        }
                    }));
                }
                for (Future<?> f : sent) {
                    f.get(120, TimeUnit.SECONDS);
                }
                took[round] = seconds(System.nanoTime() - start);
                reporters.shutdown();
                writes[round] = raw.getKVClient().get(bytes(prefix)).get(30, TimeUnit.SECONDS).getHeader().getRevision() - before;
                log("tunnel reports, round %d: %d hosts in %.2f s, %d etcd writes", round + 1, agents, took[round], writes[round]);
            }
            stored = raw.getKVClient().get(bytes(prefix), io.etcd.jetcd.options.GetOption.builder().isPrefix(true).build())
                    .get(60, TimeUnit.SECONDS).getKvs().stream().mapToLong(kv -> kv.getValue().size()).sum();
        }
        long sentBytes = io.ovsfabric.agent.rpc.ControllerClient.reportRequestBytes(fleet.get(0).id, settings,
                mesh.stream().filter(p -> !p.peer().equals(fleet.get(0).id)).toList());
        io.grpc.ManagedChannel channel = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forTarget(controller)
                .usePlaintext().maxInboundMessageSize(16 * 1024 * 1024).build();
        try {
            var stub = io.ovsfabric.proto.v1.TunnelHealthServiceGrpc.newBlockingStub(channel);
            long start = System.nanoTime();
            int pages = 0;
            long listBytes = 0;
            long listed = 0;
            String after = "";
            do {
                var page = stub.withDeadlineAfter(60, TimeUnit.SECONDS).listTunnels(io.ovsfabric.proto.v1.ListTunnelsRequest
                        .newBuilder().setPaged(true).setAfterHostId(after).build());
                pages++;
                listBytes += page.getSerializedSize();
                listed += page.getHostsList().stream().mapToLong(h -> h.getPeersCount()).sum();
                after = page.getNextAfterHostId();
            } while (!after.isEmpty());
            double listSeconds = seconds(System.nanoTime() - start);
            log("ListTunnels: %d tunnels in %d pages, %.1f MB, %.2f s", listed, pages, listBytes / 1e6, listSeconds);
            return new TunnelReports(took[0], writes[0], took[1], writes[1], failed.get(), (double) stored / agents,
                    sentBytes, listSeconds, pages, listBytes, listed);
        } finally {
            channel.shutdownNow();
        }
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /** Allocations measured in rounds that alternate with as many raw etcd transactions (the same 16 clients). */
    private record Allocations(double rate, double rawRate, long p99ms, int failed, long duplicates) {}

    private String[] allocationRow(String when, Allocations a, double quietRaw) {
        return new String[] {"AllocateAddress (" + clients + " clients, " + when + ")", ">= 0.5x raw etcd",
                String.format("%.0f/s = %.2fx raw etcd in the same rounds (%.0f/s; %.2fx the quiet figure), p99 %d ms,"
                        + " %d failed", a.rate, a.rate / a.rawRate, a.rawRate, a.rate / quietRaw, a.p99ms, a.failed)};
    }

    /**
     * {@code allocs} allocations in a fresh network and {@code allocs} raw etcd transactions, in {@link #ROUNDS}
     * alternating rounds: both see the same machine (this one is shared and its speed drifts by a third within a
     * run), the same background (keep-alives, streams), so their ratio is the controller's own cost.
     */
    private Allocations allocateAlongsideRaw(ControllerClient admin, String tag, int octet) throws Exception {
        String networkId = createNetwork(admin, tag, octet);
        Set<String> addresses = ConcurrentHashMap.newKeySet();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger failed = new AtomicInteger();
        long allocNanos = 0;
        long rawNanos = 0;
        int allocated = 0;
        int rawDone = 0;
        int perRound = allocs / ROUNDS;
        for (int round = 0; round < ROUNDS; round++) {
            Timed raw = rawEtcd(perRound, clients);
            rawNanos += raw.nanos();
            rawDone += raw.count();
            Timed a = allocateRound(networkId, round * perRound, perRound, addresses, latencies, failed);
            allocNanos += a.nanos();
            allocated += a.count();
        }
        double rate = allocated / seconds(allocNanos);
        double rawRate = rawDone / seconds(rawNanos);
        log("%s: %d allocations at %.0f/s, raw etcd in the same rounds %.0f/s (%d failed)", tag, allocated, rate, rawRate,
                failed.get());
        return new Allocations(rate, rawRate, p99ms(latencies), failed.get(), allocated - addresses.size());
    }

    private String createNetwork(ControllerClient admin, String tag, int octet) {
        return admin.networks().createNetwork(new NetworkSpec("bench-" + tag, Cidr.parse("10." + octet + ".0.0/16"),
                Optional.empty(), Map.of())).id();
    }

    /** A count done in a time. */
    private record Timed(int count, long nanos) {
        double rate() {
            return count / seconds(nanos);
        }
    }

    /** Allocations {@code first} to {@code first + count - 1}, {@code clients} at a time (each its own channel). */
    private Timed allocateRound(String networkId, int first, int count, Set<String> addresses, List<Long> latencies,
            AtomicInteger failed) throws Exception {
        ExecutorService allocators = Executors.newFixedThreadPool(clients);
        AtomicInteger allocated = new AtomicInteger();
        AtomicInteger next = new AtomicInteger(first);
        List<ControllerClient> allocClients = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            allocClients.add(ControllerClient.connect(controller));
        }
        long start = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            ControllerClient client = allocClients.get(c);
            Agent owner = fleet.get(c % fleet.size());
            done.add(allocators.submit(() -> {
                for (int i = next.getAndIncrement(); i < first + count; i = next.getAndIncrement()) {
                    long t = System.nanoTime();
                    try {
                        Ipv4Address a = client.networks().allocateAddress(networkId,
                                new AllocationHandle(owner.id, networkId, "b" + i), Optional.empty()).address();
                        latencies.add(System.nanoTime() - t);
                        allocated.incrementAndGet();
                        addresses.add(a.toString());
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(240, TimeUnit.SECONDS);
        }
        long nanos = System.nanoTime() - start;
        allocators.shutdown();
        allocClients.forEach(ControllerClient::close);
        return new Timed(allocated.get(), nanos);
    }

    /** {@code count} create-if-absent transactions of fresh keys, {@code clients} at a time, on one jetcd client. */
    private Timed rawEtcd(int count, int clients) throws Exception {
        try (Client client = Client.builder().endpoints(etcd).build()) {
            String value = "{\"networkId\":\"0123456789abcdef0123456789abcdef\",\"endpointId\":\"bench\",\"hostId\":\"h1\","
                    + "\"address\":\"10.0.0.1\",\"mac\":\"\",\"containerId\":\"\",\"containerName\":\"\",\"aliases\":[]}";
            String prefix = "/bench-raw/" + System.nanoTime() + "/";
            AtomicInteger next = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            long start = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                done.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                        ByteSequence key = ByteSequence.from(prefix + i, StandardCharsets.UTF_8);
                        client.getKVClient().txn().If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                                .Then(Op.put(key, ByteSequence.from(value, StandardCharsets.UTF_8), PutOption.DEFAULT))
                                .commit().get(10, TimeUnit.SECONDS);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(240, TimeUnit.SECONDS);
            }
            long nanos = System.nanoTime() - start;
            pool.shutdown();
            client.getKVClient().delete(ByteSequence.from(prefix, StandardCharsets.UTF_8),
                    io.etcd.jetcd.options.DeleteOption.builder().isPrefix(true).build()).get(30, TimeUnit.SECONDS);
            return new Timed(count, nanos);
        }
    }

    private long rssKib() {
        if (controllerPid <= 0) {
            return 0;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + controllerPid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException e) {
            log("cannot read the controller's RSS: %s", e.getMessage());
        }
        return 0;
    }

    private static long p99ms(List<Long> nanos) {
        if (nanos.isEmpty()) {
            return -1;
        }
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        return TimeUnit.NANOSECONDS.toMillis(sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(sorted.size() * 0.99) - 1)));
    }

    private static long maxMs(List<Long> nanos) {
        return nanos.isEmpty() ? -1 : TimeUnit.NANOSECONDS.toMillis(Collections.max(nanos));
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static void printTable(List<String[]> rows) {
        int[] width = new int[3];
        for (String[] r : rows) {
            for (int i = 0; i < 3; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (int n = 0; n < rows.size(); n++) {
            String[] r = rows.get(n);
            out.append(String.format("| %-" + width[0] + "s | %-" + width[1] + "s | %-" + width[2] + "s |%n", r[0], r[1], r[2]));
            if (n == 0) {
                out.append("|").append("-".repeat(width[0] + 2)).append("|").append("-".repeat(width[1] + 2)).append("|")
                        .append("-".repeat(width[2] + 2)).append("|\n");
            }
        }
        System.out.print(out);
        System.out.flush();
    }

    private static void log(String format, Object... args) {
        System.err.println("bench: " + String.format(format, args));
    }
}
