package dev.jitogen.shell;

import dev.jitogen.core.CallError;
import jdk.jshell.DeclarationSnippet;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.ExpressionSnippet;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.MethodSnippet;
import jdk.jshell.Snippet;
import jdk.jshell.Snippet.Status;
import jdk.jshell.SnippetEvent;
import jdk.jshell.TypeDeclSnippet;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.VarSnippet;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * Turns what JShell reports into the lines the JDK's {@code jshell} prints, in its feedback modes
 * ({@code normal}, {@code concise}, {@code silent}): {@code $1 ==> 42}, {@code |  created method f(int)},
 * {@code |    update replaced variable r, reset to null}, compile errors with a caret, and exceptions with
 * {@code at divide (#23:5)} frames, the frames of a remote call labelled with its context's name.
 *
 * <p>Pure functions; any thread.
 */
final class Feedback {
    /** jshell's feedback modes: how much is said about what succeeded. Errors are always shown. */
    enum Mode {
        NORMAL, CONCISE, SILENT;

        static Mode parse(String s) {
            for (Mode m : values()) if (m.name().equalsIgnoreCase(s)) return m;
            return null;
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** jshell's truncation of values in feedback: declarations and assignments, then expressions. */
    static final int VAR_TRUNCATION = 80, EXPRESSION_TRUNCATION = 1000;
    /** Frames shown per exception before "... N more", unless the whole stack is asked for. */
    static final int SHORT_STACK = 12;
    private static final String PRE = "|  ";

    private Feedback() {}

    /** A value as jshell shows it: strings quoted and escaped, arrays as {@code int[2] { 1, 2 }}. */
    static String value(Object v) {
        return SnippetExecution.format(v);
    }

    /** jshell's truncation: the start, {@code " ... "}, and the last third. */
    static String truncate(String value, int max) {
        value = ContextOutput.escapeKeepingLines(value); // a value from a context must not drive the terminal
        if (value == null || value.length() <= max) return value;
        if (max <= 13) return value.substring(0, max);
        int end = max / 3;
        return value.substring(0, max - 5 - end) + " ... " + value.substring(value.length() - end);
    }

    // ---- events ---------------------------------------------------------------------------------------------------

    /**
     * What jshell prints for one event of an evaluation that was not rejected; empty for nothing.
     *
     * @param all every event of that evaluation (to tell a modified declaration from a replaced one)
     */
    static List<String> event(SnippetEvent e, List<SnippetEvent> all, JShell js, Mode mode) {
        List<String> out = new ArrayList<>();
        if (mode == Mode.SILENT || e.status() == Status.REJECTED) return out;
        Snippet s = e.snippet();
        boolean primary = e.causeSnippet() == null;
        String action = action(e.status(), e.previousStatus(), e.isSignatureChange() && !sameShape(e, all));
        boolean ok = e.status() == Status.VALID;
        switch (s.subKind()) {
            case CLASS_SUBKIND, INTERFACE_SUBKIND, ENUM_SUBKIND, ANNOTATION_TYPE_SUBKIND, RECORD_SUBKIND -> {
                if (!primary || mode == Mode.CONCISE && ok) break;
                TypeDeclSnippet t = (TypeDeclSnippet) s;
                out.add(PRE + action + " " + typeKind(t.subKind()) + " " + t.name() + resolve(t, e.status(), true, js));
            }
            case METHOD_SUBKIND -> {
                if (!primary || mode == Mode.CONCISE && ok) break;
                MethodSnippet m = (MethodSnippet) s;
                out.add(PRE + action + " method " + m.name() + "(" + m.parameterTypes() + ")"
                        + resolve(m, e.status(), true, js));
            }
            case VAR_DECLARATION_SUBKIND, VAR_DECLARATION_WITH_INITIALIZER_SUBKIND -> {
                VarSnippet v = (VarSnippet) s;
                if (e.status() == Status.DROPPED) {
                    if (primary) out.add(PRE + "dropped variable " + v.name());
                } else if (!primary) {
                    if (!action.equals("replaced")) break;
                    if (ok) out.add(PRE + "  update replaced variable " + v.name() + ", reset to null");
                    else if (e.status() == Status.RECOVERABLE_NOT_DEFINED) {
                        out.add(PRE + "  update replaced variable " + v.name() + resolve(v, e.status(), false, js));
                    }
                } else if (ok) {
                    if (mode != Mode.CONCISE) out.add(v.name() + " ==> " + truncate(e.value(), VAR_TRUNCATION));
                } else {
                    out.add(PRE + action + " variable " + v.name() + resolve(v, e.status(), true, js));
                }
            }
            case TEMP_VAR_EXPRESSION_SUBKIND -> {
                if (primary && ok) out.add(((VarSnippet) s).name() + " ==> " + truncate(e.value(), EXPRESSION_TRUNCATION));
            }
            case VAR_VALUE_SUBKIND -> {
                if (primary && ok) out.add(((ExpressionSnippet) s).name() + " ==> " + truncate(e.value(), EXPRESSION_TRUNCATION));
            }
            case ASSIGNMENT_SUBKIND -> {
                if (primary && ok && mode != Mode.CONCISE) {
                    out.add(((ExpressionSnippet) s).name() + " ==> " + truncate(e.value(), VAR_TRUNCATION));
                }
            }
            default -> {
                // statements and imports say nothing; their output is their own
            }
        }
        if (e.status() == Status.DROPPED && primary && s instanceof DeclarationSnippet d && !(s instanceof VarSnippet)) {
            out.clear();
            out.add(PRE + "dropped " + kindWord(d) + " " + d.name() + (d instanceof MethodSnippet m ? "(" + m.parameterTypes() + ")" : ""));
        }
        return out;
    }

    /**
     * Whether a redeclaration keeps the shape of the declaration it overwrites: jshell says "modified" then, and
     * "replaced" when the signature changed. JShell reports every redeclaration as a signature change here, because
     * Jitogen gives each changed snippet a class of its own (contexts cache classes by name), so look: a method with
     * the same signature, a variable of the same type, a type whose change reset no variable.
     */
    private static boolean sameShape(SnippetEvent e, List<SnippetEvent> all) {
        Snippet old = null;
        boolean reset = false;
        for (SnippetEvent x : all) {
            if (x.status() == Status.OVERWRITTEN && x.causeSnippet() == e.snippet()) old = x.snippet();
            if (x.causeSnippet() == e.snippet() && x.snippet() instanceof VarSnippet && x.status() != Status.OVERWRITTEN) reset = true;
        }
        if (old == null) return false;
        if (old instanceof MethodSnippet o && e.snippet() instanceof MethodSnippet n) return o.signature().equals(n.signature());
        if (old instanceof VarSnippet o && e.snippet() instanceof VarSnippet n) return o.typeName().equals(n.typeName());
        if (old instanceof TypeDeclSnippet && e.snippet() instanceof TypeDeclSnippet) return !reset;
        return false;
    }

    private static String action(Status status, Status previous, boolean signatureChange) {
        return switch (status) {
            case VALID, RECOVERABLE_DEFINED, RECOVERABLE_NOT_DEFINED ->
                    previous.isActive() ? (signatureChange ? "replaced" : "modified") : "created";
            case OVERWRITTEN -> "overwrote";
            default -> "dropped";
        };
    }

    private static String kindWord(DeclarationSnippet d) {
        if (d instanceof MethodSnippet) return "method";
        if (d instanceof TypeDeclSnippet t) return typeKind(t.subKind());
        return "variable";
    }

    static String typeKind(Snippet.SubKind k) {
        return switch (k) {
            case INTERFACE_SUBKIND -> "interface";
            case ENUM_SUBKIND -> "enum";
            case ANNOTATION_TYPE_SUBKIND -> "annotation interface";
            case RECORD_SUBKIND -> "record";
            default -> "class";
        };
    }

    /**
     * jshell's {@code {resolve}}: for a declaration that is not usable yet, what it waits for
     * ({@code , however, it cannot be invoked until method g() is declared}), or empty.
     */
    static String resolve(DeclarationSnippet d, Status status, boolean primary, JShell js) {
        if (status != Status.RECOVERABLE_DEFINED && status != Status.RECOVERABLE_NOT_DEFINED) return "";
        boolean defined = status == Status.RECOVERABLE_DEFINED;
        String until;
        Snippet.SubKind k = d.subKind();
        if (!defined) until = primary ? ", however, it cannot be referenced until" : " which cannot be referenced until";
        else if (k == Snippet.SubKind.METHOD_SUBKIND) until = primary ? ", however, it cannot be invoked until" : " which cannot be invoked until";
        else if (k == Snippet.SubKind.INTERFACE_SUBKIND) until = primary ? ", however, its methods cannot be invoked until" : " whose methods cannot be invoked until";
        else if (k == Snippet.SubKind.ENUM_SUBKIND || k == Snippet.SubKind.ANNOTATION_TYPE_SUBKIND) until = primary ? ", however, it cannot be used until" : " which cannot be used until";
        else until = primary ? ", however, it cannot be instantiated or its methods invoked until" : " which cannot be instantiated or its methods invoked until";
        List<String> unresolved = js.unresolvedDependencies(d).collect(Collectors.toList());
        List<Diag> errors = js.diagnostics(d).filter(Diag::isError).collect(Collectors.toList());
        StringBuilder b = new StringBuilder(until);
        if (!unresolved.isEmpty()) {
            b.append(' ');
            for (int i = 0; i < unresolved.size(); i++) {
                if (i > 0) b.append(i == unresolved.size() - 1 ? (unresolved.size() > 2 ? ", and " : " and ") : ", ");
                b.append(unresolved.get(i));
            }
            b.append(unresolved.size() == 1 ? " is declared" : " are declared");
            if (!errors.isEmpty()) b.append(" and");
        }
        if (!errors.isEmpty()) {
            b.append(errors.size() == 1 ? " this error is corrected: " : " these errors are corrected: ");
            for (Diag diag : errors) {
                for (String line : diagnosticLines(diag, d.source())) b.append('\n').append(PRE).append("    ").append(line);
            }
        }
        return b.toString();
    }

    // ---- compile errors -------------------------------------------------------------------------------------------

    /** A compile error, jshell style: {@code |  Error:}, the message, the source line and a caret under the span. */
    static List<String> diagnostic(Diag d, String source) {
        List<String> out = new ArrayList<>();
        out.add(PRE + (d.isError() ? "Error:" : "Warning:"));
        for (String line : diagnosticLines(d, source)) out.add(PRE + line);
        return out;
    }

    /**
     * A compile error in code the shell wrapped ({@code /on}'s lambda): positions in {@code wrapped} are shown
     * against {@code shown}, which starts at {@code offset} in it.
     */
    static List<String> diagnostic(Diag d, String wrapped, int offset, String shown) {
        List<String> out = new ArrayList<>();
        out.add(PRE + (d.isError() ? "Error:" : "Warning:"));
        int start = (int) d.getStartPosition() - offset, end = (int) d.getEndPosition() - offset;
        if (start < 0 || start > shown.length()) start = end = -1;
        for (String line : diagnosticLines(d, shown, start, Math.min(end, shown.length()))) out.add(PRE + line);
        return out;
    }

    /** The message (without javac's {@code location:} lines), then the source line and the caret line. */
    private static List<String> diagnosticLines(Diag d, String source) {
        return diagnosticLines(d, source, (int) d.getStartPosition(), (int) d.getEndPosition());
    }

    private static List<String> diagnosticLines(Diag d, String source, int start, int end) {
        List<String> out = new ArrayList<>();
        for (String line : d.getMessage(Locale.ROOT).split("\\r?\\n")) {
            if (!line.trim().startsWith("location:")) out.add(line);
        }
        if (start < 0 || end < 0) {
            start = 0;
            end = source.length();
        }
        start = Math.min(start, source.length());
        int lineStart = source.lastIndexOf('\n', Math.max(0, start - 1));
        lineStart = start == 0 ? 0 : lineStart + 1;
        int lineEnd = source.indexOf('\n', start);
        if (lineEnd < 0) lineEnd = source.length();
        out.add(source.substring(lineStart, lineEnd));
        StringBuilder caret = new StringBuilder(" ".repeat(start - lineStart)).append('^');
        boolean multiline = end > lineEnd;
        int last = (multiline ? lineEnd : end) - lineStart - 1;
        int first = start - lineStart;
        if (last > first) {
            caret.append("-".repeat(last - first - 1)).append(multiline ? "-..." : "^");
        }
        out.add(caret.toString());
        return out;
    }

    // ---- exceptions -----------------------------------------------------------------------------------------------

    /**
     * An exception a snippet threw, jshell style: {@code |  Exception java.lang.ArithmeticException: / by zero}
     * then {@code |        at divide (#23:5)}. A failure in a context reads {@code Exception [worker] ...} and its
     * frames {@code at [worker] divide (#23:5)}. Jitogen's own frames (and the JDK's reflection below them) are
     * left out unless {@code full}; so are frames past {@link #SHORT_STACK} unless {@code full} or {@code all}.
     *
     * @param raw        the exception as thrown in the master (a {@link CallError} for a remote failure), or null
     * @param translated JShell's form of it, whose frames name snippets ({@code #23:5}), or null
     * @param where      rewrites a snippet location ({@code #23:5}) for the reader, e.g. to {@code today.jsh:12}
     * @param hint       what to say after a shortened stack, e.g. "/stack shows all", or null
     * @param js         the JShell the snippets belong to
     */
    static List<String> exception(Throwable raw, JShellException translated, boolean full, boolean all,
                                  UnaryOperator<String> where, String hint, JShell js) {
        List<String> out = new ArrayList<>();
        if (raw == null && translated instanceof UnresolvedReferenceException u) {
            DeclarationSnippet d = u.getSnippet();
            String what = d instanceof MethodSnippet m ? "call method " + m.name() + "(" + m.parameterTypes() + ")"
                    : "use " + kindWord(d) + " " + d.name();
            out.add(PRE + "attempted to " + what + resolve(d, js.status(d), false, js));
            return out;
        }
        StackTraceElement[] enclosing = null;
        Throwable r = raw;
        JShellException t = translated;
        for (int level = 0; (r != null || t != null) && level < 32; level++) {
            out.add(PRE + (level == 0 ? "Exception " : "Caused by: ") + ContextOutput.escapeKeepingLines(headline(r, t)));
            StackTraceElement[] shown = t != null ? t.getStackTrace() : r.getStackTrace();
            StackTraceElement[] rawFrames = r != null ? r.getStackTrace() : shown;
            String context = r instanceof CallError ce ? ce.contextName() : null;
            int overlap = overlap(shown, enclosing);
            int printed = 0, hidden = 0;
            for (int i = 0; i < shown.length - overlap; i++) {
                StackTraceElement raw_i = i < rawFrames.length ? rawFrames[i] : shown[i];
                if (!full && isFramework(raw_i)) continue;
                if (!full && !all && printed == SHORT_STACK) {
                    hidden++;
                    continue;
                }
                boolean remote = context != null && context.equals(raw_i.getClassLoaderName());
                out.add(PRE + "      at " + (remote ? "[" + context + "] " : "") + ContextOutput.escape(frame(shown[i], where)));
                printed++;
            }
            if (hidden > 0) out.add(PRE + "      ... " + hidden + " more" + (hint != null ? " (" + hint + ")" : ""));
            else if (overlap > 0 && printed > 0) out.add(PRE + "      ...");
            enclosing = shown;
            r = r != null ? r.getCause() : null;
            t = t != null && t.getCause() instanceof JShellException next ? next : null;
        }
        return out;
    }

    private static String headline(Throwable r, JShellException t) {
        String cls, msg;
        if (r instanceof CallError ce) {
            cls = "[" + ce.contextName() + "] " + ce.remoteClassName();
            msg = ce.remoteMessage();
        } else if (r != null) {
            cls = r.getClass().getName();
            msg = r.getMessage();
        } else if (t instanceof EvalException ev) {
            cls = ev.getExceptionClassName();
            msg = ev.getMessage();
        } else {
            cls = t.getClass().getName();
            msg = t.getMessage();
        }
        cls = cls.replaceFirst("REPL\\.\\$JShell\\$\\d+[A-Z]*\\$", ""); // a class typed at the prompt, by its own name
        return msg == null ? cls : cls + ": " + msg;
    }

    /** Frames at the end of {@code frames} that {@code enclosing} ends with too: jshell shows them as "...". */
    private static int overlap(StackTraceElement[] frames, StackTraceElement[] enclosing) {
        if (enclosing == null) return 0;
        int n = 0, max = Math.min(frames.length, enclosing.length);
        while (n < max && frames[frames.length - 1 - n].equals(enclosing[enclosing.length - 1 - n])) n++;
        return n;
    }

    /** Jitogen's machinery, and the reflection between it and the user's code: not the user's business. */
    static boolean isFramework(StackTraceElement f) {
        String c = f.getClassName();
        return c.startsWith("dev.jitogen.") || c.startsWith("jdk.internal.") || c.startsWith("java.lang.reflect.")
                || c.startsWith("jdk.jshell.") || c.startsWith("sun.reflect.")
                || c.startsWith("java.lang.invoke.LambdaForm") || c.startsWith("java.lang.invoke.DirectMethodHandle");
    }

    private static final java.util.regex.Pattern LAMBDA = java.util.regex.Pattern.compile("lambda\\$(.*?)\\$(?:[0-9a-f]{8}\\$)?\\d+");

    /** javac's {@code lambda$do_it$$c4bb20e1$1} as {@code lambda}, {@code lambda$divide$0} as {@code lambda in divide}. */
    static String method(String name) {
        java.util.regex.Matcher m = LAMBDA.matcher(name);
        if (!m.matches()) return name;
        return m.group(1).equals("do_it$") || m.group(1).isEmpty() ? "lambda" : "lambda in " + m.group(1);
    }

    /** jshell's frame: {@code Integer.parseInt (Integer.java:668)}, or {@code divide (#23:5)} for a snippet. */
    static String frame(StackTraceElement f, UnaryOperator<String> where) {
        StringBuilder b = new StringBuilder();
        String cn = f.getClassName();
        if (!cn.isEmpty()) {
            if (cn.startsWith("REPL.$JShell$")) {
                // a snippet frame JShell could not place: show the class the user declared, if any
                int dollar = cn.indexOf('$', "REPL.$JShell$".length());
                cn = dollar < 0 ? "" : cn.substring(dollar + 1);
            } else {
                cn = cn.substring(cn.lastIndexOf('.') + 1);
            }
            if (!cn.isEmpty()) b.append(cn).append('.');
        }
        if (!f.getMethodName().isEmpty()) b.append(method(f.getMethodName())).append(' ');
        String file = f.getFileName();
        String loc;
        if (f.isNativeMethod()) loc = "Native Method";
        else if (file == null) loc = "Unknown Source";
        else if (f.getLineNumber() < 0) loc = file;
        else loc = file.startsWith("#") ? where.apply(file + ":" + f.getLineNumber()) : file + ":" + f.getLineNumber();
        return b.append('(').append(loc).append(')').toString();
    }
}
