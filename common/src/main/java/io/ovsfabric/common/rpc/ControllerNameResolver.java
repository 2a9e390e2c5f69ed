package io.ovsfabric.common.rpc;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.SynchronizationContext;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Resolves {@code ovsfabric:///<controller list>} to every address of every controller, so that one gRPC channel
 * with {@code pick_first} moves to the next controller when the one in use stops answering. Names are looked up
 * again on every refresh (a DNS name's set of controllers may change), off the channel's synchronization context.
 */
final class ControllerNameResolver extends NameResolver {
    static final String SCHEME = "ovsfabric";

    private final ControllerTargets targets;
    private final SynchronizationContext sync;
    private final Executor offload;
    private Listener2 listener;
    private boolean resolving;
    private boolean shutdown;

    private ControllerNameResolver(ControllerTargets targets, Args args) {
        this.targets = targets;
        this.sync = args.getSynchronizationContext();
        Executor executor = args.getOffloadExecutor();
        this.offload = executor != null ? executor : runnable -> {
            Thread thread = new Thread(runnable, "ovsfabric-controller-resolver");
            thread.setDaemon(true);
            thread.start();
        };
    }

    static String target(ControllerTargets targets) {
        return SCHEME + ":///" + URLEncoder.encode(targets.toString(), StandardCharsets.UTF_8);
    }

    @Override
    public String getServiceAuthority() {
        return targets.targets().get(0).toString();
    }

    @Override
    public void start(Listener2 listener) {
        this.listener = listener;
        resolve();
    }

    @Override
    public void refresh() {
        resolve();
    }

    @Override
    public void shutdown() {
        shutdown = true;
    }

    private void resolve() {
        if (resolving || shutdown) {
            return;
        }
        resolving = true;
        offload.execute(() -> {
            StatusOr<List<EquivalentAddressGroup>> result;
            try {
                result = StatusOr.fromValue(targets.resolve().stream()
                        .map(a -> new EquivalentAddressGroup((SocketAddress) a)).toList());
            } catch (UnknownHostException e) {
                result = StatusOr.fromStatus(Status.UNAVAILABLE.withDescription(e.getMessage()));
            }
            StatusOr<List<EquivalentAddressGroup>> resolved = result;
            sync.execute(() -> {
                resolving = false;
                if (!shutdown) {
                    listener.onResult2(ResolutionResult.newBuilder().setAddressesOrError(resolved).build());
                }
            });
        });
    }

    /** Registered once per JVM by {@link ControllerChannels}. */
    static final class Provider extends NameResolverProvider {
        @Override
        protected boolean isAvailable() {
            return true;
        }

        @Override
        protected int priority() {
            return 5;
        }

        @Override
        public String getDefaultScheme() {
            return SCHEME;
        }

        @Override
        public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
            return List.of(InetSocketAddress.class);
        }

        @Override
        public NameResolver newNameResolver(URI uri, Args args) {
            if (!SCHEME.equals(uri.getScheme())) {
                return null;
            }
            String list = URLDecoder.decode(uri.getRawPath().substring(1), StandardCharsets.UTF_8);
            return new ControllerNameResolver(ControllerTargets.parse(list), args);
        }
    }
}
