package dev.jitogen.core.classload;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** Class answers deflated for a network stream: inflated as they were, small ones left alone, bad ones refused. */
class DeflatedAnswersTest {
    private static byte[] answer(int classes) {
        byte[] one = LoadClass.entry(LoadClass.MISSING, "com.example.Missing", "no such class on the master's path");
        byte[] all = new byte[one.length * classes];
        for (int i = 0; i < classes; i++) System.arraycopy(one, 0, all, i * one.length, one.length);
        return LoadClass.withCount(classes, all);
    }

    @Test
    void aLargeAnswerGoesDeflatedAndInflatesToItselfAndASmallOneGoesAsItIs() throws IOException {
        byte[] large = answer(1000);
        byte[] sent = DeflatedAnswers.forNetwork(large);
        assertTrue(sent.length < large.length / 10, () -> sent.length + " bytes for " + large.length);
        assertEquals(-1, ByteBuffer.wrap(sent).getInt());
        assertArrayEquals(large, LoadClass.inflated(sent, 1 << 20));
        assertSame(sent, DeflatedAnswers.forNetwork(large.clone()), "the same answer again is deflated once");
        byte[] small = answer(3);
        assertSame(small, DeflatedAnswers.forNetwork(small));
        assertSame(small, LoadClass.inflated(small, 1 << 20));
    }

    @Test
    void anAnswerThatInflatesPastTheMaxOrIsNotWholeIsRefused() {
        byte[] sent = DeflatedAnswers.forNetwork(answer(1000));
        IOException big = assertThrows(IOException.class, () -> LoadClass.inflated(sent, 1000));
        assertTrue(big.getMessage().contains("deflated class answer of"), big.getMessage());
        byte[] cut = Arrays.copyOf(sent, sent.length - 10);
        assertThrows(IOException.class, () -> LoadClass.inflated(cut, 1 << 20));
        byte[] garbage = sent.clone();
        Arrays.fill(garbage, 8, garbage.length, (byte) 0x55);
        assertThrows(IOException.class, () -> LoadClass.inflated(garbage, 1 << 20));
        byte[] lying = sent.clone();
        ByteBuffer.wrap(lying).putInt(4, ByteBuffer.wrap(sent).getInt(4) + 1); // says one byte more than it holds
        assertThrows(IOException.class, () -> LoadClass.inflated(lying, 1 << 20));
    }
}
