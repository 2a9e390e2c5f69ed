package io.ovsfabric.agent.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ovsfabric.common.pki.FabricTls;
import io.ovsfabric.common.pki.SigningRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PendingJoinKeyTest {
    @TempDir
    Path dir;

    private FabricTls.PemPaths files() {
        return new FabricTls.PemPaths(dir.resolve("ca.crt"), dir.resolve("tls/host.crt"), dir.resolve("tls/host.key"));
    }

    @Test
    void aJoinSentAgainSendsTheSameKeyUntilItIsAnswered() throws Exception {
        PendingJoinKey first = PendingJoinKey.loadOrCreate(files());
        Path keyFile = PendingJoinKey.keyFile(files());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
        PendingJoinKey again = PendingJoinKey.loadOrCreate(files());   // a later try, or the next start
        assertEquals(first.key(), again.key());
        assertEquals(SigningRequest.fromPem(first.csrPem(), "first").keyFingerprint(),
                SigningRequest.fromPem(again.csrPem(), "again").keyFingerprint());

        PendingJoinKey.forget(files());
        assertFalse(Files.exists(keyFile));
        assertNotEquals(first.key(), PendingJoinKey.loadOrCreate(files()).key(), "after an answer a join starts afresh");
    }

    @Test
    void anUnreadablePendingKeyIsReplacedNotFatal() throws Exception {
        PendingJoinKey.loadOrCreate(files());
        Files.writeString(PendingJoinKey.keyFile(files()), "not a key");
        PendingJoinKey fresh = PendingJoinKey.loadOrCreate(files());
        assertTrue(SigningRequest.fromPem(fresh.csrPem(), "fresh").publicKey() != null);
        assertEquals(fresh.key(), PendingJoinKey.loadOrCreate(files()).key());
    }
}
