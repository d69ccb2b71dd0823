package dev.jitogen.core.serial;

/**
 * A class of Jitogen's own that travels as its parts: in the compact form ({@link PlainCodec}) when every part is a
 * plain value, else through Kryo ({@link PlainSerializer}). It needs a no-argument constructor (any access), and is
 * registered as one of a {@link Codec}'s extra classes. Only trusted data (from the parent chain) may hold one in
 * the compact form.
 *
 * <p>Threads: whichever thread encodes or decodes.
 */
public interface Plain {
    /** The parts to send, in order; the same count every time. */
    Object[] parts();

    /** Called on a fresh instance with what {@link #parts()} returned on the other side. */
    void restore(Object[] parts);
}
