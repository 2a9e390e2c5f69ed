package io.ovsfabric.agent.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Reads the host's resolvers (the DNS server's upstreams) from a resolv.conf. */
public final class ResolvConf {
    private ResolvConf() {}

    /** The nameserver lines as port-53 addresses, leaving out any address the DNS server itself listens on. */
    public static List<InetSocketAddress> nameservers(String resolvConf, Collection<InetSocketAddress> exclude) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String line : resolvConf.lines().toList()) {
            String[] words = line.trim().split("\\s+");
            if (words.length >= 2 && words[0].equals("nameserver")) {
                try {
                    // Literal addresses only: getByName does no lookup for them.
                    if (!words[1].matches("[0-9a-fA-F.:]+")) {
                        continue;
                    }
                    InetSocketAddress server = new InetSocketAddress(InetAddress.getByName(words[1]), 53);
                    if (exclude.stream().noneMatch(e -> e.getAddress().equals(server.getAddress()))) {
                        out.add(server);
                    }
                } catch (UnknownHostException e) {
                    // not an address: skip the line
                }
            }
        }
        return out;
    }

    public static List<InetSocketAddress> nameservers(Path file, Collection<InetSocketAddress> exclude) throws IOException {
        return nameservers(Files.readString(file), exclude);
    }
}
