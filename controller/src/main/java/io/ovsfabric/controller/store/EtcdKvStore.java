package io.ovsfabric.controller.store;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.FabricException.Code;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link KvStore} on a real etcd through jetcd. Every call waits at most {@code opTimeout}. */
public final class EtcdKvStore implements KvStore {
    private static final Logger log = LoggerFactory.getLogger(EtcdKvStore.class);
    /**
     * Keys per range read: a whole-prefix read is paged so that no single answer nears the gRPC message limit
     * (records are bounded by the API's field limits to a few KiB, so a page stays around 1 MiB at most).
     */
    static final int PAGE_KEYS = 256;
    /** jetcd's default is 4 MiB; a page is far below either, this is the ceiling for one odd large value. */
    private static final int MAX_INBOUND_BYTES = 16 * 1024 * 1024;
    private final Client client;
    private final LeaseKeepAlives keepAlives;
    private final String endpoints;
    private final Duration opTimeout;

    public EtcdKvStore(List<String> endpoints, Duration opTimeout) {
        this(endpoints, opTimeout, Optional.empty());
    }

    /**
     * With {@code tls}, the client speaks TLS to etcd (https:// endpoints) with that context: the CA that signed
     * etcd's server certificate and, for {@code --client-cert-auth}, the controller's client certificate. Build it
     * with {@link #tlsContext}.
     */
    public EtcdKvStore(List<String> endpoints, Duration opTimeout, Optional<io.netty.handler.ssl.SslContext> tls) {
        this.endpoints = String.join(",", endpoints);
        this.opTimeout = opTimeout;
        io.etcd.jetcd.ClientBuilder builder = Client.builder().endpoints(endpoints.toArray(String[]::new))
                .connectTimeout(Duration.ofSeconds(2)).retryMaxDuration(opTimeout)
                // notice a member that stopped answering (killed, cut off) and move to another one
                .keepaliveTime(Duration.ofSeconds(5)).keepaliveTimeout(Duration.ofSeconds(3))
                .maxInboundMessageSize(MAX_INBOUND_BYTES);
        tls.ifPresent(builder::sslContext);
        this.client = builder.build();
        this.keepAlives = new LeaseKeepAlives(builder.target(), Optional.ofNullable(builder.loadBalancerPolicy()), tls,
                builder.keepaliveTime(), builder.keepaliveTimeout());
    }

    /**
     * The TLS context for etcd from PEM files ({@code --etcd-cacert}, {@code --etcd-cert}, {@code --etcd-key}; any
     * may be absent: no CA means the JDK's trust store, no cert means no client certificate). jetcd uses grpc-netty
     * (unshaded), so this is that netty's context, made through its {@code GrpcSslContexts} (ALPN, HTTP/2 ciphers).
     */
    public static io.netty.handler.ssl.SslContext tlsContext(Optional<java.nio.file.Path> caCert,
            Optional<java.nio.file.Path> cert, Optional<java.nio.file.Path> key) {
        if (cert.isPresent() != key.isPresent()) {
            throw new FabricException(FabricException.Code.INVALID, "--etcd-cert and --etcd-key go together");
        }
        try {
            io.netty.handler.ssl.SslContextBuilder builder = io.grpc.netty.GrpcSslContexts.forClient();
            if (caCert.isPresent()) {
                builder.trustManager(caCert.get().toFile());
            }
            if (cert.isPresent()) {
                builder.keyManager(cert.get().toFile(), key.get().toFile());
            }
            return builder.build();
        } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
            throw new FabricException(FabricException.Code.INVALID, "cannot build the TLS context for etcd from "
                    + caCert.map(Object::toString).orElse("(system CAs)") + ", " + cert.map(Object::toString).orElse("(no cert)")
                    + ": " + e.getMessage(), e);
        }
    }

    /** The jetcd client, for the election in this package only. */
    Client client() {
        return client;
    }

    String endpoints() {
        return endpoints;
    }

    @Override
    public Optional<KeyValue> get(String key) {
        GetResponse response = awaitRetrying("get " + key, () -> client.getKVClient().get(bytes(key)));
        return response.getKvs().stream().findFirst().map(EtcdKvStore::toKeyValue);
    }

    @Override
    public KvRange getPrefix(String prefix) {
        return getPrefix(prefix, 0);
    }

    /**
     * Pages through the prefix ({@link #PAGE_KEYS} keys per read), every page at the revision of the first one, so
     * the result is one consistent view however large the prefix is.
     */
    @Override
    public KvRange getPrefix(String prefix, long revision) {
        ByteSequence end = bytes(prefixEnd(prefix));
        List<KeyValue> all = new ArrayList<>();
        ByteSequence from = bytes(prefix);
        long at = revision;
        while (true) {
            GetOption option = GetOption.builder().withRange(end).withLimit(PAGE_KEYS).withRevision(at).build();
            ByteSequence page = from;
            GetResponse response = awaitRetrying("get --prefix " + prefix, () -> client.getKVClient().get(page, option));
            if (at == 0) {
                at = response.getHeader().getRevision();
            }
            response.getKvs().forEach(kv -> all.add(toKeyValue(kv)));
            if (!response.isMore() || response.getKvs().isEmpty()) {
                return new KvRange(all, at);
            }
            String last = response.getKvs().get(response.getKvs().size() - 1).getKey().toString(StandardCharsets.UTF_8);
            from = bytes(last + "\0");
        }
    }

    /** The first key after every key that starts with {@code prefix} (etcd's range end for a prefix). */
    static String prefixEnd(String prefix) {
        char last = prefix.charAt(prefix.length() - 1);
        return prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
    }

    @Override
    public TxnResult commit(Txn txn) {
        List<Cmp> cmps = new ArrayList<>();
        for (Txn.Cmp cmp : txn.conditions()) {
            if (cmp instanceof Txn.Absent absent) {
                cmps.add(new Cmp(bytes(absent.key()), Cmp.Op.EQUAL, CmpTarget.createRevision(0)));
            } else if (cmp instanceof Txn.ModRevision mod) {
                cmps.add(new Cmp(bytes(mod.key()), Cmp.Op.EQUAL, CmpTarget.modRevision(mod.revision())));
            }
        }
        List<Op> ops = new ArrayList<>();
        for (Txn.Op op : txn.operations()) {
            if (op instanceof Txn.Put put) {
                PutOption option = put.leaseId() == 0 ? PutOption.DEFAULT : PutOption.builder().withLeaseId(put.leaseId()).build();
                ops.add(Op.put(bytes(put.key()), bytes(put.value()), option));
            } else if (op instanceof Txn.Delete delete) {
                ops.add(Op.delete(bytes(delete.key()), DeleteOption.DEFAULT));
            } else if (op instanceof Txn.DeletePrefix prefix) {
                ops.add(Op.delete(bytes(prefix.prefix()), DeleteOption.builder().isPrefix(true).build()));
            }
        }
        TxnResponse response = awaitRetrying("txn on " + firstKey(txn), () -> client.getKVClient().txn()
                .If(cmps.toArray(Cmp[]::new)).Then(ops.toArray(Op[]::new)).commit());
        return new TxnResult(response.isSucceeded(), response.getHeader().getRevision());
    }

    @Override
    public long grantLease(Duration ttl) {
        return await("grant lease", client.getLeaseClient().grant(Math.max(1, ttl.toSeconds()))).getID();
    }

    /** All grants are sent at once and awaited together: etcd commits them in one or a few raft batches. */
    @Override
    public List<Long> grantLeases(Duration ttl, int count) {
        List<CompletableFuture<io.etcd.jetcd.lease.LeaseGrantResponse>> grants = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            grants.add(client.getLeaseClient().grant(Math.max(1, ttl.toSeconds())));
        }
        List<Long> ids = new ArrayList<>();
        for (CompletableFuture<io.etcd.jetcd.lease.LeaseGrantResponse> grant : grants) {
            ids.add(await("grant " + count + " leases", grant).getID());
        }
        return ids;
    }

    /** On one of a few long-lived streams ({@link LeaseKeepAlives}), not a stream per call as jetcd's. */
    @Override
    public long keepAliveOnce(long leaseId) {
        CompletableFuture<Long> pending = keepAlives.keepAlive(leaseId);
        long ttl = await("keep lease " + Long.toHexString(leaseId) + " alive", pending,
                () -> keepAlives.abandon(leaseId, pending));
        if (ttl <= 0) {
            throw new FabricException(Code.NOT_FOUND, "lease " + Long.toHexString(leaseId) + " has expired");
        }
        return ttl;
    }

    @Override
    public void revokeLease(long leaseId) {
        try {
            await("revoke lease " + Long.toHexString(leaseId), client.getLeaseClient().revoke(leaseId));
        } catch (FabricException e) {
            if (e.code() != Code.NOT_FOUND) {
                throw e;
            }
        }
    }

    @Override
    public WatchHandle watch(String prefix, long fromRevision, WatchListener listener) {
        return watchRange(prefix, prefixEnd(prefix), fromRevision, listener);
    }

    @Override
    public WatchHandle watchRange(String fromKey, String toKey, long fromRevision, WatchListener listener) {
        // Require a leader: an etcd member cut off from its quorum ends the watch instead of serving a frozen view.
        WatchOption option = WatchOption.builder().withRange(bytes(toKey)).withRevision(fromRevision)
                .withRequireLeader(true).build();
        Watch.Watcher watcher = client.getWatchClient().watch(bytes(fromKey), option, new Watch.Listener() {
            @Override
            public void onNext(WatchResponse response) {
                if (response.isProgressNotify()) {
                    listener.onProgress(response.getHeader().getRevision());
                } else {
                    deliver(response, listener);
                }
            }

            @Override
            public void onError(Throwable error) {
                Throwable cause = unwrap(error);
                if (cause instanceof CompactedException compacted) {
                    listener.onCompacted(compacted.getCompactedRevision());
                } else {
                    listener.onError(translate("watch " + fromKey + ".." + toKey, cause));
                }
            }

            @Override
            public void onCompleted() {
                // closed by us
            }
        });
        return watcher::close;
    }

    @Override
    public void requestProgress() {
        client.getWatchClient().requestProgress();
    }

    @Override
    public long revision() {
        GetOption option = GetOption.builder().withCountOnly(true).build();
        return await("read the revision", client.getKVClient().get(bytes("\0"), option)).getHeader().getRevision();
    }

    @Override
    public void compact(long revision) {
        try {
            await("compact to revision " + revision, client.getKVClient().compact(revision));
        } catch (FabricException e) {
            if (e.code() != Code.COMPACTED) {
                throw e;
            }
        }
    }

    @Override
    public void close() {
        keepAlives.close();
        client.close();
    }

    private static void deliver(WatchResponse response, WatchListener listener) {
        List<KvEvent> batch = new ArrayList<>();
        long batchRevision = -1;
        for (WatchEvent event : response.getEvents()) {
            KeyValue kv = toKeyValue(event.getKeyValue());
            if (batchRevision != -1 && kv.modRevision() != batchRevision) {
                listener.onEvents(batchRevision, List.copyOf(batch));
                batch.clear();
            }
            batchRevision = kv.modRevision();
            KvEvent.Type type = event.getEventType() == WatchEvent.EventType.DELETE ? KvEvent.Type.DELETE : KvEvent.Type.PUT;
            batch.add(new KvEvent(type, kv));
        }
        if (!batch.isEmpty()) {
            listener.onEvents(batchRevision, List.copyOf(batch));
        }
    }

    /**
     * Sends {@code call} again when an attempt has no answer after half the op timeout, until the op timeout. A
     * member that forwarded a proposal to a leader that just died never answers it, but answers the same request
     * sent again once a new leader is elected (an election timeout later, about 1 s): without the second attempt
     * every write in flight at a leader's death waited the whole op timeout and failed. Used for reads and for
     * transactions only, which are safe to send twice: every transaction here is conditional (one that was applied
     * the first time fails its compare the second, and callers treat a failed compare as a lost race and re-read
     * what etcd holds) or idempotent (unconditional puts and deletes).
     */
    private <T> T awaitRetrying(String what, java.util.function.Supplier<CompletableFuture<T>> call) {
        long deadline = System.nanoTime() + opTimeout.toNanos();
        for (int attempt = 1; ; attempt++) {
            CompletableFuture<T> future = call.get();
            long left = deadline - System.nanoTime();
            try {
                return future.get(Math.min(left, opTimeout.toNanos() / 2), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                future.cancel(true);
                if (deadline - System.nanoTime() <= 0) {
                    throw noAnswer(what, e);
                }
                log.info("etcd did not answer {} within {} ms (attempt {}): sending it again (a leader change drops"
                        + " what was forwarded to the old leader)", what, opTimeout.toMillis() / 2, attempt);
            } catch (InterruptedException | ExecutionException e) {
                throw failed(what, future, e);
            }
        }
    }

    private <T> T await(String what, CompletableFuture<T> future) {
        return await(what, future, () -> { });
    }

    /** As {@link #await(String, CompletableFuture)}, running {@code onTimeout} after cancelling an unanswered call. */
    private <T> T await(String what, CompletableFuture<T> future, Runnable onTimeout) {
        try {
            return future.get(opTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            onTimeout.run();
            throw noAnswer(what, e);
        } catch (InterruptedException | ExecutionException e) {
            throw failed(what, future, e);
        }
    }

    private FabricException noAnswer(String what, TimeoutException e) {
        return new FabricException(Code.UNAVAILABLE, "etcd at " + endpoints + " did not answer " + what + " within "
                + opTimeout.toMillis() + " ms: is it running and reachable?", e);
    }

    private RuntimeException failed(String what, CompletableFuture<?> future, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            return new FabricException(Code.UNAVAILABLE, "interrupted during etcd " + what, e);
        }
        return translate(what, unwrap((ExecutionException) e));
    }

    private FabricException translate(String what, Throwable cause) {
        if (cause instanceof CompactedException) {
            return new FabricException(Code.COMPACTED, "etcd " + what + ": " + cause.getMessage(), cause);
        }
        Status.Code grpc = null;
        if (cause instanceof EtcdException etcd) {
            grpc = toGrpc(etcd.getErrorCode());
        } else if (cause instanceof StatusRuntimeException status) {
            grpc = status.getStatus().getCode();
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        if (message.contains("required revision has been compacted") || message.contains("future revision")) {
            return new FabricException(Code.COMPACTED, "etcd " + what + ": " + message, cause);
        }
        if (message.contains("lease not found")) {
            return new FabricException(Code.NOT_FOUND, "etcd " + what + ": " + message, cause);
        }
        if (grpc == Status.Code.UNAVAILABLE || grpc == Status.Code.DEADLINE_EXCEEDED || grpc == Status.Code.CANCELLED) {
            return new FabricException(Code.UNAVAILABLE, "etcd at " + endpoints + " is unreachable during " + what + ": " + message, cause);
        }
        if (grpc == Status.Code.NOT_FOUND) {
            return new FabricException(Code.NOT_FOUND, "etcd " + what + ": " + message, cause);
        }
        return new FabricException(Code.UNAVAILABLE, "etcd " + what + " failed: " + message, cause);
    }

    private static Status.Code toGrpc(ErrorCode code) {
        try {
            return Status.Code.valueOf(code.name());
        } catch (IllegalArgumentException e) {
            return Status.Code.UNKNOWN;
        }
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof ExecutionException || cause instanceof java.util.concurrent.CompletionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String firstKey(Txn txn) {
        return txn.conditions().isEmpty() ? "(no condition)" : txn.conditions().get(0).key();
    }

    static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    static KeyValue toKeyValue(io.etcd.jetcd.KeyValue kv) {
        return new KeyValue(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().toString(StandardCharsets.UTF_8),
                kv.getCreateRevision(), kv.getModRevision(), kv.getLease());
    }
}
