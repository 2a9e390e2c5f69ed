package io.ovsfabric.agent.rpc;

import io.ovsfabric.common.pki.EcKeys;
import io.ovsfabric.common.pki.FabricTls;
import io.ovsfabric.common.pki.PemFiles;
import io.ovsfabric.common.pki.PkiException;
import io.ovsfabric.common.pki.SigningRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key of a join that has not been answered yet, written next to the host key ({@code host.key.joining}, mode
 * 0600, and its signing request {@code host.key.joining.csr}) before the join is sent. A join sent again, by the
 * same run after a lost answer or by the next start, sends the same key: the controller answers a repeat of a join
 * it admitted (same token, same key) instead of refusing the spent token, so a lost answer never burns the token.
 */
record PendingJoinKey(PrivateKey key, String csrPem) {
    private static final Logger log = LoggerFactory.getLogger(PendingJoinKey.class);

    /** The pending key of an earlier try if there is a readable one, else a new one, on disk before it is used. */
    static PendingJoinKey loadOrCreate(FabricTls.PemPaths files) {
        Path keyFile = keyFile(files);
        Path csrFile = csrFile(files);
        if (Files.exists(keyFile) && Files.exists(csrFile)) {
            try {
                PendingJoinKey earlier = new PendingJoinKey(PemFiles.readPrivateKey(keyFile),
                        Files.readString(csrFile, StandardCharsets.US_ASCII));
                SigningRequest.fromPem(earlier.csrPem, csrFile.toString());
                log.info("joining with the key of an earlier, unanswered join ({})", keyFile);
                return earlier;
            } catch (PkiException | IOException e) {
                log.warn("cannot use the key of an earlier join ({}): making a new one", e.getMessage());
            }
        }
        KeyPair pair = EcKeys.generate();
        PendingJoinKey fresh = new PendingJoinKey(pair.getPrivate(), SigningRequest.create(pair).toPem());
        PemFiles.writeSecret(keyFile, PemFiles.encodePrivateKey(pair.getPrivate()), PemFiles.Overwrite.REPLACE);
        PemFiles.writePublic(csrFile, fresh.csrPem, PemFiles.Overwrite.REPLACE);
        return fresh;
    }

    /** After the certificate and key are written: the pending files go. */
    static void forget(FabricTls.PemPaths files) {
        try {
            Files.deleteIfExists(keyFile(files));
            Files.deleteIfExists(csrFile(files));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + keyFile(files) + ": " + e.getMessage(), e);
        }
    }

    static Path keyFile(FabricTls.PemPaths files) {
        return files.key().resolveSibling(files.key().getFileName() + ".joining");
    }

    private static Path csrFile(FabricTls.PemPaths files) {
        return files.key().resolveSibling(files.key().getFileName() + ".joining.csr");
    }
}
