package io.ovsfabric.agent.rpc;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.ovsfabric.agent.AgentException;
import io.ovsfabric.common.HostId;
import io.ovsfabric.common.pki.CertifiedKey;
import io.ovsfabric.common.pki.EcKeys;
import io.ovsfabric.common.pki.FabricTls;
import io.ovsfabric.common.pki.Identity;
import io.ovsfabric.common.pki.PemFiles;
import io.ovsfabric.common.pki.PkiException;
import io.ovsfabric.common.pki.RenewalPolicy;
import io.ovsfabric.common.pki.SigningRequest;
import io.ovsfabric.common.rpc.Backoff;
import io.ovsfabric.common.rpc.ControllerChannels;
import io.ovsfabric.common.rpc.ControllerTargets;
import io.ovsfabric.proto.v1.FabricServiceGrpc;
import io.ovsfabric.proto.v1.JoinRequest;
import io.ovsfabric.proto.v1.JoinResponse;
import io.ovsfabric.proto.v1.RenewRequest;
import io.ovsfabric.proto.v1.RenewResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's TLS identity: the fabric CA it trusts and its host certificate and key (by default in
 * {@code <state-dir>/tls/}), got once with a join token ({@link #join}) and renewed before they expire
 * ({@link #startRenewal}); each new connection presents the current certificate. {@link #insecure()} is
 * {@code --insecure}: plaintext, no identity.
 */
public final class HostCredentials implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HostCredentials.class);
    private static final Duration CALL_DEADLINE = Duration.ofSeconds(10);
    /** One join's deadline: the first TLS connection and the controller's signing, on a slow host too. */
    private static final Duration JOIN_DEADLINE = Duration.ofSeconds(30);
    /** How long a join without an answer is sent again before the agent gives up (and systemd restarts it). */
    static final Duration JOIN_PATIENCE = Duration.ofMinutes(5);

    private final Optional<FabricTls.PemPaths> files;
    private final List<X509Certificate> trusted;
    private final AtomicReference<CertifiedKey> current;
    private final Clock clock;
    private ScheduledExecutorService renewals;

    private HostCredentials(Optional<FabricTls.PemPaths> files, List<X509Certificate> trusted, CertifiedKey self,
            Clock clock) {
        this.files = files;
        this.trusted = trusted;
        this.current = new AtomicReference<>(self);
        this.clock = clock;
    }

    /** Where an agent keeps its TLS files when no --tls-* flag says otherwise. */
    public static FabricTls.PemPaths defaultFiles(Path stateDir) {
        Path dir = stateDir.resolve("tls");
        return new FabricTls.PemPaths(dir.resolve("ca.crt"), dir.resolve("host.crt"), dir.resolve("host.key"));
    }

    public static HostCredentials insecure() {
        return new HostCredentials(Optional.empty(), List.of(), null, Clock.systemUTC());
    }

    /**
     * Loads the files; the certificate must name {@code host} (when given). A missing certificate tells how to
     * join.
     */
    public static HostCredentials load(FabricTls.PemPaths files, Optional<HostId> host) {
        if (!Files.exists(files.cert()) || !Files.exists(files.key())) {
            throw new AgentException(AgentException.Code.INVALID, "no host certificate at " + files.cert() + " / "
                    + files.key() + ": join the fabric once with --join-token (ask an admin: 'ovsfabricctl token create"
                    + " --host <id>'), pass --tls-cert/--tls-key/--tls-ca, or --insecure for a plaintext test fabric");
        }
        if (!Files.exists(files.caCert())) {
            throw new AgentException(AgentException.Code.INVALID, "no fabric CA certificate at " + files.caCert()
                    + " (--tls-ca)");
        }
        try {
            CertifiedKey self = files.readSelf();
            Identity identity = self.identity();
            if (host.isPresent() && !identity.equals(Identity.host(host.get()))) {
                throw new AgentException(AgentException.Code.INVALID, files.cert() + " names " + identity.uri()
                        + ", not host " + host.get() + ": a host acts only as itself");
            }
            if (RenewalPolicy.expired(self.certificate(), Clock.systemUTC())) {
                log.warn("the certificate {} expired at {}: the controllers will refuse it; join again with a new"
                        + " token (delete it, then run with --join-token)", files.cert(),
                        self.certificate().getNotAfter().toInstant());
            }
            return new HostCredentials(Optional.of(files), files.readCa(), self, Clock.systemUTC());
        } catch (PkiException e) {
            throw new AgentException(AgentException.Code.INVALID, e.getMessage(), e);
        }
    }

    /**
     * Joins the fabric: makes a key here ({@link PendingJoinKey}: on disk before it is sent, reused by a repeat),
     * sends a signing request with the token over server-authenticated TLS (the controller must present a
     * certificate of the CA in {@code files.caCert()}) and writes the certificate and key to {@code files}. A join
     * that gets no answer (no controller yet, or one too slow to answer in time) is sent again with the same key for
     * up to {@link #JOIN_PATIENCE}; the controller answers a repeat without spending the token again. Returns the
     * host the certificate names.
     */
    public static HostId join(String controllers, FabricTls.PemPaths files, String token, Optional<HostId> host) {
        if (!Files.exists(files.caCert())) {
            throw new AgentException(AgentException.Code.INVALID, "joining needs the fabric CA certificate at "
                    + files.caCert() + " (--tls-ca; copy ca.crt from the admin's 'ovsfabricctl pki init' directory)");
        }
        List<X509Certificate> trusted = files.readCa();
        PendingJoinKey pending = PendingJoinKey.loadOrCreate(files);
        Backoff backoff = new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(30));
        long giveUpAt = System.nanoTime() + JOIN_PATIENCE.toNanos();
        while (true) {
            try {
                HostId joined = joinOnce(controllers, files, trusted, pending, token, host);
                PendingJoinKey.forget(files);
                return joined;
            } catch (AgentException e) {
                if (e.code() != AgentException.Code.UNAVAILABLE || System.nanoTime() - giveUpAt > 0) {
                    throw e;
                }
                Duration wait = backoff.next();
                log.warn("{}; joining again in {} ms with the same key (the controller answers a repeated join)",
                        e.getMessage(), wait.toMillis());
                try {
                    Thread.sleep(wait.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static HostId joinOnce(String controllers, FabricTls.PemPaths files, List<X509Certificate> trusted,
            PendingJoinKey pending, String token, Optional<HostId> host) {
        JoinRequest.Builder request = JoinRequest.newBuilder().setToken(token).setCsrPem(pending.csrPem());
        host.ifPresent(h -> request.setHostId(h.value()));
        ManagedChannel channel = ControllerChannels.open(ControllerTargets.parse(controllers),
                FabricTls.joinCredentials(trusted));
        try {
            JoinResponse response = FabricServiceGrpc.newBlockingStub(channel).withWaitForReady()
                    .withDeadlineAfter(JOIN_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).join(request.build());
            X509Certificate cert = PemFiles.parseCertificates(response.getCertificatePem(), "the join answer").get(0);
            CertifiedKey self = new CertifiedKey(pending.key(), cert);
            Files.createDirectories(files.cert().toAbsolutePath().getParent());
            self.writeTo(files.cert(), files.key(), PemFiles.Overwrite.REPLACE);
            log.info("joined the fabric as {} (certificate {} until {})", self.identity().uri(), files.cert(),
                    cert.getNotAfter().toInstant());
            return HostId.of(response.getHostId());
        } catch (StatusRuntimeException e) {
            throw new AgentException(ControllerChannel.codeOf(e.getStatus().getCode()), "cannot join the fabric at "
                    + controllers + " (" + e.getStatus().getCode() + "): " + e.getStatus().getDescription(), e);
        } catch (java.io.IOException e) {
            throw new AgentException(AgentException.Code.FAILED, "cannot write " + files.cert() + ": " + e.getMessage(), e);
        } finally {
            channel.shutdownNow();
        }
    }

    public boolean isInsecure() {
        return files.isEmpty();
    }

    /** The credentials of every connection to the controllers; TLS ones present the current certificate. */
    public ChannelCredentials channelCredentials() {
        if (files.isEmpty()) {
            return InsecureChannelCredentials.create();
        }
        return FabricTls.channelCredentials(trusted, current::get, FabricTls.ServerCheck.CONTROLLER_IDENTITY);
    }

    /**
     * The credentials of this agent's own servers (its diagnostics endpoint): the current host certificate, client
     * certificates of the fabric CA required. TLS only ({@link #isInsecure()} false).
     */
    public io.grpc.ServerCredentials serverCredentials() {
        if (files.isEmpty()) {
            return io.grpc.InsecureServerCredentials.create();
        }
        return FabricTls.serverCredentials(trusted, current::get);
    }

    /** The certificate in use (TLS only). */
    public CertifiedKey current() {
        return current.get();
    }

    /**
     * Renews the certificate when {@link RenewalPolicy#DEFAULT} says so (2/3 of its life, or 7 days before the end),
     * retrying with backoff, with the Renew RPC over mutual TLS; the new key and certificate replace the files and
     * are used from the next connection on.
     */
    public synchronized void startRenewal(String controllers) {
        if (files.isEmpty() || renewals != null) {
            return;
        }
        renewals = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "certificate-renewal");
            t.setDaemon(true);
            return t;
        });
        Backoff backoff = new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(5));
        Runnable[] task = new Runnable[1];
        task[0] = () -> {
            try {
                renewOnce(controllers);
                backoff.reset();
                schedule(task[0], RenewalPolicy.DEFAULT.delayUntilRenewal(current.get().certificate(), clock));
            } catch (RuntimeException e) {
                Duration wait = backoff.next();
                log.warn("cannot renew the certificate {} (valid until {}): {}; retrying in {}s", files.get().cert(),
                        current.get().certificate().getNotAfter().toInstant(), e.getMessage(), wait.toSeconds());
                schedule(task[0], wait);
            }
        };
        Duration first = RenewalPolicy.DEFAULT.delayUntilRenewal(current.get().certificate(), clock);
        log.info("certificate {} valid until {}; renewal in {}", current.get().identity().uri(),
                current.get().certificate().getNotAfter().toInstant(), first);
        schedule(task[0], first);
    }

    private void schedule(Runnable task, Duration delay) {
        renewals.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One renewal now: new key, Renew over mutual TLS with the current certificate, files replaced. */
    public void renewOnce(String controllers) {
        FabricTls.PemPaths paths = files.orElseThrow();
        KeyPair pair = EcKeys.generate();
        ManagedChannel channel = ControllerChannels.open(ControllerTargets.parse(controllers), channelCredentials());
        try {
            RenewResponse response = FabricServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                    .renew(RenewRequest.newBuilder().setCsrPem(SigningRequest.create(pair).toPem()).build());
            X509Certificate cert = PemFiles.parseCertificates(response.getCertificatePem(), "the renewal answer").get(0);
            CertifiedKey renewed = new CertifiedKey(pair.getPrivate(), cert);
            if (!renewed.identity().equals(current.get().identity())) {
                throw new AgentException(AgentException.Code.FAILED, "the renewed certificate names "
                        + renewed.identity().uri() + ", not " + current.get().identity().uri() + ": not used");
            }
            renewed.writeTo(paths.cert(), paths.key(), PemFiles.Overwrite.REPLACE);
            current.set(renewed);
            log.info("renewed the certificate of {}: until {}", renewed.identity().uri(), cert.getNotAfter().toInstant());
        } catch (StatusRuntimeException e) {
            throw new AgentException(ControllerChannel.codeOf(e.getStatus().getCode()), "Renew at " + controllers
                    + " (" + e.getStatus().getCode() + "): " + e.getStatus().getDescription(), e);
        } finally {
            channel.shutdownNow();
        }
    }

    @Override
    public synchronized void close() {
        if (renewals != null) {
            renewals.shutdownNow();
        }
    }
}
