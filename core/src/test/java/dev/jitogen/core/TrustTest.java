package dev.jitogen.core;

import dev.jitogen.core.fixtures.RawFrames;
import dev.jitogen.core.wire.Handles;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/** A child is not trusted: forged sources, code pushed at siblings and library classes in data are refused. */
class TrustTest {
    @Test
    void aChildCannotAnswerForAnotherContext() throws Exception {
        try (Router router = Router.create(); LogCapture log = new LogCapture()) {
            Context liar = router.local();
            Context honest = router.local();
            Receiver<String> pending = honest.callAsync(() -> {
                Thread.sleep(1500);
                return "the real answer";
            });
            int handle = pending.handle(), honestId = honest.id();
            byte[] fake = router.encode(Receiver.VALUE, "forged");
            liar.call(() -> {
                RawFrames.write(0, honestId, honestId, handle, 0, fake); // claims to be the other context
                return null;
            });
            assertTrue(log.await("forged source?", Duration.ofSeconds(5)), log.lines().toString());
            assertEquals("the real answer", pending.get(Duration.ofSeconds(10)));
            assertEquals(1, liar.call(() -> 1), "the liar's stream stays up; only the frame is dropped");
        }
    }

    @Test
    void aChildCannotPushClassesToASibling() throws Exception {
        try (Router router = Router.create(); LogCapture log = new LogCapture()) {
            Context attacker = router.local();
            Context victim = router.local();
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(buf);
            out.writeInt(1);
            out.writeByte(0);
            out.writeUTF("evil.Injected");
            byte[] junk = {(byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE};
            out.writeInt(junk.length);
            out.write(junk);
            byte[] payload = buf.toByteArray();
            int me = attacker.id(), target = victim.id();
            attacker.call(() -> {
                RawFrames.write(target, me, me, Handles.LOAD_CLASS, 0, payload);
                return null;
            });
            // whether the master forwards it or not, the victim must never define it
            CallError e = assertThrows(CallError.class, () -> victim.call(() -> Class.forName("evil.Injected").getName()));
            assertEquals("java.lang.ClassNotFoundException", e.remoteClassName());
        }
    }

    @Test
    void libraryClassesFromJarsAreRefusedInDataUnlessTheirPackageIsNamed() {
        try (Router router = Router.create()) {
            Context c = router.local();
            CallError e = assertThrows(CallError.class, () -> c.call(() -> new com.esotericsoftware.kryo.util.IntArray()));
            assertTrue(e.getMessage().contains("com.esotericsoftware.kryo.util.IntArray"), e.getMessage());
            assertTrue(e.getMessage().contains("acceptData(\"com.esotericsoftware.kryo.util\")"), e.getMessage());
        }
        try (Router router = Router.builder().acceptData("com.esotericsoftware.kryo.util").build()) {
            Context c = router.local();
            com.esotericsoftware.kryo.util.IntArray a = c.call(() -> {
                var x = new com.esotericsoftware.kryo.util.IntArray();
                x.add(7);
                return x;
            });
            assertEquals(7, a.get(0));
        }
    }
}
