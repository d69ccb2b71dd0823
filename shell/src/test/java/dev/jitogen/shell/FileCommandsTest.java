package dev.jitogen.shell;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;

/** /put and /get as an operator types them: several targets, options, the progress line, the summary, failures. */
class FileCommandsTest {
    static final List<String> printed = new CopyOnWriteArrayList<>(), progress = new CopyOnWriteArrayList<>();
    static Shell shell;

    @TempDir
    Path dir;

    @BeforeAll
    static void open() {
        shell = new Shell(new Shell.Printer() {
            @Override
            public void println(String line) {
                printed.add(line);
            }

            @Override
            public void progress(String line) {
                progress.add(line);
            }
        });
        assertTrue(shell.run("/local f1"));
        assertTrue(shell.run("/local f2"));
    }

    @AfterAll
    static void close() {
        shell.close();
    }

    static String run(String unit, boolean ok) {
        printed.clear();
        assertEquals(ok, shell.run(unit), () -> unit + ":\n" + String.join("\n", printed));
        return String.join("\n", new ArrayList<>(printed));
    }

    @Test
    void putCopiesToEveryTargetWithItsOptionsAndSumsUp() throws Exception {
        Path src = Files.writeString(dir.resolve("app.conf"), "port=80\n");
        Files.createDirectories(dir.resolve("f1"));
        String out = run("/put f1,f2 " + src + " " + dir + "/app.out --mode 0600 --preserve", true);
        assertTrue(out.contains("put " + src + ": 2 ok, 0 failed; 16 B written, 16 B sent from here in "), out);
        assertTrue(out.contains("SHA-256 verified"), out);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("app.out"))));
        assertEquals(Files.getLastModifiedTime(src).toMillis(), Files.getLastModifiedTime(dir.resolve("app.out")).toMillis(),
                "times are kept to the millisecond");
        String again = run("/put f1,f2 " + src + " " + dir + "/app.out --mode 0600 --preserve", true);
        assertTrue(again.contains(": 2 ok (2 unchanged), 0 failed; 16 B written, 0 B sent from here"), again);
        String all = run("/put all " + dir.resolve("f1") + " " + dir + "/tree", true);
        assertTrue(all.contains(": 2 ok, 0 failed; 0 files, 0 B written, 0 B sent from here"), all);
        assertTrue(Files.isDirectory(dir.resolve("tree")));
    }

    @Test
    void getCopiesBackAndABigCopyDrawsAProgressLine() throws Exception {
        Path big = dir.resolve("big");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(48 << 20);
        }
        progress.clear();
        String out = run("/get f1 " + big + " " + dir + "/big.copy", true);
        assertTrue(out.contains("get " + big + ": 1 ok, 0 failed; 1 file, 50.3 MB in "), out);
        assertEquals(48 << 20, Files.size(dir.resolve("big.copy")));
        assertTrue(progress.stream().anyMatch(l -> l.matches("get \\[[#.]{20}] [\\d.]+ [KMG]?B of 50.3 MB, .*/s, ETA .*")),
                String.join("\n", progress));
    }

    @Test
    void failuresAreNamedPerContextAndUsageErrorsSayWhatIsWrong() throws Exception {
        Path src = Files.writeString(dir.resolve("x"), "x");
        String out = run("/put f1,f2 " + src + " " + dir + "/no/such/x", false);
        assertTrue(out.contains("0 ok, 2 failed"), out);
        assertTrue(out.contains("[f1] put of") && out.contains("directory '" + dir + "/no/such' does not exist"), out);
        assertTrue(run("/put f1 " + dir + "/missing /tmp/x", false).contains("does not exist"));
        assertTrue(run("/put f1 " + src + " /tmp/x --mode rw", false).contains("--mode takes permission bits in octal"));
        assertTrue(run("/put f1 " + src, false).contains("usage: /put"));
        assertTrue(run("/get f9 /etc/hostname " + dir + "/h", false).contains("no context called f9"));
    }
}
