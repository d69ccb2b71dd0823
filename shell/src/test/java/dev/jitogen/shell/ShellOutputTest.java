package dev.jitogen.shell;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What the shell prints, and in what order: a call's output before its result, /on and /sh laid out under each
 * context's label, jshell-style stacks, scripts' FILE:LINE, and snippets piped to ./jitogen.
 */
class ShellOutputTest extends ShellTestSupport {
    @Test
    void whatACallPrintsShowsBeforeItsResultEveryTime() {
        run("String chatty(int i) { System.out.println(\"one \" + i); System.out.println(\"two\"); System.out.print(\"three\"); return \"done \" + i; }");
        // 20 here, each a snippet compiled by JShell; LocalContextTest repeats the same 200 times at the router
        for (int i = 0; i < 20; i++) {
            List<String> out = lines("local.call(() -> chatty(" + i + "))");
            assertEquals(4, out.size(), out::toString);
            assertEquals(List.of("[local] one " + i, "[local] two", "[local] three"), out.subList(0, 3), "repetition " + i);
            assertTrue(out.get(3).matches("\\$\\d+ ==> \"done " + i + "\""), out::toString);
        }
    }

    @Test
    void onPrintsTextRawUnderTheLabelAndNothingForAStatement() {
        run("/local box5");
        List<String> out = lines("/on local,box5 \"first\\nsecond\"");
        assertTrue(out.contains("[local] first\n        second"), out::toString);
        assertTrue(out.contains("[box5]  first\n        second"), out::toString);
        assertTrue(out.get(out.size() - 1).startsWith("2 ok, 0 failed in "), out::toString);
        List<String> statement = lines("/on box5 System.out.println(\"said\")");
        assertEquals(List.of("[box5] said"), statement.subList(0, statement.size() - 1), "a statement prints only what it prints");
        List<String> nothing = lines("/on box5 Thread.yield()");
        assertEquals(1, nothing.size(), "a void method prints nothing but the summary: " + nothing);
        assertEquals("[box5] null", lines("/on box5 System.getenv(\"JITOGEN_NO_SUCH_VARIABLE\")").get(0), "null is a value");
    }

    @Test
    void onFailuresShowPerContextAndStackShowsEach() {
        run("int parse6(String s) {\n  return Integer.parseInt(s);\n}");
        String out = fail("/on local parse6(\"x\")");
        assertTrue(out.contains("[local] java.lang.NumberFormatException: For input string: \"x\""), out);
        assertTrue(out.contains("0 ok, 1 failed"), out);
        String stack = run("/stack");
        assertTrue(stack.contains("|  Exception [local] java.lang.NumberFormatException: For input string: \"x\""), stack);
        assertTrue(stack.matches("(?s).*\\|        at \\[local] parse6 \\(#\\d+:2\\).*"), "frames of prompt code name the snippet:\n" + stack);
        String compileError = fail("/on local nope6 + 1");
        assertTrue(compileError.contains("cannot find symbol") && compileError.contains("|  nope6 + 1\n|  ^---^"), compileError);
    }

    @Test
    void shPrintsEachContextsOutputThenItsExitStatus() {
        run("/local box7");
        List<String> ok = lines("/sh local,box7 printf 'one\\ntwo\\n'; echo oops >&2");
        assertTrue(ok.contains("[local] one\n        two\n[local] stderr: oops\n[local] exit 0"), ok::toString);
        assertTrue(ok.contains("[box7]  one\n        two\n[box7] stderr: oops\n[box7]  exit 0"), ok::toString);
        String failed = fail("/sh box7 exit 3");
        assertTrue(failed.contains("[box7] exit 3") && failed.contains("0 ok, 1 failed"), failed);
    }

    @Test
    void remoteStacksReadLikeJshellsWithTheContextsName() {
        run("int divide(int a, int b) {\n    return a / b;\n}");
        String out = fail("local.call(() -> divide(1, 0))");
        String[] lines = out.split("\n");
        assertEquals("|  Exception [local] java.lang.ArithmeticException: / by zero", lines[0]);
        assertTrue(lines[1].matches("\\|        at \\[local] divide \\(#\\d+:2\\)"), out);
        assertTrue(lines[2].matches("\\|        at \\[local] lambda \\(#\\d+:1\\)"), out);
        assertTrue(lines[3].matches("\\|        at \\(#\\d+:1\\)"), out);
        assertEquals(4, lines.length, "Jitogen's own frames are hidden:\n" + out);
        String whole = run("/stack");
        assertTrue(whole.contains("[local] ChildRuntime.run") && whole.contains("Receiver.get"), "/stack shows them:\n" + whole);
    }

    @Test
    void scriptsFailWithTheirFileLineAndKeepTheUsersFrames(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("bad.jsh");
        Files.writeString(script, "int a = 1;\n\nString f(int x) {\n  return \"x\" + (10 / x);\n}\n"
                + "local.call(() -> f(0))\nint b = 2;\n");
        List<String> out = new CopyOnWriteArrayList<>();
        assertEquals(1, Script.run(List.of(script), out::add, false));
        String text = String.join("\n", out);
        assertTrue(text.contains("|  Exception [local] java.lang.ArithmeticException: / by zero"), text);
        assertTrue(text.contains("|        at [local] f (" + script + ":4)"), text);
        assertTrue(text.contains("|        at [local] lambda (" + script + ":6)"), text);
        assertTrue(text.contains("jitogen run: " + script + ":6: failed: local.call(() -> f(0))"), text);
        assertFalse(text.contains("/stack"), "run has no /stack to point at:\n" + text);
        assertFalse(text.contains("==>"), "silent unless --echo:\n" + text);

        Path sh = dir.resolve("sh.jsh");
        Files.writeString(sh, "/sh local exit 4\nSystem.out.println(\"not reached\");\n");
        out.clear();
        assertEquals(1, Script.run(List.of(sh), out::add, false));
        assertTrue(out.contains("jitogen run: " + sh + ":1: failed: /sh local exit 4"), out::toString);
        assertFalse(out.contains("not reached"));

        Path echo = dir.resolve("echo.jsh");
        Files.writeString(echo, "int twice(int x) {\n  return 2 * x;\n}\nlocal.call(() -> twice(21))\n");
        out.clear();
        assertEquals(0, Script.run(List.of(echo), out::add, true));
        assertEquals(List.of("jitogen> int twice(int x) {\n   ...>   return 2 * x;\n   ...> }", "|  created method twice(int)",
                "jitogen> local.call(() -> twice(21))"), out.subList(0, 3));
        assertTrue(out.get(3).matches("\\$\\d+ ==> 42"), out::toString);
    }

    @Test
    void snippetsPipedToJitogenRunLikeJshellsAndExitZero() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), "dev.jitogen.shell.Main")
                .redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write(("System.out.println(local.call(() -> 6 * 7))\n1+1\nint broken = ;\n"
                    + "local.call(() -> List.of(\"a\", \"bb\").stream().map(String::length).toList())\n").getBytes());
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith("42\n"), "no banner, no prompt: " + out);
        assertTrue(out.contains("$2 ==> 2"), out);
        assertTrue(out.contains("|  Error:"), out);
        assertTrue(out.contains("==> [1, 2]"), out);
        assertFalse(out.contains("Exception in thread"), out);

        Process q = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), "dev.jitogen.shell.Main")
                .redirectErrorStream(true).start();
        try (var in = q.getOutputStream()) {
            in.write("/exit 3\n".getBytes());
        }
        assertTrue(q.waitFor(60, TimeUnit.SECONDS));
        assertEquals(3, q.exitValue(), new String(q.getInputStream().readAllBytes()));
    }

    @Test
    void controlCharactersFromAContextAreShownEscaped() {
        run("record Esc9(String s) {}");
        List<String> out = lines("local.call(() -> { System.out.println(\"\\u001b[2Jwiped\\r[box] forged\"); return new Esc9(\"\\u001b[31mred\"); })");
        assertEquals("[local] ^[[2Jwiped^M[box] forged", out.get(0));
        assertTrue(out.get(1).endsWith("==> Esc9[s=^[[31mred]"), out::toString);
        assertTrue(run("/on local \"\\u001b]0;title\\u0007\"").startsWith("[local] ^[]0;title^G"));
        String thrown = fail("local.call(() -> { throw new IllegalStateException(\"\\u001b[2J\"); })");
        assertTrue(thrown.contains("IllegalStateException: ^[[2J"), thrown);
        assertFalse(String.join("", printed).contains("\u001b"));
    }
}
