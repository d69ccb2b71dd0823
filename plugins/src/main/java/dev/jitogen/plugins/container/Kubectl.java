package dev.jitogen.plugins.container;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A context in a Kubernetes pod (Mitogen's {@code Router.kubectl}):
 * {@code kubectl [ARGS] exec -i POD [-c CONTAINER] -- /bin/sh -c SCRIPT}. {@link #kubectlArgs} go before
 * {@code exec} ({@code --context}, {@code -n NAMESPACE}, {@code --kubeconfig}...).
 *
 * <p>A mutable builder: configure on one thread, then {@link #connect(dev.jitogen.core.Router)}.
 */
public final class Kubectl extends ContainerContext<Kubectl> {
    private String pod;
    private List<String> kubectlArgs = List.of();

    private Kubectl() {}

    /** Enter pod {@code pod} (its first container unless {@link #container} names one). */
    public static Kubectl pod(String pod) {
        Kubectl k = new Kubectl();
        k.pod = pod;
        return k;
    }

    /** Arguments for kubectl itself, before {@code exec}. */
    public Kubectl kubectlArgs(List<String> args) {
        this.kubectlArgs = List.copyOf(args);
        return this;
    }

    @Override
    protected String method() {
        return "kubectl";
    }

    @Override
    protected String defaultTool() {
        return "kubectl";
    }

    @Override
    protected List<String> argv(String script) {
        if (pod == null || pod.isBlank()) throw new IllegalArgumentException("kubectl needs the name of a pod");
        List<String> argv = new ArrayList<>(List.of(tool()));
        argv.addAll(kubectlArgs);
        argv.addAll(List.of("exec", "-i", pod));
        if (container != null) argv.addAll(List.of("-c", container));
        argv.add("--");
        return withShell(argv, script);
    }

    /** The {@code kubectl} connection method for the shell. */
    public static final class Method extends ContainerContext.Method {
        public Method() {
            super("kubectl", "enter a Kubernetes pod (kubectl exec)", "--kubectl-path", false, Kubectl::new);
        }

        @Override
        protected List<Option> ownOptions() {
            return List.of(
                    new Option("pod", null, "POD", "the pod to enter"),
                    new Option("container", "--container", "NAME", "the container in the pod (default its first)"),
                    new Option("kubectl-args", "--kubectl-args", "ARGS", "kubectl options before exec, space-separated"),
                    new Option("tool-path", "--kubectl-path", "PATH", "the kubectl program"));
        }

        @Override
        protected void extra(ContainerContext<?> c, Map<String, String> o) {
            Kubectl k = (Kubectl) c;
            k.pod = o.get("pod");
            if (o.containsKey("kubectl-args")) k.kubectlArgs(List.of(o.get("kubectl-args").trim().split("\\s+")));
        }
    }
}
