package dev.jitogen.plugins.files;

import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * Starts the disk writing a transfer's temporary file while the rest of it still arrives, so that the final sync
 * ({@code force}) before the rename waits only for the last few megabytes instead of the whole file. Without it
 * the kernel keeps every written page dirty in memory (a host with gigabytes free starts writing back only after
 * 30 s), and a 256 MiB copy ended with a quarter of a second of pure disk time after its last byte arrived.
 *
 * <p>Every {@link #STEP} bytes written, {@link #written} asks a thread of its own to sync the file's data
 * ({@code fdatasync}) unless the previous sync is still running; the writer never waits for it. Durability is
 * unchanged: the transfer still syncs the whole file itself before it renames it, and that sync covers whatever the
 * early ones have not. A failed early sync is ignored for the same reason (the final one reports it).
 *
 * <p>Threads: one thread (the transfer's) calls {@link #written}; each sync runs on a daemon thread of its own, which
 * only calls {@link FileChannel#force} (the JDK allows it alongside writes on the same channel) and ends with it.
 * Nothing waits for it but closing the channel, which lets a sync under way finish (by then the transfer's own sync
 * has written the same pages). Files smaller than {@link #STEP} start no thread.
 */
final class WriteBehind {
    /** Bytes between early syncs: large enough that each costs a disk flush rarely, small next to a big file. */
    static final long STEP = 16L << 20;

    private final FileChannel out;
    private final String name;
    /** Bytes written when the last sync was asked for. Transfer thread only. */
    private long asked;
    /** The sync thread under way, or null. Transfer thread only. */
    private Thread sync;
    /** Syncs started so far. Transfer thread only; for tests. */
    private int started;

    WriteBehind(FileChannel out, String name) {
        this.out = out;
        this.name = name;
    }

    /** {@code total} bytes of the file are written so far: starts a sync if {@link #STEP} more are and none runs. */
    void written(long total) {
        if (total - asked < STEP || (sync != null && sync.isAlive())) return;
        asked = total;
        sync = new Thread(this::sync, "jitogen-sync " + name);
        sync.setDaemon(true);
        sync.start();
        started++;
    }

    /** How many early syncs have started. Transfer thread; for tests. */
    int started() {
        return started;
    }

    private void sync() {
        try {
            out.force(false);
        } catch (IOException | RuntimeException ignored) {
            // the transfer's own sync before the rename reports a disk that fails; a closed channel ends this one
        }
    }
}
