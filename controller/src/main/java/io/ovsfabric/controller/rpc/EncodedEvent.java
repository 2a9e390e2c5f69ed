package io.ovsfabric.controller.rpc;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.ovsfabric.proto.v1.FabricServiceGrpc;
import io.ovsfabric.proto.v1.WatchTopologyRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A topology event already serialized: one event goes to a thousand streams, so it is encoded once and every stream
 * sends the same bytes (gRPC would otherwise serialize the message again for every call). On the wire it is exactly
 * {@code ovsfabric.v1.TopologyEvent}: clients are unchanged.
 */
final class EncodedEvent {
    /** WatchTopology as served: the generated request marshaller, these bytes as the response. */
    static final MethodDescriptor<WatchTopologyRequest, EncodedEvent> WATCH_TOPOLOGY =
            FabricServiceGrpc.getWatchTopologyMethod().toBuilder(FabricServiceGrpc.getWatchTopologyMethod().getRequestMarshaller(),
                    new Marshaller()).build();

    private final byte[] bytes;

    EncodedEvent(io.ovsfabric.proto.v1.TopologyEvent message) {
        this.bytes = message.toByteArray();
    }

    int size() {
        return bytes.length;
    }

    private static final class Marshaller implements MethodDescriptor.Marshaller<EncodedEvent> {
        @Override
        public InputStream stream(EncodedEvent event) {
            return new Stream(event.bytes);
        }

        @Override
        public EncodedEvent parse(InputStream stream) {
            throw new UnsupportedOperationException("the controller only sends topology events");
        }
    }

    /** What gRPC's framer reads: it knows the length up front and copies the bytes straight into its buffer. */
    private static final class Stream extends ByteArrayInputStream implements KnownLength, Drainable {
        Stream(byte[] bytes) {
            super(bytes);
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            int n = count - pos;
            target.write(buf, pos, n);
            pos = count;
            return n;
        }
    }
}
