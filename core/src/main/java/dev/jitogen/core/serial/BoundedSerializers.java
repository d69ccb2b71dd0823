package dev.jitogen.core.serial;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.serializers.CollectionSerializer;
import com.esotericsoftware.kryo.serializers.DefaultArraySerializers;
import com.esotericsoftware.kryo.serializers.DefaultSerializers;
import com.esotericsoftware.kryo.serializers.MapSerializer;

import java.util.Collection;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Kryo's serializers that allocate what the data declares, each replaced, for data from a child, by one that checks
 * the declared size first: against the bytes left for arrays and maps (each element takes at least a byte), against
 * the element budget for collections (Kryo writes a list of nulls as its size alone), and never pre-sizes a
 * collection beyond {@link #MAX_PRESIZE} slots, so it grows only as elements actually arrive. Wire formats are
 * Kryo's own: what a child writes with the stock serializers reads back through these.
 *
 * <p>Stateless apart from Kryo's own settings; one instance per Kryo, used by its one thread at a time.
 */
final class BoundedSerializers {
    /** Initial capacity a declared size may buy; past it a collection grows as its elements are read. */
    static final int MAX_PRESIZE = 1024;

    private BoundedSerializers() {}

    /** The bounded stand-in for {@code s}, Kryo's default serializer for {@code type}, or {@code s} itself. */
    @SuppressWarnings("rawtypes")
    static Serializer bounded(Kryo kryo, Class type, Serializer s) {
        Class<?> c = s.getClass();
        if (c == DefaultArraySerializers.ObjectArraySerializer.class) return new ObjectArrays(kryo, type);
        if (c == DefaultArraySerializers.StringArraySerializer.class) return new StringArrays();
        if (c == DefaultArraySerializers.BooleanArraySerializer.class) return new BooleanArrays();
        if (c == CollectionSerializer.class) return new PlainCollections();
        if (c == DefaultSerializers.PriorityQueueSerializer.class) return new PriorityQueues();
        if (c == MapSerializer.class) return new PlainMaps();
        return s;
    }

    /** Reads an array's length (Kryo writes length + 1, 0 for null) and puts the input back where it was. */
    private static int peekLength(Input input) {
        int start = input.position();
        int n = input.readVarInt(true);
        input.setPosition(start);
        return n - 1;
    }

    private static final class ObjectArrays extends DefaultArraySerializers.ObjectArraySerializer {
        ObjectArrays(Kryo kryo, Class<?> type) {
            super(kryo, type);
        }

        @Override
        public Object[] read(Kryo kryo, Input input, Class type) {
            int n = peekLength(input);
            if (n > 0) DataBudget.checkLength(input, "a " + type.getComponentType().getName() + "[]", n, 1);
            return super.read(kryo, input, type);
        }
    }

    private static final class StringArrays extends DefaultArraySerializers.StringArraySerializer {
        @Override
        public String[] read(Kryo kryo, Input input, Class type) {
            int n = peekLength(input);
            if (n > 0) DataBudget.checkLength(input, "a String[]", n, 1);
            return super.read(kryo, input, type);
        }
    }

    private static final class BooleanArrays extends DefaultArraySerializers.BooleanArraySerializer {
        @Override
        public boolean[] read(Kryo kryo, Input input, Class type) {
            int n = peekLength(input);
            if (n > 0) DataBudget.checkLength(input, "a boolean[]", n, 1);
            return super.read(kryo, input, type);
        }
    }

    /** Pays a collection's declared slots from the element budget; see {@link DataBudget#slots}. */
    static void slots(Kryo kryo, int size) {
        DataBudget b = DataBudget.of(kryo);
        if (b != null) b.slots(size);
    }

    @SuppressWarnings("rawtypes")
    private static final class PlainCollections extends CollectionSerializer<Collection> {
        @Override
        protected Collection create(Kryo kryo, Input input, Class<? extends Collection> type, int size) {
            slots(kryo, size);
            if (java.util.Set.class.isAssignableFrom(type) || java.util.Queue.class.isAssignableFrom(type)
                    && !java.util.Deque.class.isAssignableFrom(type)) {
                DataBudget.hashes(kryo, false); // sets hash their elements, priority queues compare them
            }
            return super.create(kryo, input, type, Math.min(size, MAX_PRESIZE));
        }
    }

    @SuppressWarnings("rawtypes")
    private static final class PriorityQueues extends DefaultSerializers.PriorityQueueSerializer {
        @Override
        protected PriorityQueue create(Kryo kryo, Input input, Class<? extends PriorityQueue> type, int size) {
            PriorityQueue q = super.create(kryo, input, type, Math.min(size, MAX_PRESIZE)); // reads the comparator
            slots(kryo, size);
            DataBudget.hashes(kryo, false); // compares its elements as they are added
            return q;
        }
    }

    @SuppressWarnings("rawtypes")
    private static final class PlainMaps extends MapSerializer<Map> {
        @Override
        protected Map create(Kryo kryo, Input input, Class<? extends Map> type, int size) {
            DataBudget.checkLength(input, "a map", size, 2); // a key and a value, a byte each at least
            DataBudget.hashes(kryo, true);
            return super.create(kryo, input, type, Math.min(size, MAX_PRESIZE));
        }
    }
}
