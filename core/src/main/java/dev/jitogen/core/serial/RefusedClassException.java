package dev.jitogen.core.serial;

import com.esotericsoftware.kryo.KryoException;

/** Data named a class outside the allow-list; nothing of that class was loaded or instantiated. 
 * <p>Threads: raised on the thread that decodes (never an I/O thread); immutable.
 */
public final class RefusedClassException extends KryoException {
    private final String className;

    public RefusedClassException(String className, String reason) {
        super(reason);
        this.className = className;
    }

    public String className() {
        return className;
    }
}
