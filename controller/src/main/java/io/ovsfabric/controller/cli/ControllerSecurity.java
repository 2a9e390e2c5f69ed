package io.ovsfabric.controller.cli;

import io.ovsfabric.common.pki.FabricTls;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The controller's TLS material: its gRPC server's certificate and the fabric CA (empty: {@code --insecure}), the
 * fabric CA's key if this controller signs host certificates (joins and renewals), and etcd's client TLS.
 */
public record ControllerSecurity(Optional<FabricTls.PemPaths> grpc, Optional<Path> caKey, EtcdTls etcd) {
    /** etcd client TLS, flannel's flag names: {@code --etcd-cacert}, {@code --etcd-cert}, {@code --etcd-key}. */
    public record EtcdTls(Optional<Path> caCert, Optional<Path> cert, Optional<Path> key) {
        public static final EtcdTls NONE = new EtcdTls(Optional.empty(), Optional.empty(), Optional.empty());

        public boolean any() {
            return caCert.isPresent() || cert.isPresent() || key.isPresent();
        }
    }

    /** Plaintext gRPC, no identities, no signing, plaintext etcd (tests; {@code --insecure}). */
    public static ControllerSecurity insecure() {
        return new ControllerSecurity(Optional.empty(), Optional.empty(), EtcdTls.NONE);
    }

    public static ControllerSecurity tls(FabricTls.PemPaths grpc, Optional<Path> caKey, EtcdTls etcd) {
        return new ControllerSecurity(Optional.of(grpc), caKey, etcd);
    }

    public ControllerSecurity withEtcd(EtcdTls value) {
        return new ControllerSecurity(grpc, caKey, value);
    }

    public boolean insecureGrpc() {
        return grpc.isEmpty();
    }
}
