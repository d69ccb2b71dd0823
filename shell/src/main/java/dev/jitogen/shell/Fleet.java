package dev.jitogen.shell;

import dev.jitogen.core.CallError;
import dev.jitogen.core.Context;
import dev.jitogen.core.Receiver;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One call in many contexts at once, for {@code /on} and {@code /sh}: each result printed under its context's
 * label as it arrives, a progress line while some are pending, and a summary ({@code 2 ok, 1 failed in 0.31 s}).
 * And work on many hosts with at most N at a time ({@link #bounded}), for {@code /connect} and the one-shot
 * {@code jitogen on} and {@code jitogen sh}.
 *
 * <p>Threads: {@link #fanOut} runs on the shell thread and waits there (Ctrl-C interrupts it, which cancels the
 * calls still pending); one waiter thread per target (at most 64) takes each reply and prints it through the
 * thread-safe printer. {@link #bounded} runs the work on N fork threads of its own and its callback on the
 * calling thread.
 */
final class Fleet {
    private Fleet() {}

    /** Prints one result under its label; returns whether it counts as success. Runs on a waiter thread. */
    @FunctionalInterface
    interface ResultPrinter {
        boolean print(String name, String label, Object value);
    }

    /**
     * Starts {@code call} in every target, then prints the results as they come.
     *
     * @param failures where what each failed context threw is put, by name
     * @param ordered  print the results in the targets' order, on the calling thread, and the summary without the
     *                 time: what a notebook records, the same on every run against an unchanged fleet
     * @return true if every target succeeded
     */
    static boolean fanOut(Shell.Printer print, List<Context> targets, Function<Context, Receiver<?>> call,
                          ResultPrinter printer, Map<String, Throwable> failures, boolean ordered) {
        int width = targets.stream().mapToInt(c -> c.name().length()).max().orElse(0) + 3;
        if (ordered) return inOrder(print, targets, call, printer, failures, width);
        long start = System.nanoTime();
        ExecutorService waiters = Executors.newFixedThreadPool(Math.max(1, Math.min(targets.size(), 64)), r -> {
            Thread t = new Thread(r, "jitogen-fan-out");
            t.setDaemon(true);
            return t;
        });
        try {
            CompletionService<Boolean> done = new ExecutorCompletionService<>(waiters);
            List<Future<Boolean>> futures = new ArrayList<>();
            for (Context c : targets) {
                String label = pad("[" + c.name() + "]", width);
                Receiver<?> r;
                try {
                    r = call.apply(c);
                } catch (RuntimeException e) {
                    failures.put(c.name(), e);
                    futures.add(done.submit(() -> {
                        print.async(block(label, message(e)));
                        return false;
                    }));
                    continue;
                }
                futures.add(done.submit(() -> {
                    try {
                        return printer.print(c.name(), label, r.get());
                    } catch (RuntimeException e) {
                        failures.put(c.name(), e);
                        print.async(block(label, message(e)));
                        return false;
                    }
                }));
            }
            int ok = 0, failed = 0;
            try {
                for (int i = 0; i < targets.size(); i++) {
                    Future<Boolean> f;
                    while ((f = done.poll(250, TimeUnit.MILLISECONDS)) == null) {
                        print.progress("… " + (targets.size() - i) + " of " + targets.size() + " pending, "
                                + seconds(start) + " s");
                    }
                    if (f.get()) ok++;
                    else failed++;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                futures.forEach(f -> f.cancel(true));
                print.async("|  interrupted: " + ok + " ok, " + failed + " failed, " + (targets.size() - ok - failed)
                        + " abandoned");
                return false;
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
            print.async(ok + " ok, " + failed + " failed in " + seconds(start) + " s");
            return failed == 0;
        } finally {
            waiters.shutdownNow();
        }
    }

    /** {@link #fanOut} in the targets' order: every call starts at once, and each result waits for those before it. */
    private static boolean inOrder(Shell.Printer print, List<Context> targets, Function<Context, Receiver<?>> call,
                                   ResultPrinter printer, Map<String, Throwable> failures, int width) {
        List<Object> started = new ArrayList<>(); // a Receiver, or what starting the call threw
        for (Context c : targets) {
            try {
                started.add(call.apply(c));
            } catch (RuntimeException e) {
                started.add(e);
            }
        }
        int ok = 0, failed = 0;
        for (int i = 0; i < targets.size(); i++) {
            Context c = targets.get(i);
            String label = pad("[" + c.name() + "]", width);
            try {
                if (started.get(i) instanceof RuntimeException e) throw e;
                if (printer.print(c.name(), label, ((Receiver<?>) started.get(i)).get())) ok++;
                else failed++;
            } catch (RuntimeException e) {
                failures.put(c.name(), e);
                print.async(block(label, message(e)));
                failed++;
            }
        }
        print.async(ok + " ok, " + failed + " failed");
        return failed == 0;
    }

    /** What became of one item of {@link #bounded}: the work's value, or what it threw; how long it took. */
    record Outcome<T, R>(T item, R value, Throwable error, long nanos) {
        boolean ok() {
            return error == null;
        }

        long millis() {
            return nanos / 1_000_000;
        }
    }

    /**
     * Runs {@code work} for every item, at most {@code forks} at a time (as Ansible's forks), each on a fork thread
     * of its own, and hands each outcome to {@code onEach} on the calling thread as it comes. A progress line says
     * how many are done, failed and pending. One item's failure never stops the others.
     *
     * @param verb what the progress line calls the work ("connecting")
     * @return every outcome, in the order they came
     * @throws InterruptedException if the calling thread is interrupted (Ctrl-C): items not started never start,
     *                              and those running are interrupted and given a few seconds to end
     */
    static <T, R> List<Outcome<T, R>> bounded(Shell.Printer print, String verb, List<T> items, int forks,
                                               Function<T, R> work, Consumer<Outcome<T, R>> onEach)
            throws InterruptedException {
        if (forks < 1) throw new IllegalArgumentException("--forks must be at least 1, not " + forks);
        List<Outcome<T, R>> out = new ArrayList<>();
        if (items.isEmpty()) return out;
        long start = System.nanoTime();
        java.util.concurrent.atomic.AtomicInteger threads = new java.util.concurrent.atomic.AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(forks, items.size()), r -> {
            Thread t = new Thread(r, "jitogen-fork-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            CompletionService<Outcome<T, R>> done = new ExecutorCompletionService<>(pool);
            for (T item : items) {
                done.submit(() -> {
                    long t0 = System.nanoTime();
                    try {
                        return new Outcome<>(item, work.apply(item), null, System.nanoTime() - t0);
                    } catch (RuntimeException | Error e) {
                        return new Outcome<>(item, null, e, System.nanoTime() - t0);
                    }
                });
            }
            int ok = 0, failed = 0;
            while (ok + failed < items.size()) {
                Future<Outcome<T, R>> f = done.poll(250, TimeUnit.MILLISECONDS);
                if (f == null) {
                    print.progress(verb + ": " + ok + " done, " + failed + " failed, " + (items.size() - ok - failed)
                            + " pending, " + seconds(start) + " s");
                    continue;
                }
                Outcome<T, R> o;
                try {
                    o = f.get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException(e.getCause()); // the task catches what work throws
                }
                if (o.ok()) ok++;
                else failed++;
                out.add(o);
                onEach.accept(o);
            }
            return out;
        } catch (InterruptedException e) {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
            throw e;
        } finally {
            pool.shutdownNow();
        }
    }

    /** A value under a label: its first line after the label, the others indented to line up with it. */
    static String block(String label, String text) {
        String pad = " ".repeat(label.length());
        StringBuilder b = new StringBuilder();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) b.append('\n');
            b.append(i == 0 ? label : pad).append(ContextOutput.escape(lines[i]));
        }
        return b.toString();
    }

    static String message(Throwable e) {
        if (e instanceof CallError c) return c.remoteClassName() + (c.remoteMessage() != null ? ": " + c.remoteMessage() : "");
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    static String seconds(long start) {
        return String.format(java.util.Locale.ROOT, "%.2f", (System.nanoTime() - start) / 1e9);
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s + " " : s + " ".repeat(width - s.length());
    }
}
