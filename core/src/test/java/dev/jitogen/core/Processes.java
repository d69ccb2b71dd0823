package dev.jitogen.core;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Test helper: whether a process has ended. */
final class Processes {
    private Processes() {}

    /**
     * Waits up to {@code within} for {@code pid} to end. A zombie counts as ended: an orphaned child is reaped by
     * whatever runs as PID 1, which in a container or VM may take its time.
     */
    static boolean gone(long pid, Duration within) throws InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        do {
            if (ended(pid)) return true;
            Thread.sleep(20);
        } while (System.nanoTime() < end);
        return ended(pid);
    }

    private static boolean ended(long pid) {
        if (ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)) return true;
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (Exception e) {
            return true; // no such process any more
        }
    }
}
