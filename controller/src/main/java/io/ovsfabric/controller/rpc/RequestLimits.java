package io.ovsfabric.controller.rpc;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MapEntry;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Size limits on every field of every request, checked before a call runs: a request over a limit is refused with
 * INVALID_ARGUMENT naming the field (its path in the request) and the limit, and nothing is written. The limits keep
 * every stored record small (a host record, a network, an endpoint stay a few KiB), so paged etcd reads and
 * topology snapshots stay far below the message limits whatever the clients send.
 */
public final class RequestLimits implements ServerInterceptor {
    /** Any text field: ids, names, addresses, label and capability values, container names. */
    public static final int MAX_TEXT = 256;
    /** Keys of capability and label maps (a DNS label's length). */
    public static final int MAX_KEY = 63;
    /** Entries of a map (capabilities, labels) or a list of texts (aliases). */
    public static final int MAX_ENTRIES = 32;
    /** Items of a list of messages (report entries: plugin addresses, Docker endpoints, ports, endpoint refs). */
    public static final int MAX_ITEMS = 8192;
    /** A PEM text field ({@code csr_pem}: a P-256 signing request is about 500 characters). */
    public static final int MAX_PEM = 4096;

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        ServerCall.Listener<Q> delegate = next.startCall(call, headers);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
            private boolean refused;

            @Override
            public void onMessage(Q message) {
                Optional<String> problem = message instanceof Message m ? check(m) : Optional.empty();
                if (problem.isPresent()) {
                    refused = true;
                    call.close(Status.INVALID_ARGUMENT.withDescription(problem.get() + " (" + call.getMethodDescriptor()
                            .getBareMethodName() + " refused, nothing was changed)"), new Metadata());
                    return;
                }
                super.onMessage(message);
            }

            @Override
            public void onHalfClose() {
                if (!refused) {
                    super.onHalfClose();
                }
            }
        };
    }

    /** The first field over its limit, described with its path and the limit; empty when the request is fine. */
    public static Optional<String> check(Message message) {
        return check(message, "");
    }

    private static Optional<String> check(Message message, String path) {
        for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
            FieldDescriptor descriptor = field.getKey();
            String name = path + descriptor.getName();
            Object value = field.getValue();
            if (descriptor.isMapField()) {
                List<?> entries = (List<?>) value;
                if (entries.size() > MAX_ENTRIES) {
                    return Optional.of("field " + name + " has " + entries.size() + " entries, over the limit of " + MAX_ENTRIES);
                }
                for (Object e : entries) {
                    Message entry = (Message) e;
                    Object key = entry instanceof MapEntry<?, ?> me ? me.getKey() : entry.getField(entry.getDescriptorForType().findFieldByName("key"));
                    Object val = entry instanceof MapEntry<?, ?> me ? me.getValue() : entry.getField(entry.getDescriptorForType().findFieldByName("value"));
                    String k = String.valueOf(key);
                    if (k.length() > MAX_KEY) {
                        return Optional.of("field " + name + " has a key of " + k.length() + " characters ('"
                                + k.substring(0, 20) + "...'), over the limit of " + MAX_KEY);
                    }
                    if (val instanceof String v && v.length() > MAX_TEXT) {
                        return Optional.of("field " + name + "['" + k + "'] is " + v.length() + " characters long, over the"
                                + " limit of " + MAX_TEXT);
                    }
                }
            } else if (descriptor.isRepeated()) {
                List<?> items = (List<?>) value;
                int limit = descriptor.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? MAX_ITEMS : MAX_ENTRIES;
                if (items.size() > limit) {
                    return Optional.of("field " + name + " has " + items.size() + " entries, over the limit of " + limit);
                }
                for (int i = 0; i < items.size(); i++) {
                    Optional<String> problem = checkValue(items.get(i), name + "[" + i + "]");
                    if (problem.isPresent()) {
                        return problem;
                    }
                }
            } else if (descriptor.getName().endsWith("_pem") && value instanceof String pem) {
                if (pem.length() > MAX_PEM) {
                    return Optional.of("field " + name + " is " + pem.length() + " characters long, over the limit of "
                            + MAX_PEM);
                }
            } else {
                Optional<String> problem = checkValue(value, name);
                if (problem.isPresent()) {
                    return problem;
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> checkValue(Object value, String name) {
        if (value instanceof String text && text.length() > MAX_TEXT) {
            return Optional.of("field " + name + " is " + text.length() + " characters long, over the limit of " + MAX_TEXT);
        }
        if (value instanceof Message nested) {
            return check(nested, name + ".");
        }
        return Optional.empty();
    }
}
