package io.ovsfabric.common.pki;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What the fabric CA writes into one leaf certificate: the identity (decided by the caller, from a join token, the
 * caller's current certificate or an admin's command, never from a request), an optional lifetime (else the CA's
 * {@link LeafLifetimes}), and for controllers the DNS names and IP addresses clients dial it at.
 */
public record LeafSpec(Identity identity, Optional<Duration> lifetime, List<String> dnsNames,
                       List<InetAddress> ipAddresses) {
    private static final Pattern DNS_NAME =
            Pattern.compile("(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

    public LeafSpec {
        if (identity == null) {
            throw new PkiException("a certificate needs an identity");
        }
        lifetime.ifPresent(d -> LeafLifetimes.check(identity.kind().label(), d));
        dnsNames = List.copyOf(dnsNames);
        ipAddresses = List.copyOf(ipAddresses);
        if (!(identity instanceof Identity.Controller) && (!dnsNames.isEmpty() || !ipAddresses.isEmpty())) {
            throw new PkiException("only controller certificates carry DNS names or IPs, not " + identity.uri());
        }
        for (String name : dnsNames) {
            if (!DNS_NAME.matcher(name).matches()) {
                throw new PkiException("'" + name + "' is not a DNS name for a certificate (lowercase labels"
                        + " separated by '.', no wildcards)");
            }
        }
    }

    public static LeafSpec of(Identity identity) {
        return new LeafSpec(identity, Optional.empty(), List.of(), List.of());
    }

    public static LeafSpec controller(String name, List<String> dnsNames, List<InetAddress> ipAddresses) {
        return new LeafSpec(Identity.controller(name), Optional.empty(), dnsNames, ipAddresses);
    }

    public LeafSpec withLifetime(Duration value) {
        return new LeafSpec(identity, Optional.of(value), dnsNames, ipAddresses);
    }
}
