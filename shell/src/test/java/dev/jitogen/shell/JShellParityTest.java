package dev.jitogen.shell;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The JDK jshell's commands and feedback, as Jitogen's shell gives them: each behaviour against what jshell 17
 * prints for the same input. One shell (and one child JVM) for the class; each test uses names of its own.
 */
class JShellParityTest extends ShellTestSupport {
    @Test
    void varsMethodsAndTypesPrintAsJshellDoesIncludingAfterARedefinition() {
        run("record P1(int a) {}");
        assertEquals("p1 ==> P1[a=1]", run("P1 p1 = new P1(1);"));
        String replaced = run("record P1(int a, int b) {}");
        assertTrue(replaced.startsWith("|  replaced record P1\n|    update replaced variable p1 which cannot be "
                + "referenced until this error is corrected: "), replaced);
        assertTrue(replaced.contains("|      P1 p1 = new P1(1);\n|              ^-------^"), replaced);
        String vars = run("/vars");
        assertTrue(vars.contains("|    P1 p1 = (not-active)"), "a variable whose type changed is shown, not fatal:\n" + vars);
        assertTrue(vars.contains("|    Context local = "), "start-up variables are listed, as jshell's are:\n" + vars);

        run("String greet1(String who) { return \"hi \" + who; }");
        run("<T> List<T> twice1(T t) { return List.of(t, t); }");
        String methods = run("/methods greet1 twice1");
        assertEquals("|    String greet1(String)\n|    List<T> twice1(T)", methods);
        run("interface Shape1 { default int sides() { return 0; } }");
        run("enum Color1 { RED }");
        assertEquals("|    interface Shape1\n|    enum Color1", run("/types Shape1 Color1"));
    }

    @Test
    void feedbackSaysCreatedModifiedReplacedAndWhatADeclarationWaitsFor() {
        assertEquals("|  created method f2()", run("int f2() { return 1; }"));
        assertEquals("|  modified method f2()", run("int f2() { return 2; }"));
        assertEquals("|  created method g2(), however, it cannot be invoked until method h2() is declared",
                run("int g2() { return h2(); }"));
        assertEquals("|  attempted to call method g2() which cannot be invoked until method h2() is declared", fail("g2()"));
        run("class C2 { int v = 1; }");
        run("C2 c2 = new C2();");
        assertEquals("|  replaced class C2\n|    update replaced variable c2, reset to null", run("class C2 { String w = \"\"; }"));
        assertEquals("|  created variable foo2, however, it cannot be referenced until class Foo2 is declared", run("Foo2 foo2;"));
        assertEquals("arr2 ==> int[2] { 1, 2 }", run("int[] arr2 = {1, 2};"));
        assertEquals("|  dropped method f2()", run("/drop f2"));
    }

    @Test
    void listNumbersSnippetsInOrderAndHidesTheShellsOwn() {
        String before = run("/list");
        run("int l3 = 3;");
        run("/local box3");
        run("void m3() {\n  System.out.println(1);\n}");
        String list = run("/list");
        assertTrue(list.startsWith(before), list);
        String added = list.substring(before.length()).strip();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) : int l3 = 3;\\n +(\\d+) : void m3\\(\\) \\{\\n"
                + " {7}  System.out.println\\(1\\);\\n {7}}").matcher(added);
        assertTrue(m.matches(), "the user's snippets only, numbered in order, multi-line ones indented:\n" + added);
        assertEquals(Integer.parseInt(m.group(1)) + 1, Integer.parseInt(m.group(2)));
        String all = run("/list -all");
        assertTrue(all.contains("  s1 : import dev.jitogen.core.*;"), all);
        assertTrue(all.contains("Context box3 = "), "-all shows the shell's start-up snippets:\n" + all);
        assertFalse(all.contains("$jitogen"), "never the shell's own helper snippets:\n" + all);
        assertTrue(fail("/list nope3").contains("|  No such snippet: nope3"));
    }

    @Test
    void resetKeepsEveryOpenContextUsableAndItsVariableBound() {
        run("/local box4");
        run("int r4 = 4;");
        long pid = shell.session().context("box4").pid();
        assertTrue(run("/reset").contains("Resetting state."));
        assertTrue(fail("r4").contains("cannot find symbol"));
        assertTrue(run("1+1").endsWith(" ==> 2"));
        assertTrue(run("box4.call(() -> ProcessHandle.current().pid())").endsWith("==> " + pid));
        assertTrue(run("local.call(() -> 6 * 7)").endsWith("==> 42"));
        assertTrue(run("String s4 = \"hi\";").equals("s4 ==> \"hi\""), "variables are fresh after a reset");
        assertTrue(run("router.contexts().size() > 0").endsWith("==> true"));
    }

    @Test
    void reloadReplaysWhatSucceeded() {
        run("/reset");
        run("int a5 = 5;");
        fail("int broken5 = ;");
        run("int b5 = a5 + 1;");
        String out = run("/reload");
        assertTrue(out.contains("|  Restarting and restoring state."), out);
        assertTrue(out.contains("-: int a5 = 5;") && out.contains("-: int b5 = a5 + 1;"), out);
        assertFalse(out.contains("broken5"), out);
        assertTrue(run("b5").endsWith("==> 6"));
        assertFalse(run("/reload -quiet").contains("-: "));
    }

    @Test
    void bangAndIdsRunSnippetsAgain() {
        run("int counter6 = 0;");
        run("++counter6");
        assertEquals("++counter6\n$" + (shell.ids.nextMain()) + " ==> 2", run("/!"));
        String again = run("/-2");
        assertTrue(again.startsWith("++counter6\n") && again.endsWith("==> 3"), again);
        assertTrue(fail("/9999").contains("No snippet with ID: 9999"));
    }

    @Test
    void feedbackModesSayLessAndErrorsAlwaysShow() {
        try {
            run("/set feedback concise");
            assertEquals("", run("int q7 = 3;"));
            assertEquals("q7 ==> 3", run("q7"));
            assertEquals("", run("void m7() {}"));
            run("/set feedback silent");
            assertEquals("", run("int z7 = 4;"));
            assertEquals("", run("z7"));
            assertTrue(fail("int w7 = nope7;").contains("cannot find symbol"), "errors show in silent mode too");
            assertTrue(fail("/set feedback bogus").contains("Does not match any feedback mode: bogus"));
        } finally {
            run("/set feedback normal");
        }
        assertTrue(run("/set feedback").contains("|  /set feedback normal"));
    }

    @Test
    void editRunsWhatTheEditorChanged(@TempDir Path dir) throws Exception {
        run("String greet8() { return \"hello\"; }");
        Path editor = dir.resolve("editor.sh");
        Files.writeString(editor, "#!/bin/sh\nsed -i 's/hello/bonjour/' \"$1\"\n");
        editor.toFile().setExecutable(true);
        run("/set editor " + editor);
        try {
            assertEquals("|  modified method greet8()", run("/edit greet8"));
            assertTrue(run("local.call(() -> greet8())").endsWith("==> \"bonjour\""));
        } finally {
            run("/set editor -default");
        }
    }

    @Test
    void envAddsJarsThatCompileAtThePromptAndAreServedToContexts(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("src/acme/Tool.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, "package acme; public class Tool { public static String hello() { return \"acme\"; } }");
        Path classes = dir.resolve("classes");
        int rc = javax.tools.ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(), src.toString());
        assertEquals(0, rc);
        Path jar = dir.resolve("acme.jar");
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new java.util.jar.JarEntry("acme/Tool.class"));
            out.write(Files.readAllBytes(classes.resolve("acme/Tool.class")));
        }
        assertTrue(run("/env --class-path " + jar).contains("added " + jar));
        assertTrue(run("/env").contains("--class-path " + jar));
        assertTrue(run("acme.Tool.hello()").endsWith("==> \"acme\""));
        assertTrue(run("local.call(() -> acme.Tool.hello() + \"@\" + ProcessHandle.current().pid())")
                .endsWith("@" + shell.session().context("local").pid() + "\""), "the child loaded the jar's class");
        assertTrue(fail("/env --module-path x").contains("not supported"));
    }

    @Test
    void theDefaultImportsAreInPlaceWhateverComesFirst() {
        try (Shell fresh = new Shell(printed::add)) {
            printed.clear();
            assertTrue(fresh.run("/on local List.of(1, 2).size()"), String.join("\n", printed));
            assertTrue(printed.contains("[local] 2"), printed.toString());
        }
    }
}
