package dev.jitogen.shell;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a Jupyter connection file says: where the kernel listens, and the key that signs messages.
 *
 * <p>Immutable; any thread.
 */
record KernelConnection(Path file, String transport, String ip, int shellPort, int iopubPort, int stdinPort,
                        int controlPort, int hbPort, String key) {
    /** Reads Jupyter's connection file; a problem is an {@link IllegalArgumentException} naming the field. */
    static KernelConnection read(Path file) throws IOException {
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(Files.readString(file));
            if (!e.isJsonObject()) throw new JsonParseException("not a JSON object");
            o = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("connection file " + file + " is not Jupyter's JSON: " + e.getMessage());
        }
        String transport = text(o, "transport", "tcp");
        if (!transport.equals("tcp")) {
            throw new IllegalArgumentException("connection file " + file + ": transport \"" + transport
                    + "\" is not supported: use \"tcp\" (Jupyter's default)");
        }
        String scheme = text(o, "signature_scheme", "hmac-sha256");
        if (!scheme.equals("hmac-sha256")) {
            throw new IllegalArgumentException("connection file " + file + ": signature_scheme \"" + scheme
                    + "\" is not supported: use \"hmac-sha256\" (Jupyter's default)");
        }
        return new KernelConnection(file, transport, text(o, "ip", "127.0.0.1"), port(o, "shell_port", file),
                port(o, "iopub_port", file), port(o, "stdin_port", file), port(o, "control_port", file),
                port(o, "hb_port", file), text(o, "key", ""));
    }

    private static String text(JsonObject o, String field, String otherwise) {
        JsonElement e = o.get(field);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : otherwise;
    }

    private static int port(JsonObject o, String field, Path file) {
        JsonElement e = o.get(field);
        try {
            int p = e.getAsInt();
            if (p > 0 && p < 65536) return p;
        } catch (RuntimeException ignored) {
            // said below
        }
        throw new IllegalArgumentException("connection file " + file + ": \"" + field + "\" must be a port "
                + "number (1-65535), not " + e + "; Jupyter writes one for each channel");
    }

    String address(int port) {
        return transport + "://" + (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + port;
    }
}
