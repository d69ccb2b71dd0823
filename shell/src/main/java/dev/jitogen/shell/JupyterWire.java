package dev.jitogen.shell;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * Jupyter's wire format (messaging protocol 5.3): a message is the routing identities, the delimiter
 * {@code <IDS|MSG>}, the HMAC-SHA256 signature in hex, then the header, parent header, metadata and content as JSON
 * (and optional buffers, which this kernel neither needs nor sends). The signature covers those four JSON frames
 * exactly as they travel, keyed with the connection file's {@code key}; an empty key means messages are not signed,
 * as Jupyter has it.
 *
 * <p>Threads: not thread-safe (a {@link Mac} is not); the kernel's I/O thread alone decodes and encodes.
 */
final class JupyterWire {
    static final String PROTOCOL_VERSION = "5.3";
    private static final byte[] DELIMITER = "<IDS|MSG>".getBytes(StandardCharsets.US_ASCII);
    static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

    /** One message as received: who sent it (the ROUTER identities, to address the reply) and its four parts. */
    record Message(List<byte[]> identities, JsonObject header, JsonObject parentHeader, JsonObject metadata,
                   JsonObject content) {
        String type() {
            JsonElement t = header.get("msg_type");
            return t != null && t.isJsonPrimitive() ? t.getAsString() : "";
        }

        /** A text field of the content, or {@code otherwise} if it is missing or not text. */
        String text(String field, String otherwise) {
            JsonElement e = content.get(field);
            return e != null && e.isJsonPrimitive() ? e.getAsString() : otherwise;
        }

        int integer(String field, int otherwise) {
            JsonElement e = content.get(field);
            try {
                return e != null && e.isJsonPrimitive() ? e.getAsInt() : otherwise;
            } catch (NumberFormatException ex) {
                return otherwise;
            }
        }

        boolean flag(String field, boolean otherwise) {
            JsonElement e = content.get(field);
            return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean() ? e.getAsBoolean() : otherwise;
        }
    }

    /** A message that is not run: its signature is wrong, or it is not a Jupyter message at all. */
    static final class Refused extends Exception {
        Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    /** Null when the key is empty (messages unsigned). */
    private final Mac mac;
    /** This kernel's session id, in the header of every message it sends. */
    private final String session = UUID.randomUUID().toString();

    JupyterWire(String key) {
        if (key.isEmpty()) {
            mac = null;
            return;
        }
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no HmacSHA256, which Jupyter's messages need", e);
        }
    }

    boolean signs() {
        return mac != null;
    }

    /** The message in {@code frames}, its signature checked; {@link Refused} says why it must not be run. */
    Message decode(List<byte[]> frames) throws Refused {
        int d = 0;
        while (d < frames.size() && !java.util.Arrays.equals(frames.get(d), DELIMITER)) d++;
        if (d == frames.size()) throw new Refused("no <IDS|MSG> delimiter: not a Jupyter message");
        if (frames.size() < d + 6) throw new Refused("only " + (frames.size() - d - 1) + " of its 5 frames after <IDS|MSG>");
        byte[] signature = frames.get(d + 1);
        List<byte[]> parts = frames.subList(d + 2, d + 6);
        if (mac != null) {
            byte[] expected = sign(parts).getBytes(StandardCharsets.US_ASCII);
            // constant time: how much of a guess matched must not show in how long the refusal takes
            if (!MessageDigest.isEqual(expected, signature)) throw new Refused("bad signature");
        }
        try {
            return new Message(List.copyOf(frames.subList(0, d)), object(parts.get(0), "header"),
                    object(parts.get(1), "parent_header"), object(parts.get(2), "metadata"), object(parts.get(3), "content"));
        } catch (JsonParseException | IllegalStateException e) {
            throw new Refused("its JSON cannot be read: " + e.getMessage());
        }
    }

    private static JsonObject object(byte[] json, String part) throws Refused {
        JsonElement e = JsonParser.parseString(new String(json, StandardCharsets.UTF_8));
        if (!e.isJsonObject()) throw new Refused("its " + part + " is not a JSON object");
        return e.getAsJsonObject();
    }

    /** The frames of a message of {@code type} answering {@code parent} (null: none), to {@code identities}. */
    List<byte[]> encode(List<byte[]> identities, String type, JsonObject parent, JsonObject content) {
        JsonObject header = new JsonObject();
        header.addProperty("msg_id", UUID.randomUUID().toString());
        header.addProperty("session", session);
        header.addProperty("username", "jitogen");
        header.addProperty("date", Instant.now().toString());
        header.addProperty("msg_type", type);
        header.addProperty("version", PROTOCOL_VERSION);
        List<byte[]> parts = List.of(bytes(header), bytes(parent != null ? parent : new JsonObject()),
                bytes(new JsonObject()), bytes(content));
        List<byte[]> frames = new ArrayList<>(identities.size() + 6);
        frames.addAll(identities);
        frames.add(DELIMITER);
        frames.add((mac != null ? sign(parts) : "").getBytes(StandardCharsets.US_ASCII));
        frames.addAll(parts);
        return frames;
    }

    private static byte[] bytes(JsonObject o) {
        return GSON.toJson(o).getBytes(StandardCharsets.UTF_8);
    }

    private String sign(List<byte[]> parts) {
        for (byte[] p : parts) mac.update(p);
        return HexFormat.of().formatHex(mac.doFinal());
    }
}
