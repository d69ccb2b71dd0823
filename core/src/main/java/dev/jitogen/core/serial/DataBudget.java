package dev.jitogen.core.serial;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.util.MapReferenceResolver;

/**
 * What decoding one message from a child may still cost: how deep it may nest, how many elements it may hold, until
 * when it may run, and how many bytes are left to carry what it declares.
 *
 * <p>Elements are counted the way {@code hashCode}, {@code equals} and {@code toString} visit them: an object counts
 * once for every place that refers to it, so a reference back to an object read earlier costs that object's whole
 * weight again. That is what bounds the classic "nested sets" attack (a kilobyte of shared references whose hash
 * visits 2^100 sets): its weight doubles per level and runs into the limit after a few million visits, before the
 * sets that would take longer to hash are built. Decoding itself hashes too: a set hashes each element it is given,
 * a map each key, and an element that is itself a structure (a list, a record) costs its whole weight to hash. That
 * work is charged as well, {@link #hashes marked} by the serializers of sets and maps, so the hashing a message can
 * make while it is decoded stays within the limit however deep the sets within sets go.
 *
 * <p>Weights cannot bound a cycle: a set holding a list that holds the set has no hash code at all, and hashing it
 * recurses until the stack overflows, re-hashing every sibling on the way, once per stack frame. So the budget also
 * follows cycles through objects whose hash code visits what they hold ({@link #transparent}: collections, maps,
 * entries, {@code Optional}, records, and classes with a {@code hashCode} of their own). A reference back to an open
 * object closes a cycle through everything open below it: if one of those objects is a set element or a map key,
 * decoding would hash it, and the data is refused; otherwise they are marked cyclic, and hashing one later (or
 * anything that holds one) is refused instead. Such data is refused in any JVM's terms: its hash code never ends.
 *
 * <p>Every object read is one {@link #enter}/{@link #exit} pair, made by the codec's Kryo around each of its read
 * methods; reference ids come from {@link References}. A collection that may hold elements written as no bytes at
 * all (Kryo writes a list of nulls as its size alone) pays for its slots ahead, in {@link #slots}, and its elements
 * then use what it paid. Clock and interrupt are looked at every 64 objects.
 *
 * <p>Threads: belongs to one Kryo and is used by the one thread decoding with it; {@link #begin} resets it for each
 * message.
 */
final class DataBudget {
    private static final byte HASHES_ALL = 1, HASHES_KEYS = 2;
    private static final int KEEP_IDS = 1 << 14;
    private final int maxDepth;
    private final long maxElements;
    private Input input;
    private boolean timed;
    private long deadline;
    /** Elements counted so far in this message: the weight of everything read, references included. */
    private long used;
    private int reads;
    /** Objects open (being read), outermost first. The arrays below hold one entry per open object. */
    private int depth;
    /** Its weight so far: 1 for itself, plus what it has read, plus slots paid ahead. */
    private long[] weight = new long[32];
    /** The reference id it was given, or -1 (wrappers, enums and nulls get none). */
    private int[] refId = new int[32];
    /** Slots its collection paid ahead and its elements have not used yet. */
    private int[] prepaid = new int[32];
    /** True if its own element slot was paid ahead by the collection it is read into. */
    private boolean[] paidAhead = new boolean[32];
    /** Whether it hashes (or compares) what it reads into it: {@link #HASHES_ALL}, {@link #HASHES_KEYS}, or 0. */
    private byte[] hashing = new byte[32];
    /** How many objects it has read into it, for telling a map's keys from its values. */
    private int[] children = new int[32];
    /** Whether its hash code visits what it holds ({@link #transparent}), by its class; false until known. */
    private boolean[] open = new boolean[32];
    /** Whether it holds, or will once it is read, a cycle its hash code would follow forever. */
    private boolean[] cyclic = new boolean[32];
    /** Per reference id: the weight of an object finished reading, or -(its depth + 1) while it is open. */
    private long[] byId = new long[64];
    /** Per reference id of an object finished reading: its hash code visits what it holds; it holds a cycle. */
    private boolean[] openById = new boolean[64], cyclicById = new boolean[64];

    DataBudget(int maxDepth, long maxElements) {
        this.maxDepth = maxDepth;
        this.maxElements = maxElements;
    }

    /** The budget of the message {@code kryo} is decoding, or null if its codec trusts its data. */
    static DataBudget of(Kryo kryo) {
        return (DataBudget) kryo.getContext().get(DataBudget.class);
    }

    /** Starts a message read from {@code input}, to finish before {@code deadline} (a nanoTime) if {@code timed}. */
    void begin(Input input, boolean timed, long deadline) {
        if (byId.length > KEEP_IDS) { // a big message's bookkeeping is not kept for the small ones after it
            byId = new long[64];
            openById = new boolean[64];
            cyclicById = new boolean[64];
        }
        this.input = input;
        this.timed = timed;
        this.deadline = deadline;
        used = 0;
        reads = 0;
        depth = 0;
    }

    /** An object is about to be read (or a null, or a reference to an object read before). */
    void enter() {
        if (depth >= maxDepth) throw DataLimitException.depth(maxDepth);
        if ((++reads & 63) == 0) checkClock();
        if (depth == weight.length) grow();
        boolean paid = depth > 0 && prepaid[depth - 1] > 0;
        if (paid) prepaid[depth - 1]--;
        else charge(1);
        weight[depth] = 1;
        refId[depth] = -1;
        prepaid[depth] = 0;
        paidAhead[depth] = paid;
        hashing[depth] = 0;
        children[depth] = 0;
        open[depth] = false;
        cyclic[depth] = false;
        depth++;
    }

    /** The object {@link #enter} announced is read: not yet added to what holds it (a set may refuse it here). */
    void exit() {
        if (depth == 0) return;
        depth--;
        long w = weight[depth];
        boolean loops = open[depth] && cyclic[depth];
        int id = refId[depth];
        if (id >= 0) {
            byId[id] = w;
            openById[id] = open[depth];
            cyclicById[id] = loops;
        }
        if (depth == 0) return;
        int p = depth - 1;
        weight[p] += paidAhead[depth] ? w - 1 : w;
        boolean hashed = hashedChild(p);
        children[p]++;
        if (hashed && loops) throw DataLimitException.cycle();
        if (loops) cyclic[p] = true; // what holds it hashes forever too, if its hash code visits it
        // hashing a structure visits all of it; a leaf (a string, a number) costs no more than reading it did
        if (hashed && w > 1) charge(w - 1);
    }

    /** Whether the object being read into open object {@code p} now will be hashed (or compared) when added. */
    private boolean hashedChild(int p) {
        return hashing[p] == HASHES_ALL || hashing[p] == HASHES_KEYS && (children[p] & 1) == 0;
    }

    /**
     * The collection being read hashes (or compares) each element added to it, or, for a map ({@code keysOnly}),
     * each key: call it after anything read ahead of the elements (a comparator), just before the elements.
     */
    void hashes(boolean keysOnly) {
        if (depth == 0) return;
        hashing[depth - 1] = keysOnly ? HASHES_KEYS : HASHES_ALL;
        children[depth - 1] = 0;
    }

    /** Marks the collection {@code kryo} is reading as hashing its elements (or keys); nothing for trusted data. */
    static void hashes(Kryo kryo, boolean keysOnly) {
        DataBudget b = of(kryo);
        if (b != null) b.hashes(keysOnly);
    }

    /** The object being read, of class {@code type}, got reference id {@code id}. */
    void newReference(int id, Class<?> type) {
        if (depth == 0) return;
        if (id >= byId.length) {
            int n = Math.max(id + 1, byId.length * 2);
            byId = java.util.Arrays.copyOf(byId, n);
            openById = java.util.Arrays.copyOf(openById, n);
            cyclicById = java.util.Arrays.copyOf(cyclicById, n);
        }
        refId[depth - 1] = id;
        byId[id] = -depth; // -(index + 1) of the open object
        open[depth - 1] = transparent(type);
    }

    /**
     * The object being read is a reference to the object with id {@code id}: it weighs that object again, and if
     * that object is still open (an enclosing one), it closes a cycle.
     */
    void backReference(int id) {
        if (depth == 0 || id < 0 || id >= byId.length) return; // Kryo has refused an unknown id already
        int f = depth - 1;
        long v = byId[id];
        long w = v > 0 ? v : v < 0 ? weight[(int) (-v - 1)] : 1;
        charge(w);
        weight[f] += w;
        if (v > 0) { // a finished object: this reference is that object, cycle and all
            open[f] = openById[id];
            cyclic[f] = cyclicById[id];
        } else if (v < 0) {
            closeCycle((int) (-v - 1), f);
        }
    }

    /**
     * Reference {@code f} leads back to open object {@code a}: everything open from {@code a} down holds a cycle
     * once read, if each of them is hashed through to the next. Refused at once if one of them is a set element or
     * map key, which decoding is about to hash; else marked, for a later hash to be refused.
     */
    private void closeCycle(int a, int f) {
        open[f] = open[a];
        for (int j = a; j < f; j++) if (!open[j]) return; // an identity hash code on the way breaks the cycle
        for (int j = a; j < f; j++) if (hashedChild(j)) throw DataLimitException.cycle();
        for (int j = a; j < f; j++) cyclic[j] = true;
    }

    /**
     * Whether hashing an object of class {@code type} hashes what it holds: collections, maps, entries,
     * {@code Optional}, records, and classes outside the JDK that override {@code hashCode} (which may, so they
     * count as if they did). Arrays, enums and other JDK values hash themselves only.
     */
    static boolean transparent(Class<?> type) {
        return TRANSPARENT.get(type);
    }

    private static final ClassValue<Boolean> TRANSPARENT = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> c) {
            if (c.isArray() || c.isPrimitive() || c.isEnum()) return false;
            if (java.util.Collection.class.isAssignableFrom(c) || java.util.Map.class.isAssignableFrom(c)
                    || java.util.Map.Entry.class.isAssignableFrom(c) || c.isRecord() || c == java.util.Optional.class) {
                return true;
            }
            if (JdkValues.isJdk(c)) return false;
            try {
                return c.getMethod("hashCode").getDeclaringClass() != Object.class;
            } catch (NoSuchMethodException | SecurityException e) {
                return true;
            }
        }
    };

    /** The collection being read declares {@code n} elements, which may take no bytes: pays for them now. */
    void slots(int n) {
        if (n < 0) throw DataLimitException.length("a collection", n, bytesLeft(), 0);
        if (depth == 0) return;
        charge(n);
        weight[depth - 1] += n;
        prepaid[depth - 1] += n;
    }

    /**
     * Refuses a declared length of {@code n} elements of at least {@code bytesEach} bytes each that the rest of the
     * message cannot carry, before anything that size is allocated.
     */
    void length(String what, long n, int bytesEach) {
        checkLength(input, what, n, bytesEach);
    }

    static void checkLength(Input input, String what, long n, int bytesEach) {
        int left = input.limit() - input.position();
        if (n < 0 || n * bytesEach > left) throw DataLimitException.length(what, n, left, bytesEach);
    }

    private int bytesLeft() {
        return input.limit() - input.position();
    }

    private void charge(long w) {
        used += w;
        if (used > maxElements) throw DataLimitException.elements(maxElements);
    }

    private void checkClock() {
        if (timed && System.nanoTime() - deadline > 0) throw DataLimitException.deadline();
        if (Thread.currentThread().isInterrupted()) throw DataLimitException.ofInterrupt();
    }

    private void grow() {
        int n = weight.length * 2;
        weight = java.util.Arrays.copyOf(weight, n);
        refId = java.util.Arrays.copyOf(refId, n);
        prepaid = java.util.Arrays.copyOf(prepaid, n);
        paidAhead = java.util.Arrays.copyOf(paidAhead, n);
        hashing = java.util.Arrays.copyOf(hashing, n);
        children = java.util.Arrays.copyOf(children, n);
        open = java.util.Arrays.copyOf(open, n);
        cyclic = java.util.Arrays.copyOf(cyclic, n);
    }

    /** Kryo's reference bookkeeping, telling the budget which object got which id and which ids are read again. */
    static final class References extends MapReferenceResolver {
        private final DataBudget budget;

        References(DataBudget budget) {
            this.budget = budget;
        }

        @Override
        public int nextReadId(Class type) {
            int id = super.nextReadId(type);
            budget.newReference(id, type);
            return id;
        }

        @Override
        public Object getReadObject(Class type, int id) {
            Object o = super.getReadObject(type, id);
            budget.backReference(id);
            return o;
        }
    }
}
