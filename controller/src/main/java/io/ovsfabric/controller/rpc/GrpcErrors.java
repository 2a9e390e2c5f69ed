package io.ovsfabric.controller.rpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.ovsfabric.common.InvalidInputException;
import io.ovsfabric.controller.FabricException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a unary call and maps the controller's exceptions to precise gRPC statuses (the only place that does). */
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

    static StatusRuntimeException toStatus(String call, Throwable error) {
        if (error instanceof InvalidInputException) {
            log.info("refused {}: {}", call, error.getMessage());
            return Status.INVALID_ARGUMENT.withDescription(error.getMessage()).asRuntimeException();
        }
        if (error instanceof FabricException fabric) {
            Status status = switch (fabric.code()) {
                case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
                case NOT_FOUND -> Status.NOT_FOUND;
                case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
                case RESOURCE_EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
                case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
                case ABORTED -> Status.ABORTED;
                case UNAVAILABLE, COMPACTED -> Status.UNAVAILABLE;
                case INTERNAL -> Status.INTERNAL;
            };
            if (fabric.code() == FabricException.Code.INTERNAL) {
                log.error("{} failed: {}", call, fabric.getMessage(), fabric);
            } else if (fabric.code() == FabricException.Code.UNAVAILABLE) {
                log.warn("{} failed, the caller may retry: {}", call, fabric.getMessage());
            } else {
                log.info("refused {}: {}", call, fabric.getMessage());
            }
            return status.withDescription(fabric.getMessage()).asRuntimeException();
        }
        log.error("{} failed unexpectedly", call, error);
        return Status.INTERNAL.withDescription("internal error in the controller (" + error + "); see its log").asRuntimeException();
    }
}
