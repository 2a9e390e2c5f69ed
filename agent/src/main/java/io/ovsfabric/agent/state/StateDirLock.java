package io.ovsfabric.agent.state;

import io.ovsfabric.agent.AgentException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The state dir's lock: one agent (or one teardown) per host at a time. Two agents sharing a state dir would fight
 * over the same bridge, ports and saved state. The kernel drops the lock when the process ends, however it ends, so
 * a crashed agent never leaves a stale lock behind. The file names the holder for the error message.
 */
public final class StateDirLock implements AutoCloseable {
    public static final String FILE = "agent.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private StateDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of {@code dir} (created if missing) for {@code purpose} ("run", "teardown").
     *
     * @throws AgentException {@link AgentException.Code#CONFLICT} when another process (or this one) holds it,
     *         {@link AgentException.Code#FAILED} when the lock file cannot be used
     */
    public static StateDirLock acquire(Path dir, String purpose) {
        Path file = dir.resolve(FILE);
        FileChannel channel = null;
        try {
            Files.createDirectories(dir);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;    // held by this very process
            }
            if (lock == null) {
                String holder = Files.readString(file, StandardCharsets.UTF_8).strip();
                channel.close();
                throw AgentException.conflict("state dir " + dir + " is in use by another ovsfabric-agent ("
                        + (holder.isEmpty() ? "unknown process" : holder) + "): stop it first (systemctl stop"
                        + " ovsfabric-agent), or give this one its own --state-dir");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + ", " + purpose + "\n")
                    .getBytes(StandardCharsets.UTF_8)), 0);
            return new StateDirLock(channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            throw AgentException.failed("cannot lock " + file + " (" + e.getMessage() + "): check that " + dir
                    + " is a writable directory on a local file system", e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException e) {
            // closing the channel below releases it too
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }
}
