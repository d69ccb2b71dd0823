package dev.jitogen.docs;

import org.junit.jupiter.api.Test;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The docs' Java examples are code: every {@code ```java} block of every page compiles against the project, and
 * the programs among them (those with a {@code main}) run and print what the page says.
 */
class DocExamplesTest {
    private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern CLASS = Pattern.compile("public class (\\w+)");

    record Example(String page, int index, String source) {}

    static List<Example> examples(String page) throws Exception {
        List<Example> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(Files.readString(Path.of(page)));
        for (int i = 0; m.find(); i++) out.add(new Example(page, i, m.group(1)));
        return out;
    }

    /** Compiles an example (a whole class, or statements wrapped in one) and returns a loader for it. */
    static URLClassLoader compile(Example e, Path dir) throws Exception {
        String source = e.source();
        Matcher c = CLASS.matcher(source);
        String name;
        if (c.find()) {
            name = c.group(1);
        } else {
            name = "Snippet" + e.index();
            source = "import dev.jitogen.core.*;\nimport dev.jitogen.plugins.ssh.*;\nimport dev.jitogen.plugins.become.*;\n"
                    + "import dev.jitogen.plugins.container.*;\nimport dev.jitogen.plugins.inventory.*;\n"
                    + "import dev.jitogen.plugins.files.*;\nimport dev.jitogen.plugins.service.*;\nimport java.util.*;\n"
                    + "import java.time.*;\nimport java.nio.file.*;\nimport java.util.stream.*;\n"
                    + "class " + name + " { static void run(" + (source.contains("Router router") ? "" : "Router router")
                    + ") throws Exception {\n" + source + "\n} }\n";
        }
        Path file = dir.resolve(name + ".java");
        Files.writeString(file, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = javac.run(null, null, err, "-d", dir.toString(), "-cp", System.getProperty("java.class.path"),
                file.toString());
        assertEquals(0, rc, e.page() + " example " + e.index() + " does not compile:\n" + err + "\n" + source);
        return new URLClassLoader(new URL[]{dir.toUri().toURL()}, DocExamplesTest.class.getClassLoader());
    }

    @Test
    void everyJavaExampleCompiles() throws Exception {
        for (String page : List.of("getting-started.md", "how-it-works.md", "ssh.md", "connection-methods.md", "security.md",
                "inventory.md", "files.md")) {
            for (Example e : examples(page)) {
                Path dir = Files.createTempDirectory("doc-example");
                compile(e, dir).close();
            }
        }
    }

    /** A statement example that makes its router itself, and so needs nothing from the page around it. */
    private static boolean opensItsOwnRouter(String source) {
        return source.contains("Router.create()") || source.contains("Router.builder()");
    }

    @Test
    void everyStatementExampleThatOpensItsOwnRouterRuns() throws Exception {
        int ran = 0;
        for (String page : List.of("getting-started.md", "how-it-works.md", "security.md", "files.md")) {
            for (Example e : examples(page)) {
                if (CLASS.matcher(e.source()).find() || !opensItsOwnRouter(e.source())) continue;
                Thread t = Thread.currentThread();
                ClassLoader old = t.getContextClassLoader();
                try (URLClassLoader loader = compile(e, Files.createTempDirectory("doc-example"))) {
                    t.setContextClassLoader(loader); // the router serves the example's classes from here
                    var run = loader.loadClass("Snippet" + e.index()).getDeclaredMethod("run");
                    run.setAccessible(true);
                    run.invoke(null);
                    ran++;
                } catch (java.lang.reflect.InvocationTargetException x) {
                    throw new AssertionError(page + " example " + e.index() + " failed:\n" + e.source(), x.getCause());
                } finally {
                    t.setContextClassLoader(old);
                }
            }
        }
        assertTrue(ran >= 4, ran + " examples ran");
    }

    @Test
    void theShellPagesSessionReplaysWithJitogenRun() throws Exception {
        Matcher m = Pattern.compile("```jsh\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(Path.of("shell.md")));
        assertTrue(m.find(), "shell.md has a ```jsh session");
        Path script = Files.createTempDirectory("doc-session").resolve("session.jsh");
        Files.writeString(script, m.group(1));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), "dev.jitogen.shell.Main", "run", "--echo", script.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("jitogen> String shout(String s) { return s.toUpperCase() + \"!\"; }\n|  created method shout(String)"), out);
        assertTrue(out.matches("(?s).*Disk\\[mount=/, freeMb=\\d+].*"), out);
        assertTrue(out.contains("==> [OPS!, DEV!]"), out);
        assertTrue(out.contains("2 ok, 0 failed"), out);
        assertTrue(out.contains("[box2]  exit 0"), out);
        assertTrue(out.contains("└─ box2"), out);
    }

    @Test
    void theNotebooksPageQuotesTheExampleRunbookThatInstallTestChecks() throws Exception {
        // the page's runbook fragments are the example's own text, whose outputs InstallTest checks in a fresh run
        String runbook = Files.readString(Path.of("examples", "runbook.md"));
        Matcher m = Pattern.compile("````markdown\n(.*?)````", Pattern.DOTALL)
                .matcher(Files.readString(Path.of("notebooks.md")));
        int quoted = 0;
        while (m.find() && !m.group(1).contains("/set feedback normal")) {
            assertTrue(runbook.contains(m.group(1)), "examples/runbook.md does not hold:\n" + m.group(1));
            quoted++;
        }
        assertEquals(2, quoted);
        assertTrue(Files.readString(Path.of("notebooks.md")).contains("\n## The Jupyter kernel\n"));
    }

    /** The blocks of one kind ({@code ini}, {@code jsh}, {@code sh}) in a section of a page, in order. */
    private static List<String> blocks(String page, String section, String kind) throws Exception {
        String text = Files.readString(Path.of(page));
        int start = text.indexOf("\n## " + section + "\n");
        assertTrue(start >= 0, page + " has a section " + section);
        int end = text.indexOf("\n## ", start + 4);
        Matcher m = Pattern.compile("```" + kind + "\\n(.*?)```", Pattern.DOTALL)
                .matcher(text.substring(start, end < 0 ? text.length() : end));
        List<String> out = new ArrayList<>();
        while (m.find()) out.add(m.group(1));
        return out;
    }

    /** Runs the launcher's main in a JVM of its own, in {@code dir}; returns its exit status and what it printed. */
    private static String[] jitogen(Path dir, List<String> args) throws Exception {
        // the launcher's JIT and GC flags: a shell that starts and ends at once has no use for C2
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "dev.jitogen.shell.Main"));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        return new String[]{Integer.toString(p.waitFor()), out};
    }

    /** A line of a ```sh block as the shell splits it: words, with 'single quotes' keeping spaces. */
    private static List<String> shellWords(String line) {
        List<String> words = new ArrayList<>();
        Matcher m = Pattern.compile("'([^']*)'|(\\S+)").matcher(line);
        while (m.find()) words.add(m.group(1) != null ? m.group(1) : m.group(2));
        return words;
    }

    @Test
    void theInventoryPagesLocalFleetRunsAsThePageSays() throws Exception {
        Path dir = Files.createTempDirectory("doc-inventory");
        Files.writeString(dir.resolve("hosts"), blocks("inventory.md", "Try it on this machine", "ini").get(0));
        Files.writeString(dir.resolve("session.jsh"), blocks("inventory.md", "Try it on this machine", "jsh").get(0));
        String[] session = jitogen(dir, List.of("run", "-i", "hosts", "--echo", "session.jsh"));
        assertEquals("0", session[0], session[1]);
        assertTrue(session[1].contains("3 connected, 0 failed in "), session[1]);
        assertTrue(session[1].matches("(?s).*\\[web1] pid \\d+.*\\[web2] pid \\d+.*|(?s).*\\[web2] pid \\d+.*\\[web1] pid \\d+.*"), session[1]);
        assertTrue(session[1].contains("[db1]  hello from ") && !session[1].contains("[web2] hello"), session[1]);
        assertTrue(session[1].contains("==> true"), session[1]);
        assertTrue(session[1].contains("|  disconnected 3 hosts"), session[1]);

        List<String> commands = blocks("inventory.md", "Try it on this machine", "sh").get(0).lines().toList();
        assertEquals(2, commands.size(), commands.toString());
        String[] sh = jitogen(dir, shellWords(commands.get(0)).subList(1, shellWords(commands.get(0)).size()));
        assertEquals("0", sh[0], sh[1]);
        assertTrue(sh[1].contains("[web1] 42\n[web1] exit 0") && sh[1].contains("[web2] 42\n[web2] exit 0"), sh[1]);
        String[] on = jitogen(dir, shellWords(commands.get(1)).subList(1, shellWords(commands.get(1)).size()));
        assertEquals("0", on[0], on[1]);
        for (String h : List.of("web1", "web2", "db1")) {
            assertTrue(on[1].matches("(?s).*\\{\"host\":\"" + h + "\",\"ok\":true,\"value\":true,\"error\":null,\"ms\":\\d+}.*"), on[1]);
        }
    }

    @Test
    void gettingStartedFirstExampleRunsAndDoesWhatThePageSays() throws Exception {
        Example first = examples("getting-started.md").get(0);
        List<String> log = new CopyOnWriteArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                log.add(r.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger jitogen = Logger.getLogger("dev.jitogen"); // held: JUL keeps loggers only weakly
        jitogen.addHandler(h);
        PrintStream oldOut = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread t = Thread.currentThread();
        ClassLoader oldLoader = t.getContextClassLoader();
        try (URLClassLoader loader = compile(first, Files.createTempDirectory("doc-example"))) {
            System.setOut(new PrintStream(out, true));
            t.setContextClassLoader(loader); // the router serves the example's classes from here
            loader.loadClass("FirstContext").getMethod("main", String[].class).invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(oldOut);
            t.setContextClassLoader(oldLoader);
            jitogen.removeHandler(h);
        }
        String printed = out.toString();
        assertTrue(printed.contains("failed remotely with java.nio.file.NoSuchFileException"), printed);
        assertTrue(printed.matches("(?s).*child \\d+ runs Java " + Pattern.quote(System.getProperty("java.version")) + ".*"),
                printed);
        assertTrue(log.contains("[local] stdout: hello"), log.toString());
    }
}
