package dev.jitogen.shell;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes every lambda and method reference compiled at the prompt serializable, as javac does for one whose target
 * type is {@code Serializable}: its {@code invokedynamic} goes through {@code LambdaMetafactory.altMetafactory} with
 * {@code FLAG_SERIALIZABLE}, and the class gets a {@code $deserializeLambda$} that rebuilds it (or extends javac's).
 * So {@code Function<Integer, Integer> twice = x -> 2 * x;} typed at the prompt can be read by code sent to a
 * context, like any value. Lambdas of the JDK's own classes stay as they are.
 *
 * <p>Pure function; any thread.
 */
final class SerializableLambdas {
    private static final String LMF = "java/lang/invoke/LambdaMetafactory";
    private static final Handle ALT_METAFACTORY = new Handle(Opcodes.H_INVOKESTATIC, LMF, "altMetafactory",
            "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/invoke/MethodType;[Ljava/lang/Object;)"
                    + "Ljava/lang/invoke/CallSite;", false);
    private static final String DESERIALIZE = "$deserializeLambda$", JAVACS = "$deserializeLambda$javac";
    private static final String SERIALIZED_LAMBDA = "java/lang/invoke/SerializedLambda";
    private static final int FLAG_SERIALIZABLE = 1;

    private SerializableLambdas() {}

    /** {@code classFile} with its lambdas made serializable; the same bytes if it makes none with the plain factory. */
    static byte[] of(byte[] classFile) {
        ClassReader reader = new ClassReader(classFile);
        Rewriter rewriter = new Rewriter(new ClassWriter(reader, ClassWriter.COMPUTE_MAXS));
        reader.accept(rewriter, 0);
        return rewriter.sites.isEmpty() ? classFile : ((ClassWriter) rewriter.next()).toByteArray();
    }

    /** One lambda creation site: the call site's name and type, and the factory's three arguments. */
    private record Site(String name, String descriptor, Type samType, Handle impl, Type instantiatedType) {}

    private static final class Rewriter extends ClassVisitor {
        private String owner;
        private boolean hasJavacs;
        /** Distinct sites, by what identifies a lambda to deserialization. */
        final Map<String, Site> sites = new LinkedHashMap<>();

        Rewriter(ClassVisitor next) {
            super(Opcodes.ASM9, next);
        }

        ClassVisitor next() {
            return cv;
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
            owner = name;
            super.visit(version, access, name, signature, superName, interfaces);
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
            if (name.equals(DESERIALIZE) && descriptor.equals("(L" + SERIALIZED_LAMBDA + ";)Ljava/lang/Object;")) {
                hasJavacs = true;
                name = JAVACS; // ours handles what it does not, then asks it
            }
            MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
            return new MethodVisitor(Opcodes.ASM9, mv) {
                @Override
                public void visitInvokeDynamicInsn(String n, String d, Handle bsm, Object... args) {
                    if (bsm.getOwner().equals(LMF) && bsm.getName().equals("metafactory") && args.length == 3
                            && args[0] instanceof Type sam && args[1] instanceof Handle impl && args[2] instanceof Type inst) {
                        Site s = new Site(n, d, sam, impl, inst);
                        sites.putIfAbsent(key(s), s);
                        super.visitInvokeDynamicInsn(n, d, ALT_METAFACTORY, sam, impl, inst, FLAG_SERIALIZABLE);
                    } else {
                        super.visitInvokeDynamicInsn(n, d, bsm, args);
                    }
                }
            };
        }

        private static String key(Site s) {
            return s.impl().getOwner() + "." + s.impl().getName() + s.impl().getDesc() + " " + s.name() + s.descriptor()
                    + " " + s.samType().getDescriptor();
        }

        @Override
        public void visitEnd() {
            if (!sites.isEmpty()) writeDeserialize();
            super.visitEnd();
        }

        /**
         * {@code $deserializeLambda$}: for each site, if the serialized lambda names its implementation and interface,
         * make the lambda again from its captured values; else javac's own, if there was one; else fail.
         */
        private void writeDeserialize() {
            MethodVisitor mv = cv.visitMethod(Opcodes.ACC_PRIVATE | Opcodes.ACC_STATIC | Opcodes.ACC_SYNTHETIC,
                    DESERIALIZE, "(L" + SERIALIZED_LAMBDA + ";)Ljava/lang/Object;", null, null);
            mv.visitCode();
            for (Site s : sites.values()) {
                Label next = new Label();
                Type fi = Type.getReturnType(s.descriptor());
                check(mv, "getImplClass", s.impl().getOwner(), next);
                check(mv, "getImplMethodName", s.impl().getName(), next);
                check(mv, "getImplMethodSignature", s.impl().getDesc(), next);
                check(mv, "getFunctionalInterfaceClass", fi.getInternalName(), next);
                check(mv, "getFunctionalInterfaceMethodName", s.name(), next);
                check(mv, "getFunctionalInterfaceMethodSignature", s.samType().getDescriptor(), next);
                Type[] captured = Type.getArgumentTypes(s.descriptor());
                for (int i = 0; i < captured.length; i++) {
                    mv.visitVarInsn(Opcodes.ALOAD, 0);
                    mv.visitLdcInsn(i);
                    mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, SERIALIZED_LAMBDA, "getCapturedArg", "(I)Ljava/lang/Object;", false);
                    unbox(mv, captured[i]);
                }
                mv.visitInvokeDynamicInsn(s.name(), s.descriptor(), ALT_METAFACTORY, s.samType(), s.impl(),
                        s.instantiatedType(), FLAG_SERIALIZABLE);
                mv.visitInsn(Opcodes.ARETURN);
                mv.visitLabel(next);
                mv.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
            }
            if (hasJavacs) {
                mv.visitVarInsn(Opcodes.ALOAD, 0);
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, owner, JAVACS, "(L" + SERIALIZED_LAMBDA + ";)Ljava/lang/Object;", false);
                mv.visitInsn(Opcodes.ARETURN);
            } else {
                mv.visitTypeInsn(Opcodes.NEW, "java/lang/IllegalArgumentException");
                mv.visitInsn(Opcodes.DUP);
                mv.visitLdcInsn("Invalid lambda deserialization");
                mv.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/IllegalArgumentException", "<init>", "(Ljava/lang/String;)V", false);
                mv.visitInsn(Opcodes.ATHROW);
            }
            mv.visitMaxs(0, 0);
            mv.visitEnd();
        }

        /** Jumps to {@code next} unless {@code lambda.getter()} equals {@code expected}. */
        private static void check(MethodVisitor mv, String getter, String expected, Label next) {
            mv.visitVarInsn(Opcodes.ALOAD, 0);
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, SERIALIZED_LAMBDA, getter, "()Ljava/lang/String;", false);
            mv.visitLdcInsn(expected);
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/String", "equals", "(Ljava/lang/Object;)Z", false);
            mv.visitJumpInsn(Opcodes.IFEQ, next);
        }

        /** Turns the Object on the stack into a value of {@code type}: a cast, or unboxing for a primitive. */
        private static void unbox(MethodVisitor mv, Type type) {
            String box = switch (type.getSort()) {
                case Type.BOOLEAN -> "java/lang/Boolean";
                case Type.CHAR -> "java/lang/Character";
                case Type.BYTE -> "java/lang/Byte";
                case Type.SHORT -> "java/lang/Short";
                case Type.INT -> "java/lang/Integer";
                case Type.FLOAT -> "java/lang/Float";
                case Type.LONG -> "java/lang/Long";
                case Type.DOUBLE -> "java/lang/Double";
                default -> null;
            };
            if (box == null) {
                mv.visitTypeInsn(Opcodes.CHECKCAST, type.getInternalName());
                return;
            }
            mv.visitTypeInsn(Opcodes.CHECKCAST, box);
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, box, type.getClassName() + "Value", "()" + type.getDescriptor(), false);
        }
    }
}
