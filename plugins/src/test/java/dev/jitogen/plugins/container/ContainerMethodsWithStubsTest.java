package dev.jitogen.plugins.container;

import dev.jitogen.core.Context;
import dev.jitogen.core.LocalOptions;
import dev.jitogen.core.Router;
import dev.jitogen.core.StreamError;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The container methods against stub programs (no Docker engine, Kubernetes, LXC, Incus or FreeBSD jail can run
 * here): each method's command line is checked as the stub recorded it, and a real child JVM answers behind it.
 * setns is checked with real nsenter, entering the test JVM's own namespaces (the stub docker names its pid).
 */
class ContainerMethodsWithStubsTest {
    static Router router;
    static Stubs stubs;
    static final String JAVA = ProcessHandle.current().info().command().orElseThrow();

    @BeforeAll
    static void start() throws Exception {
        router = Router.create();
        stubs = new Stubs(null, ProcessHandle.current().pid());
    }

    @AfterAll
    static void stop() {
        router.close();
    }

    /** Connects, checks a call, and returns the stub's record of the call that started it. */
    private static String check(String tool, dev.jitogen.plugins.command.CommandContext<?> options) throws Exception {
        int before = stubs.calls().size();
        Context c = options.javaPath(JAVA).connect(router);
        assertEquals(42, c.call(() -> 40 + 2));
        List<String> calls = stubs.calls();
        assertTrue(calls.size() > before, tool + " stub was not called");
        String call = calls.get(calls.size() - 1);
        assertTrue(call.startsWith(tool + " "), call);
        assertTrue(call.contains(" [/bin/sh] [-c] ["), "ends in /bin/sh -c SCRIPT: " + call);
        c.shutdown();
        return call.substring(0, call.indexOf(" [/bin/sh] [-c] ["));
    }

    @Test
    void dockerExecIntoAContainerAsAUser() throws Exception {
        assertEquals("docker [exec] [-i] [--user=app] [web]",
                check("docker", Docker.into("web").username("app").toolPath(stubs.tool("docker"))));
    }

    @Test
    void dockerRunsATemporaryContainerFromAnImage() throws Exception {
        assertEquals("docker [run] [-i] [--rm] [debian:12]",
                check("docker", Docker.image("debian:12").toolPath(stubs.tool("docker"))));
    }

    @Test
    void podmanBuildahKubectlLxcLxdIncusAndJail() throws Exception {
        assertEquals("podman [exec] [-i] [web]", check("podman", Podman.into("web").toolPath(stubs.tool("podman"))));
        assertEquals("buildah [run] [--user=app] [wc] [--]",
                check("buildah", Buildah.into("wc").username("app").toolPath(stubs.tool("buildah"))));
        assertEquals("kubectl [--context] [test] [exec] [-i] [pod1] [-c] [app] [--]",
                check("kubectl", Kubectl.pod("pod1").container("app").kubectlArgs(List.of("--context", "test"))
                        .toolPath(stubs.tool("kubectl"))));
        assertEquals("lxc-attach [--clear-env] [-n] [c1] [--]", check("lxc-attach", Lxc.into("c1").toolPath(stubs.tool("lxc-attach"))));
        assertEquals("lxc [exec] [--mode=noninteractive] [c1] [--]", check("lxc", Lxd.into("c1").toolPath(stubs.tool("lxc"))));
        assertEquals("incus [exec] [--mode=non-interactive] [c1] [--]", check("incus", Incus.into("c1").toolPath(stubs.tool("incus"))));
        assertEquals("jexec [-U] [app] [jail1]", check("jexec", Jail.into("jail1").username("app").toolPath(stubs.tool("jexec"))));
    }

    @Test
    void setnsAsksTheManagerForThePidAndEntersItsNamespacesWithRealNsenter() throws Exception {
        int before = stubs.calls().size();
        Context c = Setns.into("web", Setns.Kind.DOCKER).toolPath(stubs.tool("docker")).javaPath(JAVA).connect(router);
        assertEquals(42, c.call(() -> 40 + 2));
        assertEquals("docker [inspect] [--format] [{{.State.Pid}}] [web]", stubs.calls().get(before));
        String parent = c.call(() -> ProcessHandle.current().parent().flatMap(p -> p.info().command()).orElse("?"));
        assertTrue(parent.endsWith("nsenter"), "nsenter forked the child into the PID namespace: " + parent);
        String mine = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/ns/mnt")).toString();
        assertEquals(mine, c.call(() -> java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/ns/mnt"))
                .toString()), "the child is in the namespaces of the pid docker named");
        c.shutdown();
    }

    @Test
    void containerMethodsWorkThroughAnotherContext() throws Exception {
        Context hop = router.local(LocalOptions.builder().name("hop").build());
        Context c = Docker.into("web").toolPath(stubs.tool("docker")).javaPath(JAVA).via(hop).connect(router);
        assertSame(hop, c.via());
        long hopPid = hop.pid();
        assertTrue(c.call(() -> ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L)) > 0);
        assertEquals(hopPid, (long) ProcessHandle.of(c.pid()).flatMap(ProcessHandle::parent)
                .map(ProcessHandle::pid).orElse(-2L), "the tool was started by hop");
        hop.shutdown();
    }

    @Test
    void aMissingToolIsAClearStreamError() {
        StreamError e = assertThrows(StreamError.class, () -> Podman.into("web").toolPath("/nonexistent/podman")
                .javaPath(JAVA).connect(router));
        assertTrue(e.getMessage().contains("/nonexistent/podman"), e.getMessage());
    }
}
