package dev.jitogen.core;

import dev.jitogen.core.fixtures.Color;
import dev.jitogen.core.fixtures.Disk;
import dev.jitogen.core.serial.Codec;
import dev.jitogen.core.wire.Handles;
import dev.jitogen.core.wire.Message;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Fuzzes what a master reads from a child: the frame decoder ({@link Message#readFrom}) and the codec for data from
 * children (the router's allow-listed, bounded one), fed mutations of valid frames and Kryo payloads (calls,
 * replies with nested collections, JDK values, records, failures, and the shapes of known attacks).
 *
 * <p>A seeded mutation loop of its own rather than Jazzer: it needs no dependency and no native library, runs in
 * every {@code mvn verify}, and every input is a pure function of the seed and its iteration number, so a failure
 * is reproduced by its seed alone. What it asserts, per input: no {@link Error} escapes (out of memory, stack
 * overflow), decoding stops at its deadline (no input runs past {@link #HANG_SECONDS}), and no input allocates more
 * than a bound proportional to its size and to the element limit (see {@link #ALLOC_PER_ELEMENT}).
 *
 * <p>Runs for {@code fuzz.seconds} (default 10, to keep the whole suite under ten minutes) from seed {@code fuzz.seed} (default 13); nightly, e.g.
 * {@code mvn -B -o -pl core verify -Dtest=DecodeFuzzTest -Dfuzz.seconds=600 -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class DecodeFuzzTest {
    private static final long SECONDS = Long.getLong("fuzz.seconds", 10);
    private static final long SEED = Long.getLong("fuzz.seed", 13);
    /** A frame the fuzzer makes is never bigger than this; the decoder is told so. */
    private static final int MAX_FRAME = 1 << 20;
    /** The deadline each decode is given. */
    private static final long DEADLINE_NANOS = Duration.ofSeconds(2).toNanos();
    /** An input still decoding this long after it started is a hang: its deadline did not stop it. */
    private static final long HANG_SECONDS = 15;
    /**
     * The element limit the fuzzed router has: lower than the default, so that inputs that reach it (nested sets
     * above all) take milliseconds, not a second, and more inputs are tried. Work per input scales with it.
     */
    private static final int MAX_ELEMENTS = 1_000_000;
    /**
     * Allowed allocation per input: a fixed allowance, this many times its size (what it decodes into), and this
     * many per element it may count (hashing a set allocates an iterator per set visited, garbage at once).
     */
    private static final long ALLOC_FIXED = 32 << 20, ALLOC_PER_BYTE = 64, ALLOC_PER_ELEMENT = 128;

    record Point(int x, int y, String label, List<Point> around) {}

    private final Stats stats = new Stats();

    static final class Stats {
        long frames, parsed, badFrames, decoded, refusedClass, limits, malformed, slowestNanos, mostAllocated;
        final List<String> crashes = new ArrayList<>();
        final List<String> hangs = new ArrayList<>();
        volatile long startedAt;
        volatile long iteration = -1;
        volatile byte[] current;
    }

    @Test
    void framesAndPayloadsFromAChildNeverCrashHangOrExhaustTheMaster() throws Exception {
        try (Router router = Router.builder().maxMessageSize(MAX_FRAME).maxDataElements(MAX_ELEMENTS).build()) {
            router.sentForCall(DecodeFuzzTest.class.getName()); // as if a call of this class's lambdas was sent
            List<byte[]> seeds = seeds(router);
            Thread worker = new Thread(() -> run(router, seeds), "fuzz-worker");
            worker.setDaemon(true);
            Throwable[] fuzzerBug = new Throwable[1];
            worker.setUncaughtExceptionHandler((t, e) -> fuzzerBug[0] = e);
            long start = System.nanoTime();
            worker.start();
            while (worker.isAlive()) {
                worker.join(100);
                long began = stats.startedAt;
                if (began != 0 && System.nanoTime() - began > Duration.ofSeconds(HANG_SECONDS).toNanos()) {
                    stats.hangs.add("iteration " + stats.iteration + " (seed " + SEED + "): " + hex(stats.current));
                    worker.interrupt();
                    worker.join(5000);
                    break;
                }
            }
            System.out.printf("fuzz: seed %d, %d s: %d frames tried, %d parsed, %d refused by the frame decoder; "
                            + "%d values decoded, %d classes refused, %d limits hit, %d malformed; slowest decode %d ms, "
                            + "most allocated by one input %d KiB; %d crashes, %d hangs%n", SEED,
                    (System.nanoTime() - start) / 1_000_000_000, stats.frames, stats.parsed, stats.badFrames,
                    stats.decoded, stats.refusedClass, stats.limits, stats.malformed, stats.slowestNanos / 1_000_000,
                    stats.mostAllocated / 1024, stats.crashes.size(), stats.hangs.size());
            assertNull(fuzzerBug[0], "the fuzzer itself failed at iteration " + stats.iteration);
            assertEquals(List.of(), stats.hangs, "hangs");
            assertEquals(List.of(), stats.crashes, "crashes");
            assertTrue(stats.frames > 100, "too few frames tried: " + stats.frames);
        }
    }

    private void run(Router router, List<byte[]> seeds) {
        long end = System.nanoTime() + Duration.ofSeconds(SECONDS).toNanos();
        for (long i = 0; System.nanoTime() < end && !Thread.currentThread().isInterrupted(); i++) {
            Random random = new Random(SEED * 1_000_003L + i); // each input depends on the seed and i only
            byte[] input = mutate(random, seeds);
            stats.iteration = i;
            stats.current = input;
            try {
                feed(router, input, i);
            } catch (Throwable t) {
                stats.crashes.add("iteration " + i + " (seed " + SEED + "): " + t + " on " + hex(input));
                if (stats.crashes.size() > 20) return;
            }
        }
    }

    /** One input: every frame in it through the frame decoder, and each frame's data through the codec. */
    private void feed(Router router, byte[] input, long iteration) throws Throwable {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(input));
        while (true) {
            stats.frames++;
            Message m;
            try {
                m = Message.readFrom(in, MAX_FRAME);
            } catch (IOException e) {
                stats.badFrames++;
                return;
            }
            if (m == null) return;
            stats.parsed++;
            decode(router, m, iteration);
        }
    }

    private void decode(Router router, Message m, long iteration) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long allocatedBefore = mx.getCurrentThreadAllocatedBytes();
        long start = System.nanoTime();
        stats.startedAt = start;
        try {
            router.decode(m, true, start + DEADLINE_NANOS);
            stats.decoded++;
        } catch (RuntimeException e) {
            if (Codec.refusalIn(e) != null) stats.refusedClass++;
            else if (Codec.limitIn(e) != null) stats.limits++;
            else stats.malformed++;
        } finally {
            stats.startedAt = 0;
        }
        long took = System.nanoTime() - start;
        long allocated = mx.getCurrentThreadAllocatedBytes() - allocatedBefore;
        stats.slowestNanos = Math.max(stats.slowestNanos, took);
        stats.mostAllocated = Math.max(stats.mostAllocated, allocated);
        if (allocated > ALLOC_FIXED + ALLOC_PER_BYTE * m.data.length + ALLOC_PER_ELEMENT * MAX_ELEMENTS) {
            stats.crashes.add("iteration " + iteration + " (seed " + SEED + ") allocated " + allocated + " bytes for "
                    + m.data.length + " bytes of data: " + hex(m.data));
        }
    }

    // ---- inputs ---------------------------------------------------------------------------------------------------

    /** Valid frames, each holding a valid payload of one of the kinds a master reads. */
    private static List<byte[]> seeds(Router router) throws IOException {
        List<Object> values = new ArrayList<>();
        values.add(CallSpec.of((RemoteCallable<Integer>) () -> 42)); // a call: code, which data may not carry
        Map<String, List<Set<Integer>>> nested = new HashMap<>();
        nested.put("a", List.of(Set.of(1, 2), new HashSet<>(List.of(3))));
        nested.put("b", new ArrayList<>(List.of(new HashSet<>())));
        values.add(nested);
        values.add(new TreeMap<>(Map.of("x", new int[]{1, 2, 3}, "y", new long[]{4, 5})));
        values.add(new LinkedHashMap<>(Map.of(UUID.nameUUIDFromBytes(new byte[]{1}), Optional.of("u"))));
        values.add(List.of(Path.of("/etc/hosts"), Instant.ofEpochSecond(1_700_000_000), LocalDate.of(2024, 2, 29),
                new BigDecimal("3.14159"), InetAddress.getLoopbackAddress(), Duration.ofMinutes(5)));
        EnumMap<Color, String> colors = new EnumMap<>(Color.class);
        colors.put(Color.GREEN, "go");
        values.add(colors);
        BitSet bits = new BitSet();
        bits.set(3);
        bits.set(200);
        values.add(bits);
        values.add(new Point(1, 2, "p", List.of(new Point(3, 4, "q", List.of()))));
        values.add(new Disk("/", 100));
        values.add(new Object[]{"é", 'c', (byte) 1, (short) 2, 3L, 4.5f, 6.5d, true, null, new String[]{"s", null}});
        values.add(new PriorityQueue<>(List.of(5, 1, 3)));
        values.add(new ArrayList<>(Arrays.asList(null, null, null)));
        values.add(dev.jitogen.core.fixtures.NestedSets.of(12, () -> "x"));
        List<List<Integer>> colliding = new ArrayList<>();
        for (int k = 1; k <= 200; k++) colliding.add(new ArrayList<>(List.of(k, -31 * k)));
        values.add(colliding);
        List<byte[]> seeds = new ArrayList<>();
        int handle = Handles.FIRST_USER_HANDLE;
        for (Object v : values) {
            seeds.add(frame(handle, router.encode(Receiver.VALUE, v))); // the compact form where the value is plain
            seeds.add(frame(handle, router.encodeWithKryo(Receiver.VALUE, v)));
        }
        IllegalStateException failure = new IllegalStateException("bad state", new IOException("disk full"));
        seeds.add(frame(handle, router.encode(Receiver.FAILURE, RemoteFailure.of(failure))));
        return seeds;
    }

    private static byte[] frame(int handle, byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new Message(0, 1, 1, handle, Handles.NO_REPLY, data).writeTo(out);
        return out.toByteArray();
    }

    private static final int[] INTERESTING = {0, 1, 2, 0x3f, 0x40, 0x7f, 0x80, 0x81, 0xbf, 0xc0, 0xfe, 0xff};

    /** A seed (or two, spliced, or several frames back to back), mutated one to eight times. */
    private static byte[] mutate(Random r, List<byte[]> seeds) {
        byte[] b = seeds.get(r.nextInt(seeds.size())).clone();
        if (r.nextInt(10) == 0) b = concat(b, seeds.get(r.nextInt(seeds.size())));
        for (int n = 1 + r.nextInt(8); n > 0; n--) {
            int header = Message.HEADER_SIZE;
            int at = b.length <= header ? r.nextInt(Math.max(1, b.length))
                    : header + r.nextInt(b.length - header); // mostly the payload, where the codec reads
            switch (r.nextInt(11)) {
                case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
                case 1 -> b[at] = (byte) INTERESTING[r.nextInt(INTERESTING.length)];
                case 2 -> b[at] = (byte) r.nextInt(256);
                case 3 -> { // a huge varint, as a length would be
                    byte[] huge = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) (r.nextBoolean() ? 7 : 15)};
                    b = splice(b, at, Math.min(b.length - at, r.nextInt(3)), huge);
                }
                case 4 -> b = splice(b, at, Math.min(b.length - at, 1 + r.nextInt(8)), new byte[0]); // delete
                case 5 -> { // duplicate a run: repeats references, elements, nesting
                    int len = Math.min(b.length - at, 1 + r.nextInt(32));
                    b = splice(b, at, 0, Arrays.copyOfRange(b, at, at + len));
                }
                case 6 -> { // random bytes in
                    byte[] junk = new byte[1 + r.nextInt(8)];
                    r.nextBytes(junk);
                    b = splice(b, at, 0, junk);
                }
                case 7 -> { // a run of another seed's payload
                    byte[] other = seeds.get(r.nextInt(seeds.size()));
                    int from = Math.min(other.length - 1, header + r.nextInt(Math.max(1, other.length - header)));
                    int len = Math.min(other.length - from, 1 + r.nextInt(64));
                    b = splice(b, at, Math.min(b.length - at, r.nextInt(4)), Arrays.copyOfRange(other, from, from + len));
                }
                case 8 -> b = Arrays.copyOf(b, Math.max(1, at)); // truncated
                case 9 -> { // the frame's length made consistent with the new size, as a careful attacker would
                    if (b.length >= header) {
                        int len = b.length - header;
                        b[22] = (byte) (len >>> 24);
                        b[23] = (byte) (len >>> 16);
                        b[24] = (byte) (len >>> 8);
                        b[25] = (byte) len;
                    }
                }
                default -> { // a header field: magic, ids, handle, length
                    if (b.length >= header) b[r.nextInt(header)] = (byte) INTERESTING[r.nextInt(INTERESTING.length)];
                }
            }
            if (b.length > MAX_FRAME) b = Arrays.copyOf(b, MAX_FRAME);
            if (b.length == 0) b = new byte[]{(byte) r.nextInt(256)};
        }
        if (r.nextInt(4) > 0 && b.length >= Message.HEADER_SIZE) { // mostly keep the frame's length right
            int len = b.length - Message.HEADER_SIZE;
            b[22] = (byte) (len >>> 24);
            b[23] = (byte) (len >>> 16);
            b[24] = (byte) (len >>> 8);
            b[25] = (byte) len;
        }
        return b;
    }

    private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String hex(byte[] b) {
        if (b == null) return "null";
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, 4096); i++) s.append(String.format("%02x", b[i] & 0xff));
        return s + (b.length > 4096 ? "... (" + b.length + " bytes)" : "");
    }
}
