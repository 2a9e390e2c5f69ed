package io.ovsfabric.controller.registry;

import io.ovsfabric.common.HostId;
import io.ovsfabric.common.pki.FabricCa;
import io.ovsfabric.common.pki.Identity;
import io.ovsfabric.common.pki.JoinRefusedException;
import io.ovsfabric.common.pki.JoinToken;
import io.ovsfabric.common.pki.JoinTokenRecord;
import io.ovsfabric.common.pki.JoinTokens;
import io.ovsfabric.common.pki.LeafSpec;
import io.ovsfabric.common.pki.PemFiles;
import io.ovsfabric.common.pki.PkiException;
import io.ovsfabric.common.pki.SigningRequest;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.FabricException.Code;
import io.ovsfabric.controller.model.HostState;
import io.ovsfabric.controller.model.Versioned;
import io.ovsfabric.controller.store.JoinTokenRepository;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How hosts get their certificates: join tokens (made by an admin, stored as a hash, single use) are exchanged for
 * a host certificate signed by the fabric CA, whose key the controller holds ({@code --ca-key}); a host renews its
 * certificate with its current one. Without a CA key, tokens can still be listed nowhere and joins are refused:
 * hosts then get certificates from the admin ({@code ovsfabricctl pki issue-host}).
 */
public final class Enrollment {
    private static final Logger log = LoggerFactory.getLogger(Enrollment.class);
    private static final int MAX_ATTEMPTS = 5;
    /** What a refused join is told: never which check failed, so tokens cannot be probed. */
    static final String REFUSED = "the join token was refused (unknown, expired, used up or not for this host);"
            + " ask an admin for a new one ('ovsfabricctl token create')";

    private final JoinTokenRepository tokens;
    private final Optional<FabricCa> ca;
    private final List<X509Certificate> trusted;
    private final HostRegistry hosts;
    private final JoinTokens logic;
    private final Clock clock;

    public record Created(JoinToken token, JoinTokenRecord record) {}

    public record Signed(Identity identity, X509Certificate certificate, String caPem) {
        public String certificatePem() {
            return PemFiles.encodeCertificates(List.of(certificate));
        }
    }

    public Enrollment(JoinTokenRepository tokens, Optional<FabricCa> ca, List<X509Certificate> trusted,
            HostRegistry hosts, Clock clock, SecureRandom random) {
        this.tokens = tokens;
        this.ca = ca;
        this.trusted = List.copyOf(trusted);
        this.hosts = hosts;
        this.clock = clock;
        this.logic = new JoinTokens(clock, random);
    }

    public Created createToken(Duration ttl, Optional<HostId> host, String by) {
        if (ca.isEmpty()) {
            throw noCa();
        }
        JoinTokens.Issued issued;
        try {
            issued = logic.create(ttl, host);
        } catch (PkiException e) {
            throw new FabricException(Code.INVALID, e.getMessage(), e);
        }
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            if (tokens.create(issued.record(), ttl)) {
                log.info("join token {} created by {} (expires {}, {})", issued.record().id(), by,
                        issued.record().expiresAt(), host.map(h -> "for host " + h).orElse("for any host"));
                return new Created(issued.token(), issued.record());
            }
            issued = logic.create(ttl, host);
        }
        throw new FabricException(Code.CONTENDED, "could not store a new join token; retry");
    }

    /** Spends a token and signs the request for the host it admits. */
    public Signed join(String tokenText, String requestedHost, String csrPem, String caller) {
        FabricCa signer = ca.orElseThrow(Enrollment::noCa);
        JoinToken token;
        Optional<HostId> requested;
        SigningRequest request;
        try {
            token = JoinToken.parse(tokenText);
            requested = requestedHost == null || requestedHost.isEmpty() ? Optional.empty()
                    : Optional.of(HostId.of(requestedHost));
            request = SigningRequest.fromPem(csrPem, "the join request's csr_pem");
        } catch (PkiException | IllegalArgumentException e) {
            throw new FabricException(Code.INVALID, e.getMessage(), e);
        }
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Versioned<JoinTokenRecord>> stored = tokens.find(token.id());
            if (stored.isEmpty()) {
                throw refused(new JoinRefusedException(JoinRefusedException.Reason.UNKNOWN_TOKEN, token.id(),
                        "no such token (never made, expired or used up)"), caller);
            }
            JoinTokens.Admission admission;
            try {
                admission = logic.admit(stored.get().value(), token, requested, request.keyFingerprint());
            } catch (JoinRefusedException e) {
                throw refused(e, caller);
            }
            hosts.get(admission.host().value()).filter(h -> h.state() == HostState.UP).ifPresent(h -> {
                throw new FabricException(Code.CONFLICT, "host " + admission.host() + " is live (UP at "
                        + h.record().underlayIp() + "): a join token admits a new host, it does not take over a"
                        + " live one. Stop the other agent, or join under another --host-id");
            });
            // a repeat (the same key again: the agent's first answer was lost) spends nothing
            if (admission.repeat() || tokens.spend(stored.get(), admission.updated())) {
                X509Certificate cert = signer.sign(request, LeafSpec.of(Identity.host(admission.host())));
                log.info("host {} joined {}with token {} from {}: certificate until {}", admission.host(),
                        admission.repeat() ? "again (the same key; its first answer was lost) " : "", token.id(),
                        caller, cert.getNotAfter().toInstant());
                return new Signed(Identity.host(admission.host()), cert, caPem());
            }
        }
        throw new FabricException(Code.CONTENDED, "the join token kept changing; retry");
    }

    /** A new certificate for the caller's own host identity, while its host is still part of the fabric. */
    public Signed renew(Identity caller, String csrPem, String from) {
        FabricCa signer = ca.orElseThrow(Enrollment::noCa);
        if (!(caller instanceof Identity.Host host)) {
            throw new FabricException(Code.DENIED, "Renew refused for " + caller.uri() + " at " + from
                    + ": only host certificates are renewed by the controller (admin and controller certificates"
                    + " come from 'ovsfabricctl pki')");
        }
        if (hosts.get(host.hostId().value()).isEmpty()) {
            throw new FabricException(Code.DENIED, "Renew refused for " + caller.uri() + " at " + from
                    + ": host " + host.hostId() + " was released from the fabric; join it again with a new token");
        }
        SigningRequest request;
        try {
            request = SigningRequest.fromPem(csrPem, "the renewal's csr_pem");
        } catch (PkiException e) {
            throw new FabricException(Code.INVALID, e.getMessage(), e);
        }
        X509Certificate cert = signer.sign(request, LeafSpec.of(caller));
        log.info("renewed the certificate of {} ({}): until {}", caller.uri(), from, cert.getNotAfter().toInstant());
        return new Signed(caller, cert, caPem());
    }

    public Instant now() {
        return clock.instant();
    }

    private String caPem() {
        return PemFiles.encodeCertificates(trusted);
    }

    private static FabricException refused(JoinRefusedException e, String caller) {
        log.warn("DENIED Join from {}: {}", caller, e.getMessage());
        return new FabricException(Code.DENIED, REFUSED);
    }

    private static FabricException noCa() {
        return new FabricException(Code.REFUSED, "this controller holds no fabric CA key (--ca-key, or ca.key in"
                + " --pki-dir): it cannot sign host certificates, so join tokens cannot be used");
    }
}
