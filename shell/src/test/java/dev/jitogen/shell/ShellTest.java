package dev.jitogen.shell;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;

/** The shell without a terminal: what an operator types, what it prints, against real child JVMs. */
class ShellTest extends ShellTestSupport {
    @BeforeEach
    void clear() {
        printed.clear();
    }

    @Test
    void inProcessContextsNestThroughViaAndShowInTheTree() {
        run("/in-process w1");
        run("/in-process w2 --via w1");
        assertTrue(run("w2.call(() -> dev.jitogen.core.Router.current().myName())").endsWith("==> \"w2\""));
        assertTrue(run("String greet(String who) { return \"hello \" + who; }").contains("created method greet"));
        assertTrue(run("w2.call(() -> greet(\"deep\"))").endsWith("==> \"hello deep\""),
                "a snippet method reaches the second level through the first");
        String ctx = run("/contexts");
        assertTrue(ctx.matches("(?s).*w1 .*\\n\\|  [ │]  └─ w2 .*"), "w2 sits under w1:\n" + ctx);
        assertTrue(run("/routes w1").contains("-> w2"));
        assertTrue(fail("/in-process w3 --quick").contains("unknown option --quick"));
    }

    @Test
    void localIsPredefinedAndStartedOnFirstUse() {
        String out = run("local.call(() -> ProcessHandle.current().pid())");
        long pid = shell.session().context("local").pid();
        assertTrue(out.matches("\\$\\d+ ==> " + pid), out);
    }

    @Test
    void methodsAndRecordsTypedAtThePromptRunInTheChild() {
        assertTrue(run("String shout(String s) { return s.toUpperCase() + \"!\"; }").contains("created method shout(String)"));
        assertTrue(run("record Disk(String mount, long freeMb) {}").contains("created record Disk"));
        assertTrue(run("var path = \"/\";").contains("path ==> \"/\""));
        String disk = run("local.call(() -> new Disk(path, new java.io.File(path).getFreeSpace() >> 20))");
        assertTrue(disk.matches("\\$\\d+ ==> Disk\\[mount=/, freeMb=\\d+]"), disk);
        assertTrue(run("local.call(() -> shout(\"hi\"))").endsWith("==> \"HI!\""));
    }

    @Test
    void aRecordMadeByAMethodTypedAtThePromptComesBackThoughTheCallNeverNamesIt() {
        // the lambda names only probe(), whose declared type is Object: data from the child may name the record
        // because the call's lambda reaches probe()'s class, and that class makes it
        run("record Reading(String host, double load) {}");
        run("Object probe() { return new Reading(\"box\", 0.5); }");
        String out = run("local.call(() -> probe())");
        assertTrue(out.endsWith("==> Reading[host=box, load=0.5]"), out);
    }

    @Test
    void redefiningAMethodChangesWhatTheChildRunsAtItsNextCall() {
        run("String greet() { return \"hello\"; }");
        assertTrue(run("local.call(() -> greet())").endsWith("==> \"hello\""));
        assertTrue(run("String greet() { return \"bonjour\"; }").contains("modified method greet()"));
        assertTrue(run("local.call(() -> greet())").endsWith("==> \"bonjour\""));
    }

    @Test
    void aLambdaSeesTheMastersCurrentValueOfATopLevelVariable() {
        run("int limit = 3;");
        assertTrue(run("local.call(() -> limit * 2)").endsWith("==> 6"));
        run("limit = 10;");
        assertTrue(run("local.call(() -> limit * 2)").endsWith("==> 20"));
        run("String suffix = \"?\";");
        run("String ask(String s) { return s + suffix; }");
        assertTrue(run("local.call(() -> ask(\"why\"))").endsWith("==> \"why?\""), "read through a method too");
    }

    @Test
    void writesInTheChildDoNotFlowBack() {
        run("int counter = 1;");
        assertTrue(run("local.call(() -> ++counter)").endsWith("==> 2"));
        assertTrue(run("counter").endsWith("==> 1"));
    }

    @Test
    void aVariableThatCannotBeSentIsNamedWithItsType() {
        run("Thread worker = new Thread();");
        String out = fail("local.call(() -> worker.getName())");
        assertTrue(out.contains("cannot send variable worker (java.lang.Thread)"), out);
    }

    @Test
    void aVariableOnlyMentionedOutsideTheLambdaIsNotSent() {
        run("Thread other = new Thread();");
        assertTrue(run("other.getName().isEmpty() ? 0 : local.call(() -> 7)").endsWith("==> 7"));
    }

    @Test
    void aLambdaWithAMethodReferenceInsideRuns() {
        String out = run("local.call(() -> List.of(\"a\",\"bb\").stream().map(String::length).toList())");
        assertTrue(out.endsWith("==> [1, 2]"), out);
    }

    @Test
    void aLambdaInAMethodSeesVariablesReadThroughAMethodReferenceAndANestedLambda() {
        run("int factor = 3;");
        run("int offset = 1;");
        run("class Scale { static int by(int x) { return x * factor; } }");
        run("int scaled(int n) { return local.call(() -> Stream.of(n).map(Scale::by)"
                + ".map(x -> Stream.of(x).map(y -> y + offset).findFirst().get()).findFirst().get()); }");
        assertTrue(run("scaled(2)").endsWith("==> 7"), "2 * 3 + 1");
        run("factor = 10;");
        run("offset = 5;");
        assertTrue(run("scaled(2)").endsWith("==> 25"), "the child sees the current values: 2 * 10 + 5");
    }

    @Test
    void anAnonymousClassSeesTheVariablesItsMethodsRead() {
        run("String greeting = \"hello\";");
        String call = "local.call(new RemoteCallable<String>() { public String call() { return greeting + \"!\"; } })";
        assertTrue(run(call).endsWith("==> \"hello!\""));
        run("greeting = \"bye\";");
        assertTrue(run(call).endsWith("==> \"bye!\""));
    }

    @Test
    void aCapturedValueThatCannotBeSentIsNamed() {
        run("String who(Thread t) { return local.call(() -> t.getName()); }");
        String out = fail("who(new Thread())");
        assertTrue(out.contains("cannot send captured variable t (java.lang.Thread) to local: its value cannot be"
                + " serialized"), out);
    }

    @Test
    void openedContextsBecomeVariablesAndOnRunsInEachInParallel() {
        run("/local box2");
        run("/local box3");
        assertTrue(run("box2.call(() -> 40 + 2)").endsWith("==> 42"));
        String out = run("/on local,box2,box3 ProcessHandle.current().pid()");
        for (String n : List.of("local", "box2", "box3")) {
            long pid = shell.session().context(n).pid();
            assertTrue(out.contains("[" + n + "]") && out.contains(Long.toString(pid)), out);
        }
        assertTrue(out.contains("3 ok, 0 failed"), out);
        run("/local deep --via box2");
        assertTrue(run("deep.call(() -> ProcessHandle.current().parent().get().pid())")
                .endsWith("==> " + shell.session().context("box2").pid()), "deep's parent process is box2");
        String ctx = run("/contexts");
        assertTrue(ctx.contains("box3") && ctx.contains("connected"), ctx);
        assertTrue(ctx.matches("(?s).*[├└]─ box2.*\\n\\|  [ │]  └─ deep .*"), "deep sits under box2:\n" + ctx);
        assertTrue(run("/routes box2").contains("-> deep"));
        String routes = run("/routes");
        assertTrue(routes.contains("-> box2"), routes);
        assertTrue(run("/routes box2").contains("* -> parent (default)"));
        String stats = run("/stats");
        assertTrue(stats.matches("(?s).*\\d+ requests, .* classes .* sent.*"), stats);
        run("/disconnect box3");
        assertFalse(shell.session().has("box3"));
    }

    @Test
    void onReportsFailuresPerContext() {
        String out = fail("/on local Integer.parseInt(\"x\")");
        assertTrue(out.contains("[local]") && out.contains("NumberFormatException"), out);
        assertTrue(out.contains("0 ok, 1 failed"), out);
    }

    @Test
    void onAcceptsStatements() {
        assertTrue(run("/on local System.out.println(\"hi from on\")").contains("1 ok, 0 failed"));
    }

    @Test
    void compileErrorsShowDiagnosticsWithACaret() {
        String out = fail("int x = \"text\";");
        assertTrue(out.contains("incompatible types"), out);
        assertTrue(out.contains("^"), out);
    }

    @Test
    void remoteExceptionsShowTheRemoteClassAndAShortStack() {
        String out = fail("local.call(() -> java.nio.file.Files.readString(java.nio.file.Path.of(\"/nonexistent\")))");
        assertTrue(out.contains("|  Exception [local] java.nio.file.NoSuchFileException: /nonexistent"), out);
        assertTrue(out.contains("|        at [local] Files.readString (Files.java:"), out);
        assertTrue(out.matches("(?s).*\\|        at \\[local] lambda \\(#\\d+:1\\)\n\\|        at \\(#\\d+:1\\).*"), out);
        assertFalse(out.contains("dev.jitogen") || out.contains("CallSpec") || out.contains("Receiver"), "framework frames hidden:\n" + out);
        assertTrue(run("/stack").contains("NoSuchFileException"));
    }

    @Test
    void unknownCommandsAndContextsSuggestTheClosest() {
        assertTrue(fail("/contxts").contains("did you mean /contexts?"));
        assertTrue(fail("/on lcoal 1").contains("did you mean local?"));
    }

    @Test
    void everyCommandHasHelp() {
        String help = run("/help");
        for (String c : List.of("/local", "/in-process", "/ssh", "/sudo", "/su", "/doas", "/docker", "/podman",
                "/buildah", "/kubectl", "/lxc", "/lxd", "/incus", "/jail", "/setns", "/contexts", "/routes", "/on", "/stats", "/log", "/disconnect", "/list",
                "/vars", "/methods", "/types", "/imports", "/save", "/open", "/history", "/drop", "/reset", "/exit")) {
            assertTrue(help.contains(c), c + " missing from /help");
            assertTrue(run(c + " --help").contains("|  " + c), c);
        }
        assertTrue(help.contains("do not flow back"), "help says writes in a child stay there");
    }

    @Test
    void everyConnectionMethodGetsACommandWithHelpAndOptionParsing() {
        String help = run("/help");
        assertTrue(help.contains("/plugintest NAME [LABEL] [--quick] [--via CTX]"), help);
        assertTrue(run("/local --help").contains("--java PATH"));
        assertTrue(help.contains("/ssh [NAME] [[USER@]HOST[:PORT]]"), "the ssh plugin's command: " + help);
        assertTrue(run("/ssh --help").contains("--check-host-keys enforce|accept|ignore"));
        run("/plugintest viaplugin tagged --quick");
        long pid = shell.session().context("viaplugin").pid();
        List<String> argv = List.of(ProcessHandle.of(pid).orElseThrow().info().arguments().orElseThrow());
        assertTrue(argv.contains("jitogen:tagged"), argv.toString());
        assertTrue(run("viaplugin.call(() -> 1 + 1)").endsWith("==> 2"));
        assertTrue(fail("/local other --jav /usr/bin/java").contains("did you mean --java?"));
        assertTrue(fail("/local other2 --via nowhere").contains("no context called nowhere"));
    }

    @Test
    void theSshLibrarysLogLinesStayOffTheTerminalAndShowInLogMaster() {
        java.util.logging.Logger mina = java.util.logging.Logger.getLogger("org.apache.sshd.client.keyverifier.Test");
        printed.clear();
        mina.warning("handleKnownHostsFileUpdateFailure(ClientSessionImpl) failed");
        java.util.logging.Logger.getLogger("dev.jitogen.plugins.ssh").warning("could not record the host key");
        assertFalse(String.join("\n", printed).contains("handleKnownHostsFileUpdateFailure"), String.join("\n", printed));
        assertTrue(String.join("\n", printed).contains("could not record the host key"), "Jitogen's own warnings print");
        String log = run("/log master");
        assertTrue(log.contains("[master] WARNING org.apache.sshd.client.keyverifier.Test: "
                + "handleKnownHostsFileUpdateFailure(ClientSessionImpl) failed"), log);
    }

    @Test
    void jshellCommandsListWhatWasTyped() {
        run("int listed = 5;");
        run("void noop() {}");
        assertTrue(run("/vars").contains("int listed = 5"));
        assertTrue(run("/methods").contains("noop"));
        assertTrue(run("/list").contains("int listed = 5;"));
        assertTrue(run("/imports").contains("import java.util.*"));
        run("/drop listed");
        assertFalse(run("/vars").contains("listed"));
    }

    @Test
    void multiLineSnippetsAreCompletedBeforeTheyRun() {
        assertFalse(shell.isComplete("int twice(int x) {"));
        assertTrue(shell.isComplete("int twice(int x) {\n return 2 * x;\n}"));
        run("int twice(int x) {\n return 2 * x;\n}");
        assertTrue(run("local.call(() -> twice(21))").endsWith("==> 42"));
    }

    @Test
    void completionOffersContextMethods() {
        int[] anchor = new int[1];
        List<String> s = shell.completions("local.cal", 9, anchor);
        assertTrue(s.contains("call("), s.toString());
        assertEquals(6, anchor[0]);
    }

    @Test
    void savedSessionsReplayWithExitCodes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("today.jsh");
        try (Shell s = new Shell(line -> {})) {
            assertTrue(s.run("String hello(String n) { return \"hello \" + n; }"));
            assertFalse(s.run("int broken = ;"), "failed snippets are not saved");
            assertTrue(s.run("local.call(() -> hello(\"child\"))"));
            assertTrue(s.run("/save " + file));
        }
        List<String> saved = Files.readAllLines(file);
        assertEquals(2, saved.size(), saved.toString());

        List<String> out = new CopyOnWriteArrayList<>();
        assertEquals(0, Script.run(List.of(file), out::add, true));
        assertTrue(out.stream().anyMatch(l -> l.endsWith("==> \"hello child\"")), out.toString());

        Path bad = dir.resolve("bad.jsh");
        Files.writeString(bad, "int a = 1;\n\nString f(int x) {\n  return \"x\" + x;\n}\nlocal.call(() -> Integer.parseInt(\"nope\"))\nint b = 2;\n");
        out.clear();
        assertEquals(1, Script.run(List.of(bad), out::add, false));
        assertTrue(out.stream().anyMatch(l -> l.contains("bad.jsh:6: failed")), out.toString());
        assertEquals(2, Script.run(List.of(dir.resolve("missing.jsh")), out::add, false));
    }

    @Test
    void aLambdaHeldInAVariableTravelsAndOneTheJdkMadeIsRefusedSayingWhatToDo() {
        run("Function<Integer, Integer> dbl = x -> x * 2;");
        assertTrue(run("local.call(() -> dbl.apply(21))").endsWith("==> 42"), "lambdas typed at the prompt are serializable");
        run("Comparator<String> byLength = Comparator.comparing(String::length);");
        String out = fail("local.call(() -> Stream.of(\"ccc\", \"a\").sorted(byLength).toList())");
        assertTrue(out.contains("cannot send variable byLength (a lambda of type java.util.Comparator) to local: it was "
                + "made by the JDK"), out);
        run("Comparator<String> byLength2 = (a, b) -> Integer.compare(a.length(), b.length());");
        assertTrue(run("local.call(() -> Stream.of(\"ccc\", \"a\").sorted(byLength2).toList())").endsWith("==> [a, ccc]"));
    }
}
