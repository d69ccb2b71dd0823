package dev.jitogen.shell;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Jupyter's wire format and the kernel's small conversions, without sockets. */
class JupyterWireTest {
    private static List<byte[]> request(JupyterWire wire) {
        JsonObject content = new JsonObject();
        content.addProperty("code", "1 + 1");
        return wire.encode(List.of("client-1".getBytes(StandardCharsets.UTF_8)), "execute_request", null, content);
    }

    @Test
    void aSignedMessageReadsBackWithItsSenderAndContent() throws Exception {
        JupyterWire wire = new JupyterWire("secret");
        JupyterWire.Message m = wire.decode(request(wire));
        assertEquals("execute_request", m.type());
        assertEquals("1 + 1", m.text("code", null));
        assertArrayEquals("client-1".getBytes(StandardCharsets.UTF_8), m.identities().get(0));
        assertEquals("5.3", m.header().get("version").getAsString());
    }

    @Test
    void anotherKeysSignatureIsRefused() {
        List<byte[]> forged = request(new JupyterWire("not-the-key"));
        JupyterWire.Refused r = assertThrows(JupyterWire.Refused.class, () -> new JupyterWire("secret").decode(forged));
        assertEquals("bad signature", r.getMessage());
    }

    @Test
    void contentChangedAfterSigningIsRefused() {
        JupyterWire wire = new JupyterWire("secret");
        List<byte[]> frames = new ArrayList<>(request(wire));
        frames.set(frames.size() - 1, "{\"code\": \"System.exit(1)\"}".getBytes(StandardCharsets.UTF_8));
        assertThrows(JupyterWire.Refused.class, () -> wire.decode(frames));
    }

    @Test
    void framesThatAreNotAJupyterMessageAreRefusedWithTheReason() {
        JupyterWire wire = new JupyterWire("");
        JupyterWire.Refused r = assertThrows(JupyterWire.Refused.class,
                () -> wire.decode(List.of("hello".getBytes(StandardCharsets.UTF_8))));
        assertTrue(r.getMessage().contains("<IDS|MSG>"), r.getMessage());
        List<byte[]> notJson = new ArrayList<>(request(wire));
        notJson.set(notJson.size() - 1, "[1, 2".getBytes(StandardCharsets.UTF_8));
        assertThrows(JupyterWire.Refused.class, () -> wire.decode(notJson));
    }

    @Test
    void aConnectionFileProblemNamesTheFieldAndTheFix() throws Exception {
        Path f = Files.createTempFile("connection", ".json");
        try {
            Files.writeString(f, "{\"shell_port\": 1, \"iopub_port\": 2, \"stdin_port\": 3, \"control_port\": 4, "
                    + "\"hb_port\": 5, \"signature_scheme\": \"hmac-md5\", \"key\": \"k\"}");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelConnection.read(f));
            assertTrue(e.getMessage().contains("signature_scheme \"hmac-md5\" is not supported: use \"hmac-sha256\""), e.getMessage());
            Files.writeString(f, "{\"shell_port\": 1}");
            e = assertThrows(IllegalArgumentException.class, () -> KernelConnection.read(f));
            assertTrue(e.getMessage().contains("\"iopub_port\" must be a port number"), e.getMessage());
        } finally {
            Files.delete(f);
        }
    }

    @Test
    void cursorsCountCodePointsAndCommandLinesAreHiddenFromJShell() {
        String code = "var s = \"\uD83D\uDE00\";\ns.len";
        assertEquals(code.length(), KernelAnalysis.index(code, code.codePointCount(0, code.length())));
        assertEquals("  \nx.", KernelAnalysis.withoutCommands("/l\nx."));
    }
}
