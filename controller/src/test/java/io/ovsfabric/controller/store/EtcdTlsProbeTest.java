package io.ovsfabric.controller.store;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** How a TLS refusal by etcd is put in terms of the controller's flags (the live cases are in EtcdTlsIT). */
class EtcdTlsProbeTest {
    private static final String URL = "https://127.0.0.1:2379";

    @Test
    void anUntrustedServerCertificateWithoutACaFlagAsksForEtcdCacert() {
        String m = EtcdTlsProbe.explain(URL, new SSLHandshakeException("PKIX path building failed"), Optional.empty(),
                Optional.empty());
        assertTrue(m.contains("add --etcd-cacert"), m);
    }

    @Test
    void anUntrustedServerCertificateWithACaFlagNamesThatFile() {
        String m = EtcdTlsProbe.explain(URL, new SSLHandshakeException("PKIX path building failed"),
                Optional.of(Path.of("/etc/ovsfabric/etcd/ca.crt")), Optional.empty());
        assertTrue(m.contains("does not chain to --etcd-cacert /etc/ovsfabric/etcd/ca.crt"), m);
    }

    @Test
    void aMissingClientCertificateAsksForEtcdCertAndKey() {
        String m = EtcdTlsProbe.explain(URL, new SSLHandshakeException("Received fatal alert: certificate_required"),
                Optional.of(Path.of("ca.crt")), Optional.empty());
        assertTrue(m.contains("add --etcd-cert FILE and --etcd-key FILE"), m);
    }

    @Test
    void aRefusedClientCertificateNamesIt() {
        String m = EtcdTlsProbe.explain(URL, new SSLHandshakeException("Received fatal alert: bad_certificate"),
                Optional.of(Path.of("ca.crt")), Optional.of(Path.of("client.crt")));
        assertTrue(m.contains("refused the client certificate --etcd-cert client.crt"), m);
    }
}
