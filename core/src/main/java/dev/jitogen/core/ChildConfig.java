package dev.jitogen.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a parent tells a new child after the core bundle: who it is, its limits and its rules for data.
 * {@code stallMillis} is the stream stall timeout ({@link Router.Builder#stallTimeout}), inherited like the max
 * message size.
 */
record ChildConfig(int id, String name, List<Integer> parentIds, int maxMessageSize, String logLevel, boolean debug,
                   boolean unidirectional, long stallMillis, int maxDataDepth, int maxDataElements,
                   List<String> dataPackages) {
    byte[] encode() {
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(buf);
            out.writeInt(id);
            out.writeUTF(name);
            out.writeInt(parentIds.size());
            for (int p : parentIds) out.writeInt(p);
            out.writeInt(maxMessageSize);
            out.writeUTF(logLevel);
            out.writeBoolean(debug);
            out.writeBoolean(unidirectional);
            out.writeLong(stallMillis);
            out.writeInt(maxDataDepth);
            out.writeInt(maxDataElements);
            out.writeInt(dataPackages.size());
            for (String p : dataPackages) out.writeUTF(p);
            out.close();
            return buf.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ChildConfig decode(byte[] data) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
            int id = in.readInt();
            String name = in.readUTF();
            List<Integer> parents = new ArrayList<>();
            for (int n = in.readInt(); n > 0; n--) parents.add(in.readInt());
            int maxMessageSize = in.readInt();
            String logLevel = in.readUTF();
            boolean debug = in.readBoolean(), unidirectional = in.readBoolean();
            long stallMillis = in.readLong();
            int maxDataDepth = in.readInt(), maxDataElements = in.readInt();
            List<String> packages = new ArrayList<>();
            for (int n = in.readInt(); n > 0; n--) packages.add(in.readUTF());
            return new ChildConfig(id, name, parents, maxMessageSize, logLevel, debug, unidirectional, stallMillis,
                    maxDataDepth, maxDataElements, packages);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
