package io.ovsfabric.common.pki;

import io.ovsfabric.common.HostId;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * Who is on the other end of a fabric connection, as the fabric CA wrote it into the peer's certificate: one URI
 * subject alternative name {@code ovsfabric://<kind>/<name>} and the same name as the subject's only CN.
 *
 * <p>{@link #fromCertificate} is strict: a certificate with no such URI, two of them, any other URI, a CN that
 * disagrees, or DNS/IP names on anything but a controller is refused. The fabric CA never issues such
 * certificates, so meeting one means a mistake or a forgery, never something to guess about.
 */
public sealed interface Identity {
    String SCHEME = "ovsfabric";

    /** What kind of identity, as it appears in the URI's authority. */
    enum Kind {
        HOST("host"), ADMIN("admin"), CONTROLLER("controller");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** An agent acting for one host: it may act on that host only. */
    record Host(HostId hostId) implements Identity {
        public Host {
            if (hostId == null) {
                throw new PkiException("a host identity needs a host id");
            }
        }

        @Override
        public Kind kind() {
            return Kind.HOST;
        }

        @Override
        public String name() {
            return hostId.value();
        }
    }

    /** A cluster admin using ovsfabricctl. */
    record Admin(String name) implements Identity {
        public Admin {
            checkName("admin", name);
        }

        @Override
        public Kind kind() {
            return Kind.ADMIN;
        }
    }

    /** A controller replica; its certificate also carries the DNS names and IPs it is dialled at. */
    record Controller(String name) implements Identity {
        public Controller {
            checkName("controller", name);
        }

        @Override
        public Kind kind() {
            return Kind.CONTROLLER;
        }
    }

    Kind kind();

    /** The host id, admin name or controller name: a DNS label. */
    String name();

    /** {@code ovsfabric://host/h7}, {@code ovsfabric://admin/alice}, {@code ovsfabric://controller/c1}. */
    default String uri() {
        return SCHEME + "://" + kind().label() + "/" + name();
    }

    static Identity host(HostId hostId) {
        return new Host(hostId);
    }

    static Identity admin(String name) {
        return new Admin(name);
    }

    static Identity controller(String name) {
        return new Controller(name);
    }

    /** Parses exactly the form {@link #uri()} writes; anything else (query, port, user, trailing '/') is refused. */
    static Identity parseUri(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new PkiException("'" + text + "' is not an ovsfabric identity URI", e);
        }
        if (!SCHEME.equals(uri.getScheme()) || uri.getRawAuthority() == null || uri.getRawPath() == null
                || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null
                || uri.getPort() != -1 || !uri.getRawPath().startsWith("/")) {
            throw new PkiException("'" + text + "' is not an ovsfabric identity URI (expected ovsfabric://<host|admin|"
                    + "controller>/<name>)");
        }
        String name = uri.getRawPath().substring(1);
        Identity identity;
        try {
            identity = switch (uri.getRawAuthority()) {
                case "host" -> new Host(HostId.of(name));
                case "admin" -> new Admin(name);
                case "controller" -> new Controller(name);
                default -> throw new PkiException("'" + text + "' names an unknown kind of identity '"
                        + uri.getRawAuthority() + "'");
            };
        } catch (IllegalArgumentException e) {
            throw new PkiException("'" + text + "' does not name a valid identity: " + e.getMessage(), e);
        }
        if (!identity.uri().equals(text)) {
            throw new PkiException("'" + text + "' is not in canonical form (" + identity.uri() + ")");
        }
        return identity;
    }

    /** The identity of a TLS peer: its leaf certificate is the first of the chain. */
    static Identity fromPeerChain(Certificate[] chain) {
        if (chain == null || chain.length == 0) {
            throw new PkiException("the peer presented no certificate");
        }
        if (!(chain[0] instanceof X509Certificate leaf)) {
            throw new PkiException("the peer's certificate is not an X.509 certificate");
        }
        return fromCertificate(leaf);
    }

    /** The one identity a fabric leaf certificate names; see the class comment for what is refused. */
    static Identity fromCertificate(X509Certificate cert) {
        String subject = cert.getSubjectX500Principal().getName();
        Collection<List<?>> sans;
        try {
            sans = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new PkiException("certificate '" + subject + "' has an unreadable subject alternative name", e);
        }
        List<String> uris = new ArrayList<>();
        boolean addressNames = false;
        if (sans != null) {
            for (List<?> san : sans) {
                int type = (Integer) san.get(0);
                switch (type) {
                    case 6 -> uris.add(String.valueOf(san.get(1)));       // uniformResourceIdentifier
                    case 2, 7 -> addressNames = true;                     // dNSName, iPAddress
                    default -> throw new PkiException("certificate '" + subject
                            + "' carries a kind of subject alternative name the fabric never issues (type " + type + ")");
                }
            }
        }
        if (uris.isEmpty()) {
            throw new PkiException("certificate '" + subject + "' names no ovsfabric identity (no URI SAN)");
        }
        if (uris.size() > 1) {
            throw new PkiException("certificate '" + subject + "' is ambiguous: it names " + uris.size()
                    + " URIs " + uris);
        }
        Identity identity = parseUri(uris.get(0));
        String cn = onlyCommonName(cert.getSubjectX500Principal());
        if (!identity.name().equals(cn)) {
            throw new PkiException("certificate '" + subject + "' is ambiguous: its CN does not match "
                    + identity.uri());
        }
        if (addressNames && !(identity instanceof Controller)) {
            throw new PkiException("certificate for " + identity.uri()
                    + " carries DNS or IP names, which only controller certificates may");
        }
        return identity;
    }

    private static String onlyCommonName(X500Principal principal) {
        RDN[] cns = X500Name.getInstance(principal.getEncoded()).getRDNs(BCStyle.CN);
        if (cns.length != 1 || cns[0].isMultiValued()) {
            throw new PkiException("certificate '" + principal.getName() + "' must have exactly one CN");
        }
        return IETFUtils.valueToString(cns[0].getFirst().getValue());
    }

    /** Admin and controller names follow the host id rules (a DNS label), so all three read alike in logs. */
    private static void checkName(String kind, String name) {
        try {
            HostId.of(name);
        } catch (IllegalArgumentException e) {
            throw new PkiException("invalid " + kind + " name '" + name + "': use 1-63 lowercase letters, digits or"
                    + " '-', starting and ending with a letter or digit (e.g. 'alice', 'c1')");
        }
    }
}
