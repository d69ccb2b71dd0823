package dev.jitogen.shell;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Markdown notebooks ({@code jitogen run FILE.md}, {@code --write}, {@code --check}) and {@code /save --notebook},
 * run in the one shell of this class. Its notebooks print nothing that depends on what ran before them (no
 * {@code $N} values), so each can run twice in the same session and print the same; docs' tests run the example
 * runbook in a fresh process.
 */
class NotebookTest extends ShellTestSupport {
    private static final String RUNBOOK = """
            # Fleet check

            Prose stays as it is, `inline code` too.

            ```java
            /on local 6 * 7
            ```

            ```output
            [local] something else
            1 ok, 0 failed
            ```

            A block may hold several snippets, and commands:

            ```jshell
            String who = local.call(() -> "child " + (ProcessHandle.current().pid() != 0));
            System.out.println(who);
            /sh local echo sh too
            ```

            <!-- jitogen: no-check -->
            ```java
            System.out.println("now " + System.nanoTime());
            ```

            ```output
            now 12
            ```

            ```python
            print("not run")
            ```
            """;

    /** Runs {@code file} in this class's shell; returns the exit status and the reports, one per line. */
    private static Object[] notebook(Path file, Notebook.Mode mode) throws Exception {
        List<String> report = new ArrayList<>();
        int status = Notebook.read(file).run(shell, mode, false, report::add);
        shell.mode = Feedback.Mode.NORMAL;
        return new Object[]{status, String.join("\n", report)};
    }

    @Test
    void blocksRunInOrderInOneSessionWithShellCommandsAndOtherBlocksAreLeftAlone(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("fleet.md"), RUNBOOK);
        printed.clear();
        Object[] r = notebook(file, Notebook.Mode.RUN);
        assertEquals(0, r[0], r[1] + "\n" + printed);
        String out = String.join("\n", printed);
        assertTrue(out.contains("[local] 42\n1 ok, 0 failed"), out); // /on in the targets' order, without the time
        assertTrue(out.contains("[local] sh too\n[local] exit 0"), out); // System.out of the master is not printed's
        assertFalse(out.contains("not run"), out);
        assertEquals(RUNBOOK, Files.readString(file), "a plain run writes nothing");
    }

    @Test
    void writeRecordsEachOutputAfterItsBlockAndKeepsEveryOtherByte(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("fleet.md"), RUNBOOK);
        Object[] r = notebook(file, Notebook.Mode.WRITE);
        assertEquals(0, r[0], (String) r[1]);
        String written = Files.readString(file);
        String expected = RUNBOOK
                .replace("[local] something else\n", "[local] 42\n")
                .replace("/sh local echo sh too\n```\n", "/sh local echo sh too\n```\n\n```output\nchild true\n"
                        + "[local] sh too\n[local] exit 0\n1 ok, 0 failed\n```\n");
        String withoutNanos = written.replaceFirst("now \\d+", "now 12");
        assertEquals(expected, withoutNanos, "only the output blocks change");

        Object[] check = notebook(file, Notebook.Mode.CHECK);
        assertEquals(0, check[0], (String) check[1]);
        assertTrue(((String) check[1]).endsWith("every output as recorded (2 compared, 1 marked no-check)"), (String) check[1]);
        Notebook again = Notebook.read(file);
        assertEquals(written, again.render(again.blocks().stream().map(b -> b.recorded().text()).toList()),
                "--write of the same outputs changes nothing");
    }

    @Test
    void checkNamesTheBlockAndPrintsAUnifiedDiffWhenAnOutputChanged(@TempDir Path dir) throws Exception {
        String recorded = """
                Intro.

                ```java
                System.out.println("disk ok\\nload 0.5\\nusers 3");
                ```

                ```output
                disk ok
                load 0.7
                users 3
                ```
                """;
        Path file = Files.writeString(dir.resolve("status.md"), recorded);
        Object[] r = notebook(file, Notebook.Mode.CHECK);
        assertEquals(1, r[0], (String) r[1]);
        assertEquals(file + ":3: the output differs from the one recorded\n"
                + "--- " + file + ":8 (recorded)\n"
                + "+++ " + file + ":3 (this run)\n"
                + "@@ -1,3 +1,3 @@\n"
                + " disk ok\n"
                + "-load 0.7\n"
                + "+load 0.5\n"
                + " users 3\n"
                + "jitogen run --check: " + file + ": 1 of 1 outputs differ (1 compared)", r[1]);
        assertEquals(recorded, Files.readString(file), "--check writes nothing");
    }

    @Test
    void outputIsComparedWithoutTerminalEscapesOrTrailingSpace(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("colour.md"), """
                ```java
                System.out.println("\\u001b[31mred\\u001b[0m   \\n50%\\r100%\\n");
                ```

                ```output
                red
                100%
                ```
                """);
        Object[] r = notebook(file, Notebook.Mode.CHECK);
        assertEquals(0, r[0], (String) r[1]);
        assertEquals("red\n", Notebook.normalise("\u001b]0;title\u0007\u001b[1;32mred\u001b[m \t \n\n"));
    }

    @Test
    void aFailingBlockStopsTheRunNamingItsLineInTheFile(@TempDir Path dir) throws Exception {
        String text = """
                ```java
                int before = 1;
                ```

                Then:

                ```java
                int x = 2;
                if (x > 1) throw new IllegalStateException("boom");
                System.out.println("never");
                ```
                """;
        Path file = Files.writeString(dir.resolve("fails.md"), text);
        printed.clear();
        Object[] r = notebook(file, Notebook.Mode.WRITE);
        assertEquals(1, r[0]);
        assertEquals("jitogen run: " + file + ":9: failed: if (x > 1) throw new IllegalStateException(\"boom\"); "
                + "(in the ```java block at line 7); nothing was written", r[1]);
        String out = String.join("\n", printed);
        assertTrue(out.contains("IllegalStateException: boom") && out.contains(file + ":9"), out);
        assertFalse(out.contains("never"), out);
        assertEquals(text, Files.readString(file));
    }

    @Test
    void anUnclosedBlockIsNamedWithItsLineBeforeAnythingRuns() {
        Notebook.Malformed e = assertThrows(Notebook.Malformed.class,
                () -> Notebook.parse(Path.of("x.md"), "# T\n\n```java\nint a = 1;\n"));
        assertEquals("x.md:3: the ```java block is not closed: add a line ``` after its last line", e.getMessage());
    }

    @Test
    void javaShownInsideALongerFenceIsProseAndOutputFencesOutgrowTheirContent() throws Exception {
        String text = "````markdown\n```java\nSystem.exit(1);\n```\n````\n\n~~~java\nint a;\n~~~\n";
        Notebook n = Notebook.parse(Path.of("x.md"), text);
        assertEquals(1, n.blocks().size());
        assertEquals("int a;\n", n.blocks().get(0).code());
        assertNull(n.blocks().get(0).recorded());
        String written = n.render(List.of("```\nquoted\n"));
        assertEquals(text + "\n````output\n```\nquoted\n````\n", written);
        Notebook again = Notebook.parse(Path.of("x.md"), written);
        assertEquals("```\nquoted\n", again.blocks().get(0).recorded().text());
        assertEquals(text, again.render(List.of("")), "a block that prints nothing loses its output block");
    }

    @Test
    void saveNotebookWritesTheSessionWithItsOutputsAndItChecksClean(@TempDir Path dir) throws Exception {
        // what /save keeps of the session starts here: the other tests of this class ran notebooks in this shell
        shell.saved.clear();
        shell.recorded.clear();
        // normal feedback, as at the prompt: the notebook says so in a block of its own
        run("var lengths = local.call(() -> Stream.of(\"a\", \"bb\").map(String::length).toList());");
        run("System.out.println(\"sum \" + lengths.stream().mapToInt(Integer::intValue).sum());");
        run("/on local 6 * 7"); // at the prompt its summary has the time; the notebook's has not
        fail("int broken = ;");
        Path file = dir.resolve("session.md");
        assertEquals("|  saved 3 blocks with their output to " + file, run("/save --notebook " + file));
        String saved = Files.readString(file);
        assertTrue(saved.contains("""
                ```java
                /set feedback normal
                ```

                ```output
                |  Feedback mode: normal
                ```

                ```java
                var lengths = local.call(() -> Stream.of("a", "bb").map(String::length).toList());
                ```

                ```output
                lengths ==> [1, 2]
                ```

                ```java
                System.out.println("sum " + lengths.stream().mapToInt(Integer::intValue).sum());
                ```

                ```output
                sum 3
                ```

                ```java
                /on local 6 * 7
                ```

                ```output
                [local] 42
                1 ok, 0 failed
                ```
                """), saved);
        assertFalse(saved.contains("broken"), saved);
        Object[] r = notebook(file, Notebook.Mode.CHECK);
        assertEquals(0, r[0], (String) r[1]);
        assertTrue(fail("/save --notebook " + dir.resolve("session.txt")).contains("ends in .md"));
    }
}
