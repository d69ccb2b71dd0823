package dev.jitogen.plugins.files;

/**
 * How {@link RemoteFiles} writes what it copies. Immutable: each method returns a changed copy.
 *
 * <ul>
 *   <li>{@link #mode(int)}: permission bits of the written file (e.g. {@code 0644}); default: the source's;</li>
 *   <li>{@link #owner(String)}, {@link #group(String)}: set on the written file; needs the writing context to be
 *       privileged (root), else the transfer fails and writes nothing; default: whoever writes it;</li>
 *   <li>{@link #preserveTimes(boolean)}: copy the source's modification and access times; default off;</li>
 *   <li>{@link #overwrite(boolean)}: replace an existing destination; default on. Off, an existing destination
 *       fails the transfer before any byte is sent;</li>
 *   <li>{@link #progress(Progress)}: told how the transfer goes (see {@link Progress} for its thread).</li>
 * </ul>
 *
 * <p>Threads: a value; any thread.
 */
public final class TransferOptions {
    private static final TransferOptions DEFAULTS = new TransferOptions(null, null, null, false, true, null);

    private final Integer mode;
    private final String owner, group;
    private final boolean preserveTimes, overwrite;
    private final Progress progress;

    private TransferOptions(Integer mode, String owner, String group, boolean preserveTimes, boolean overwrite,
                            Progress progress) {
        this.mode = mode;
        this.owner = owner;
        this.group = group;
        this.preserveTimes = preserveTimes;
        this.overwrite = overwrite;
        this.progress = progress;
    }

    public static TransferOptions defaults() {
        return DEFAULTS;
    }

    public TransferOptions mode(int mode) {
        if (mode < 0 || mode > 07777) {
            throw new IllegalArgumentException("mode " + Integer.toOctalString(mode) + " is not a file mode: give "
                    + "permission bits between 0 and 07777, in octal (0644)");
        }
        return new TransferOptions(mode, owner, group, preserveTimes, overwrite, progress);
    }

    public TransferOptions owner(String owner) {
        return new TransferOptions(mode, owner, group, preserveTimes, overwrite, progress);
    }

    public TransferOptions group(String group) {
        return new TransferOptions(mode, owner, group, preserveTimes, overwrite, progress);
    }

    public TransferOptions preserveTimes(boolean on) {
        return new TransferOptions(mode, owner, group, on, overwrite, progress);
    }

    public TransferOptions overwrite(boolean on) {
        return new TransferOptions(mode, owner, group, preserveTimes, on, progress);
    }

    public TransferOptions progress(Progress listener) {
        return new TransferOptions(mode, owner, group, preserveTimes, overwrite, listener);
    }

    /** The mode set on written files, or null for the source's. */
    Integer mode() {
        return mode;
    }

    public Progress progress() {
        return progress;
    }

    /** Options from what travelled (no listener). */
    static TransferOptions of(FileTransfer.Settings s) {
        return new TransferOptions(s.mode(), s.owner(), s.group(), s.preserveTimes(), s.overwrite(), null);
    }

    /** What the writing side needs, which travels to it (the listener stays here). */
    FileTransfer.Settings settings() {
        return new FileTransfer.Settings(mode, owner, group, preserveTimes, overwrite);
    }
}
