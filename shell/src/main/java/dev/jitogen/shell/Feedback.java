package dev.jitogen.shell;

import dev.jitogen.core.CallError;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShellException;
import jdk.jshell.MethodSnippet;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.TypeDeclSnippet;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.VarSnippet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Turns JShell's events into the lines the shell prints, in the style of the JDK's {@code jshell} ("normal"
 * feedback): {@code $1 ==> 42}, {@code |  created method shout(String)}, diagnostics with a caret, exceptions with
 * a short stack. Pure functions.
 */
final class Feedback {
    static final int SHORT_STACK = 6;

    private Feedback() {}

    /** A value as jshell shows it: strings quoted, arrays expanded, null as null. */
    static String value(Object v) {
        if (v == null) return "null";
        if (v instanceof String s) return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
        if (v instanceof Character c) return "'" + c + "'";
        if (v.getClass().isArray()) {
            if (v instanceof Object[] a) return Arrays.deepToString(a);
            if (v instanceof byte[] a) return Arrays.toString(a);
            if (v instanceof int[] a) return Arrays.toString(a);
            if (v instanceof long[] a) return Arrays.toString(a);
            if (v instanceof double[] a) return Arrays.toString(a);
            if (v instanceof char[] a) return Arrays.toString(a);
            if (v instanceof boolean[] a) return Arrays.toString(a);
        }
        return String.valueOf(v);
    }

    /** What to print for one event of a successful snippet; empty if nothing. */
    static List<String> event(SnippetEvent e) {
        List<String> out = new ArrayList<>();
        Snippet s = e.snippet();
        boolean replaced = e.previousStatus() != Snippet.Status.NONEXISTENT && e.previousStatus() != Snippet.Status.REJECTED
                && e.causeSnippet() == null;
        String verb = replaced ? "replaced" : "created";
        switch (s.kind()) {
            case VAR -> {
                VarSnippet v = (VarSnippet) s;
                if (e.causeSnippet() != null) break;
                out.add(v.name() + " ==> " + (e.value() == null ? "null" : e.value()));
            }
            case EXPRESSION -> {
                String name = ((jdk.jshell.ExpressionSnippet) s).name();
                if (e.value() != null || !"void".equals(((jdk.jshell.ExpressionSnippet) s).typeName())) {
                    out.add(name + " ==> " + e.value());
                }
            }
            case METHOD -> {
                if (e.causeSnippet() == null) {
                    MethodSnippet m = (MethodSnippet) s;
                    out.add("|  " + verb + " method " + m.name() + "(" + m.parameterTypes() + ")");
                }
            }
            case TYPE_DECL -> {
                if (e.causeSnippet() == null) {
                    TypeDeclSnippet t = (TypeDeclSnippet) s;
                    out.add("|  " + verb + " " + kindName(t.subKind()) + " " + t.name());
                }
            }
            case STATEMENT -> {
                if (e.value() != null && !e.value().isEmpty()) out.add(e.value());
            }
            default -> {
            }
        }
        return out;
    }

    private static String kindName(Snippet.SubKind k) {
        return switch (k) {
            case INTERFACE_SUBKIND -> "interface";
            case ENUM_SUBKIND -> "enum";
            case ANNOTATION_TYPE_SUBKIND -> "annotation interface";
            case RECORD_SUBKIND -> "record";
            default -> "class";
        };
    }

    /** A compile error, jshell style: message, then the source line with a caret under the span. */
    static List<String> diagnostic(Diag d, String source) {
        List<String> out = new ArrayList<>();
        out.add("|  " + (d.isError() ? "Error:" : "Warning:"));
        for (String line : d.getMessage(Locale.ROOT).split("\n")) out.add("|  " + line);
        long start = Math.max(0, d.getStartPosition()), end = Math.max(start, d.getEndPosition());
        int lineStart = source.lastIndexOf('\n', (int) Math.min(start, source.length()) - 1) + 1;
        int lineEnd = source.indexOf('\n', (int) Math.min(start, source.length()));
        if (lineEnd < 0) lineEnd = source.length();
        String line = source.substring(lineStart, lineEnd);
        out.add("|  " + line);
        int from = (int) start - lineStart, to = (int) Math.min(end, lineEnd) - lineStart;
        String caret = to - from <= 1 ? "^" : "^" + "-".repeat(Math.max(0, to - from - 2)) + "^";
        out.add("|  " + " ".repeat(Math.max(0, from)) + caret);
        return out;
    }

    /** An exception thrown by a snippet: a few frames by default, all of them with {@code full}. */
    static List<String> exception(Throwable t, JShellException fallback, boolean full) {
        List<String> out = new ArrayList<>();
        if (t == null) {
            if (fallback instanceof UnresolvedReferenceException u) {
                out.add("|  Attempted to use " + u.getSnippet() + " which cannot be used until something it needs is defined");
                return out;
            }
            String cls = fallback instanceof EvalException ev ? ev.getExceptionClassName() : fallback.getClass().getName();
            out.add("|  Exception " + cls + (fallback.getMessage() == null ? "" : ": " + fallback.getMessage()));
            t = fallback;
        } else {
            out.add("|  Exception " + (t instanceof CallError ? CallError.class.getName() : t.getClass().getName())
                    + (t.getMessage() == null ? "" : ": " + t.getMessage()));
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c != t) out.add("|  Caused by: " + c);
            if (c != t && !full) continue; // causes by name only, unless /stack
            StackTraceElement[] st = c.getStackTrace();
            int shown = 0;
            for (StackTraceElement f : st) {
                if (f.getClassName().startsWith("jdk.internal.") || f.getClassName().startsWith("java.lang.reflect.")
                        || f.getClassName().startsWith("jdk.jshell.") || f.getClassName().startsWith("dev.jitogen.shell.")) {
                    break; // the shell's own machinery below the snippet
                }
                if (!full && shown == SHORT_STACK) {
                    out.add("|        ... (/stack shows the whole trace)");
                    break;
                }
                out.add("|        at " + frame(f));
                shown++;
            }
        }
        return out;
    }

    private static String frame(StackTraceElement f) {
        String s = f.toString();
        return s.startsWith("REPL.") ? s.replaceAll("REPL\\.\\$JShell\\$\\d+[A-Z]*\\.", "") : s;
    }
}
