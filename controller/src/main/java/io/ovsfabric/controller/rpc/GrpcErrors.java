package io.ovsfabric.controller.rpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.ovsfabric.controller.FabricException;
import io.ovsfabric.controller.FabricException.Code;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a unary call and maps the controller's failure codes to gRPC statuses: the only place that knows gRPC status
 * codes. The message goes to the caller unchanged.
 */
final class GrpcErrors {
    private static final Logger log = LoggerFactory.getLogger(GrpcErrors.class);

    private GrpcErrors() {}

    static <T> void unary(String call, StreamObserver<T> observer, Supplier<T> body) {
        T response;
        try {
            response = body.get();
        } catch (RuntimeException e) {
            observer.onError(toStatus(call, e));
            return;
        }
        observer.onNext(response);
        observer.onCompleted();
    }

    /** The status for a code: the one table of the controller. */
    static Status status(Code code) {
        return switch (code) {
            case INVALID -> Status.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.NOT_FOUND;
            case CONFLICT -> Status.ALREADY_EXISTS;
            case EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
            case REFUSED -> Status.FAILED_PRECONDITION;
            case CONTENDED -> Status.ABORTED;
            case UNAVAILABLE, COMPACTED -> Status.UNAVAILABLE;
            case INTERNAL -> Status.INTERNAL;
            case DENIED -> Status.PERMISSION_DENIED;
        };
    }

    static StatusRuntimeException toStatus(String call, Throwable error) {
        Code code = FabricException.codeOf(error);
        if (code == Code.INTERNAL && !(error instanceof FabricException)) {
            log.error("{} failed unexpectedly", call, error);
            return Status.INTERNAL.withDescription("internal error in the controller (" + error + "); see its log").asRuntimeException();
        }
        if (code == Code.INTERNAL) {
            log.error("{} failed: {}", call, error.getMessage(), error);
        } else if (code == Code.DENIED) {
            log.warn("DENIED {} (caller {} at {}): {}", call, io.ovsfabric.common.pki.PeerIdentityInterceptor.find()
                    .map(io.ovsfabric.common.pki.Identity::uri).orElse("anonymous"),
                    io.ovsfabric.common.pki.PeerIdentityInterceptor.remoteAddress(), error.getMessage());
        } else if (code == Code.UNAVAILABLE) {
            log.warn("{} failed, the caller may retry: {}", call, error.getMessage());
        } else {
            log.info("refused {}: {}", call, error.getMessage());
        }
        return status(code).withDescription(error.getMessage()).asRuntimeException();
    }
}
