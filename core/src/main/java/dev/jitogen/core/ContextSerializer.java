package dev.jitogen.core;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

/**
 * Kryo's serializer for contexts, registered on both sides ({@link Context}'s default serializer): a context travels
 * as its id, name, method and pid, and is read back as the reading router's own (see {@code Context.resolve}).
 * Public only because Kryo instantiates it; not for users. Kryo's side of the runtime: a child that sends only plain
 * values never loads it, which is why the router's reading seam ({@code Router.reader}) is not here.
 *
 * <p>Threads: stateless; Kryo calls it on the thread that encodes or decodes.
 */
public final class ContextSerializer extends Serializer<Context> {
    @Override
    public void write(Kryo kryo, Output out, Context c) {
        out.writeVarInt(c.id(), true);
        out.writeString(c.name());
        out.writeString(c.method());
        out.writeLong(c.pid());
    }

    @Override
    public Context read(Kryo kryo, Input in, Class<? extends Context> type) {
        int id = in.readVarInt(true);
        String name = in.readString();
        String method = in.readString();
        long pid = in.readLong();
        Router router = Router.reader();
        if (router == null) router = Router.current();
        if (router == null) throw new KryoException("a Context can be read only by a router (context " + id + ")");
        if (id < 0 || name == null || method == null) throw new KryoException("malformed Context " + id + " in data");
        return Context.resolve(router, id, name, method, pid);
    }
}
