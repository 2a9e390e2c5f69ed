package io.ovsfabric.common.pki;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the caller's {@link Identity}, read from the TLS session's verified peer certificate, into the gRPC
 * {@link Context} of every call ({@link #current()} in a service method). A call without TLS, without a client
 * certificate or whose certificate names no fabric identity is closed as UNAUTHENTICATED and logged with the
 * caller's address. Authorization (which identity may call what) is the services' business, on top of this.
 */
public final class PeerIdentityInterceptor implements ServerInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(PeerIdentityInterceptor.class);
    private static final Context.Key<Identity> IDENTITY = Context.key("ovsfabric-peer-identity");
    private static final Context.Key<String> REMOTE = Context.key("ovsfabric-peer-address");

    private final java.util.Set<String> anonymousMethods;

    /** Every call needs a fabric client certificate. */
    public PeerIdentityInterceptor() {
        this(java.util.Set.of());
    }

    /**
     * As above, except that the methods named here (full names, e.g. {@code ovsfabric.v1.FabricService/Join}) may
     * also be called without a client certificate ({@link #find()} is then empty): the service authenticates
     * those calls itself (a join token). A certificate that is presented must still name a fabric identity.
     */
    public PeerIdentityInterceptor(java.util.Set<String> anonymousMethods) {
        this.anonymousMethods = java.util.Set.copyOf(anonymousMethods);
    }

    /** The caller's identity, or empty in an anonymous call (or outside this interceptor). */
    public static java.util.Optional<Identity> find() {
        return java.util.Optional.ofNullable(IDENTITY.get());
    }

    /** The caller's address as the transport saw it ("?" outside this interceptor): for logs. */
    public static String remoteAddress() {
        String remote = REMOTE.get();
        return remote == null ? "?" : remote;
    }

    /** The identity of the caller of the current call; only inside a call that went through this interceptor. */
    public static Identity current() {
        Identity identity = IDENTITY.get();
        if (identity == null) {
            throw new IllegalStateException("no peer identity: the service is not behind PeerIdentityInterceptor");
        }
        return identity;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        Identity identity;
        String remote = String.valueOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session != null && anonymousMethods.contains(call.getMethodDescriptor().getFullMethodName())
                && !hasPeerCertificate(session)) {
            return Contexts.interceptCall(Context.current().withValue(REMOTE, remote), call, headers, next);
        }
        try {
            identity = identityOf(session);
        } catch (PkiException e) {
            LOG.warn("refused {} from {}: {}", call.getMethodDescriptor().getFullMethodName(),
                    call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), e.getMessage());
            call.close(Status.UNAUTHENTICATED.withDescription(e.getMessage()), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        return Contexts.interceptCall(Context.current().withValue(IDENTITY, identity).withValue(REMOTE, remote),
                call, headers, next);
    }

    private static boolean hasPeerCertificate(SSLSession session) {
        try {
            return session.getPeerCertificates().length > 0;
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
    }

    private static Identity identityOf(SSLSession session) {
        if (session == null) {
            throw new PkiException("not a TLS connection: fabric calls need mutual TLS with a fabric certificate");
        }
        try {
            return Identity.fromPeerChain(session.getPeerCertificates());
        } catch (SSLPeerUnverifiedException e) {
            throw new PkiException("the caller presented no verified client certificate", e);
        }
    }
}
