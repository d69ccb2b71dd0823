package dev.jitogen.core.classload;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * What one method's bytecode touches: the static fields it reads or writes, and the methods it invokes (including
 * the implementation methods of lambdas it creates). The shell follows these from a lambda's body to find exactly
 * the top-level variables it reads. Pure function; any thread.
 */
public final class MethodScan {
    /** A method: owner's binary name, name, descriptor. */
    public record MethodRef(String owner, String name, String descriptor) {}

    /** What the method touches; empty lists if the class has no such method (or it has no code). */
    public record Touches(List<ConstantPool.FieldRef> staticFields, List<MethodRef> invoked) {}

    private static final int GETSTATIC = 0xb2, PUTSTATIC = 0xb3, INVOKEVIRTUAL = 0xb6, INVOKEINTERFACE = 0xb9,
            INVOKEDYNAMIC = 0xba, TABLESWITCH = 0xaa, LOOKUPSWITCH = 0xab, WIDE = 0xc4, IINC = 0x84;
    private static final int METHOD_HANDLE = 15, INVOKE_DYNAMIC = 18;

    private MethodScan() {}

    public static Touches scan(byte[] classFile, String methodName, String descriptor) {
        ConstantPool pool = new ConstantPool(classFile);
        ByteBuffer b = ByteBuffer.wrap(classFile);
        b.position(pool.end + 6);
        int interfaces = b.getShort() & 0xffff;
        b.position(b.position() + 2 * interfaces);
        skipMembers(b); // fields
        byte[] code = null;
        for (int n = b.getShort() & 0xffff; n > 0; n--) {
            b.getShort();
            String name = pool.utf8[b.getShort() & 0xffff];
            String desc = pool.utf8[b.getShort() & 0xffff];
            for (int a = b.getShort() & 0xffff; a > 0; a--) {
                String attr = pool.utf8[b.getShort() & 0xffff];
                int len = b.getInt();
                if (attr.equals("Code") && name.equals(methodName) && desc.equals(descriptor)) {
                    ByteBuffer c = b.duplicate();
                    c.getShort();
                    c.getShort();
                    code = new byte[c.getInt()];
                    c.get(code);
                }
                b.position(b.position() + len);
            }
        }
        List<int[]> bootstrapArgs = bootstrapMethods(b, pool);
        List<ConstantPool.FieldRef> fields = new ArrayList<>();
        List<MethodRef> invoked = new ArrayList<>();
        if (code == null) return new Touches(fields, invoked);
        for (int pc = 0; pc < code.length; ) {
            int op = code[pc] & 0xff;
            if (op == GETSTATIC || op == PUTSTATIC) {
                String[] r = pool.memberRef(u2(code, pc + 1));
                fields.add(new ConstantPool.FieldRef(r[0], r[1]));
            } else if (op >= INVOKEVIRTUAL && op <= INVOKEINTERFACE) {
                String[] r = pool.memberRef(u2(code, pc + 1));
                invoked.add(new MethodRef(r[0], r[1], r[2]));
            } else if (op == INVOKEDYNAMIC) {
                int indy = u2(code, pc + 1);
                if (pool.tags[indy] == INVOKE_DYNAMIC && pool.first[indy] < bootstrapArgs.size()) {
                    for (int arg : bootstrapArgs.get(pool.first[indy])) {
                        if (pool.tags[arg] == METHOD_HANDLE) {
                            String[] r = pool.memberRef(pool.second[arg]);
                            invoked.add(new MethodRef(r[0], r[1], r[2]));
                        }
                    }
                }
            }
            pc += length(code, pc);
        }
        return new Touches(fields, invoked);
    }

    private static void skipMembers(ByteBuffer b) {
        for (int n = b.getShort() & 0xffff; n > 0; n--) {
            b.position(b.position() + 6);
            for (int a = b.getShort() & 0xffff; a > 0; a--) {
                b.getShort();
                int len = b.getInt();
                b.position(b.position() + len);
            }
        }
    }

    /** The BootstrapMethods attribute's arguments, per bootstrap method. */
    private static List<int[]> bootstrapMethods(ByteBuffer b, ConstantPool pool) {
        List<int[]> out = new ArrayList<>();
        for (int a = b.getShort() & 0xffff; a > 0; a--) {
            String attr = pool.utf8[b.getShort() & 0xffff];
            int len = b.getInt();
            int next = b.position() + len;
            if (attr.equals("BootstrapMethods")) {
                for (int n = b.getShort() & 0xffff; n > 0; n--) {
                    b.getShort();
                    int[] args = new int[b.getShort() & 0xffff];
                    for (int i = 0; i < args.length; i++) args[i] = b.getShort() & 0xffff;
                    out.add(args);
                }
            }
            b.position(next);
        }
        return out;
    }

    private static int u2(byte[] code, int at) {
        return ((code[at] & 0xff) << 8) | (code[at + 1] & 0xff);
    }

    private static int s4(byte[] code, int at) {
        return ((code[at] & 0xff) << 24) | ((code[at + 1] & 0xff) << 16) | ((code[at + 2] & 0xff) << 8) | (code[at + 3] & 0xff);
    }

    /** Length in bytes of the instruction at {@code pc}. */
    private static int length(byte[] code, int pc) {
        int op = code[pc] & 0xff;
        if (op == TABLESWITCH || op == LOOKUPSWITCH) {
            int at = (pc + 4) & ~3; // operands are 4-byte aligned from the start of the code
            if (op == TABLESWITCH) {
                int low = s4(code, at + 4), high = s4(code, at + 8);
                return at + 12 + 4 * (high - low + 1) - pc;
            }
            return at + 8 + 8 * s4(code, at + 4) - pc;
        }
        if (op == WIDE) return (code[pc + 1] & 0xff) == IINC ? 6 : 4;
        return LENGTHS.charAt(op) - '0';
    }

    /** Instruction lengths by opcode, for fixed-length instructions (0 marks the variable ones, handled above). */
    private static final String LENGTHS =
            "1111111111111111" + "2323322222111111" + "1111111111111111" + "1111112222211111" // 0x00-0x3f
            + "1111111111111111" + "1111111111111111" + "1111111111111111" + "1111111111111111" // 0x40-0x7f
            + "1111311111111111" + "1111111113333333" + "3333333332001111" + "1133333355323113" // 0x80-0xbf
            + "3311043355111111" + "1111111111111111" + "1111111111111111" + "1111111111111111"; // 0xc0-0xff
}
