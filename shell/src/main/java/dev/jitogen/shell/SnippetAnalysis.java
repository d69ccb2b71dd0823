package dev.jitogen.shell;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ConstantDynamic;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads snippet bytecode (with ASM) to find what code run from a function can reach: the methods it calls, the
 * classes it creates or names, and the static fields it reads or writes. {@link SnippetStatics} turns the static
 * fields of snippet classes into the top-level variables to ship with a call.
 *
 * <p>Two kinds of snippet class are told apart. A <em>wrapper</em> is a top-level class JShell generates per
 * snippet ({@code REPL.$JShell$7}); it holds top-level variables as static fields and top-level methods as static
 * methods, and its {@code do_it$} mentions whatever the snippet's statement does, so a wrapper is followed one
 * called method at a time. Any other snippet class (a class, record, enum or interface typed at the prompt, an
 * anonymous or local class) is followed whole, every method and its snippet supertypes, as soon as code creates it
 * or names it as a field or method owner: virtual dispatch, initializers and constant bodies may run any of them.
 * A virtual or interface call on a snippet type also follows every snippet subtype of it.
 *
 * <p>Pure: results depend only on the class bytes the {@link Source} gives. Thread-safe: any thread may use one
 * instance (parsed classes are cached, keyed by name and checked against the bytes). A {@link Walk} is for one
 * thread at a time.
 */
final class SnippetAnalysis {
    /** Where snippet classes come from. Must be thread-safe and never block. */
    interface Source {
        /** The class file of snippet class {@code binaryName}, or null if it is not one. */
        byte[] bytes(String binaryName);

        /** The names of every snippet class defined so far. */
        Set<String> names();
    }

    /** A method: owner's binary name ({@code a.b.C$D}), name, descriptor. */
    record Method(String owner, String name, String descriptor) {}

    /** A field: the owner named by the instruction (binary name; it may inherit the field) and the field's name. */
    record Field(String owner, String name) {}

    /** A call, or a method handle; {@code dispatched} when the JVM picks the method by the receiver's class. */
    record Call(Method method, boolean dispatched) {}

    /**
     * What one method's code touches.
     *
     * @param parameterNames source names of the parameters, by position, from the LocalVariableTable or the
     *                       MethodParameters attribute; an entry is null where the class file does not say
     * @param classes        classes created ({@code NEW}, constructor handles) or loaded as constants
     */
    record Code(List<String> parameterNames, Set<Field> staticFields, Set<Call> calls, Set<String> classes) {}

    /**
     * One class file.
     *
     * @param nested     true for a member, local or anonymous class; false for a top-level class
     * @param supertypes superclass (if any) and interfaces, as binary names
     * @param methods    by name followed by descriptor, e.g. {@code run()V}
     */
    record ClassInfo(String name, boolean nested, List<String> supertypes, Map<String, Code> methods) {
        Code method(String name, String descriptor) {
            return methods.get(name + descriptor);
        }
    }

    private record Parsed(byte[] bytes, ClassInfo info) {}

    private final Source source;
    /** Parsed snippet classes. Names are immutable in the shell, but the bytes are compared anyway (cheap). */
    private final ConcurrentHashMap<String, Parsed> parsed = new ConcurrentHashMap<>();

    SnippetAnalysis(Source source) {
        this.source = source;
    }

    /** The snippet class {@code name}, parsed; null if it is not a snippet class. */
    ClassInfo info(String name) {
        byte[] bytes = source.bytes(name);
        if (bytes == null) return null;
        Parsed p = parsed.get(name);
        if (p == null || p.bytes != bytes) {
            try {
                p = new Parsed(bytes, read(bytes));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("cannot read snippet class " + name + ": " + e.getMessage(), e);
            }
            parsed.put(name, p);
        }
        return p.info;
    }

    /** The parameter names of {@code m} (see {@link Code#parameterNames}), or an empty list if it is not known. */
    List<String> parameterNames(Method m) {
        ClassInfo c = info(m.owner());
        Code code = c == null ? null : c.method(m.name(), m.descriptor());
        return code == null ? List.of() : code.parameterNames();
    }

    /** Starts a walk: give it entry points, then collect the static fields it reaches. */
    Walk walk() {
        return new Walk();
    }

    /**
     * Follows code from entry points through everything it may run, reporting each static field of a snippet class
     * once. Entry points may be added between calls of {@link #next}, e.g. the classes of values read so far. One
     * thread at a time.
     */
    final class Walk {
        private final Set<Method> methodsSeen = new HashSet<>();
        private final Set<String> typesSeen = new HashSet<>();
        private final Set<Field> fieldsSeen = new HashSet<>();
        private final ArrayDeque<Method> methods = new ArrayDeque<>();
        private final ArrayDeque<String> types = new ArrayDeque<>();
        private final List<Field> found = new ArrayList<>();
        /** Snippet types by direct supertype; built when first needed. */
        private Map<String, List<String>> subtypes;

        private Walk() {}

        /** Follows method {@code m} alone (e.g. a lambda's implementation method), if it belongs to a snippet class. */
        void method(Method m) {
            if (info(m.owner()) != null && methodsSeen.add(m)) methods.add(m);
        }

        /** Follows every method of {@code name} and its snippet supertypes, if it is a snippet class but no wrapper. */
        void type(String name) {
            ClassInfo c = info(name);
            if (c != null && c.nested() && typesSeen.add(name)) types.add(name);
        }

        /** Follows everything added so far; returns the static fields of snippet classes found since the last call. */
        List<Field> next() {
            while (!methods.isEmpty() || !types.isEmpty()) {
                if (!types.isEmpty()) {
                    ClassInfo c = info(types.poll());
                    if (c == null) continue; // dropped since it was added
                    for (Code code : c.methods().values()) follow(code);
                    for (String s : c.supertypes()) type(s);
                } else {
                    Method m = methods.poll();
                    ClassInfo c = info(m.owner());
                    Code code = c == null ? null : c.method(m.name(), m.descriptor());
                    if (code != null) follow(code);
                }
            }
            List<Field> out = List.copyOf(found);
            found.clear();
            return out;
        }

        private void follow(Code code) {
            for (Field f : code.staticFields()) {
                ClassInfo owner = info(f.owner());
                if (owner == null) continue;
                if (fieldsSeen.add(f)) found.add(f);
                if (owner.nested()) type(f.owner()); // reading it runs its static initializer in the child
            }
            for (Call call : code.calls()) {
                String owner = call.method().owner();
                ClassInfo c = info(owner);
                if (c == null) continue;
                if (!c.nested()) {
                    method(call.method()); // a wrapper: that method alone
                    continue;
                }
                type(owner);
                if (call.dispatched()) for (String sub : subtypesOf(owner)) type(sub);
            }
            for (String c : code.classes()) type(c);
        }

        /** Every snippet class that extends or implements {@code type}, directly or not. */
        private Set<String> subtypesOf(String type) {
            if (subtypes == null) {
                subtypes = new HashMap<>();
                for (String name : source.names()) {
                    ClassInfo c = info(name);
                    if (c == null) continue;
                    for (String s : c.supertypes()) subtypes.computeIfAbsent(s, k -> new ArrayList<>()).add(name);
                }
            }
            Set<String> out = new LinkedHashSet<>();
            ArrayDeque<String> queue = new ArrayDeque<>(List.of(type));
            while (!queue.isEmpty()) {
                for (String sub : subtypes.getOrDefault(queue.poll(), List.of())) if (out.add(sub)) queue.add(sub);
            }
            return out;
        }
    }

    // ---- reading one class file -----------------------------------------------------------------------------------

    /**
     * Reads every method of {@code classFile}. Pure; any thread.
     *
     * @throws IllegalArgumentException if it is not a class file ASM can read
     */
    static ClassInfo read(byte[] classFile) {
        ClassScanner scanner = new ClassScanner();
        try {
            new ClassReader(classFile).accept(scanner, ClassReader.SKIP_FRAMES);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException e) { // ASM reports a damaged class file as whatever indexing failed
            throw new IllegalArgumentException("malformed class file: " + e, e);
        }
        return new ClassInfo(scanner.name, scanner.nested, List.copyOf(scanner.supertypes),
                Collections.unmodifiableMap(scanner.methods));
    }

    private static String binaryName(String internalName) {
        return internalName.replace('/', '.');
    }

    private static final class ClassScanner extends ClassVisitor {
        String name;
        boolean nested;
        final List<String> supertypes = new ArrayList<>();
        final Map<String, Code> methods = new LinkedHashMap<>();
        private String internalName;

        ClassScanner() {
            super(Opcodes.ASM9);
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName,
                          String[] interfaces) {
            internalName = name;
            this.name = binaryName(name);
            if (superName != null) supertypes.add(binaryName(superName));
            if (interfaces != null) for (String i : interfaces) supertypes.add(binaryName(i));
        }

        @Override
        public void visitNestHost(String nestHost) {
            nested = true;
        }

        @Override
        public void visitOuterClass(String owner, String name, String descriptor) {
            nested = true; // local or anonymous
        }

        @Override
        public void visitInnerClass(String name, String outerName, String innerName, int access) {
            if (name.equals(internalName)) nested = true; // classes compiled before nestmates (Java 11) say it here
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                         String[] exceptions) {
            return new MethodScanner(access, descriptor, code -> methods.put(name + descriptor, code));
        }
    }

    /** Collects one method's {@link Code}. */
    private static final class MethodScanner extends MethodVisitor {
        private final boolean isStatic;
        private final String descriptor;
        private final java.util.function.Consumer<Code> done;
        /** What the code touches, in order; null while empty (most methods touch few kinds of thing). */
        private Set<Field> staticFields;
        private Set<Call> calls;
        private Set<String> classes;
        /** Names from the MethodParameters attribute, in order. */
        private final List<String> declaredNames = new ArrayList<>();
        /** LocalVariableTable names by slot, of the variables live from the first label on: the parameters. */
        private final Map<Integer, String> slotNames = new HashMap<>();
        /** The first label visited; a LocalVariableTable that names parameters puts one at offset 0. */
        private Label entry;

        MethodScanner(int access, String descriptor, java.util.function.Consumer<Code> done) {
            super(Opcodes.ASM9);
            this.isStatic = (access & Opcodes.ACC_STATIC) != 0;
            this.descriptor = descriptor;
            this.done = done;
        }

        @Override
        public void visitParameter(String name, int access) {
            declaredNames.add(name);
        }

        @Override
        public void visitLabel(Label label) {
            if (entry == null) entry = label; // labels come in offset order: the first one starts the parameters' range
        }

        @Override
        public void visitTypeInsn(int opcode, String type) {
            if (opcode == Opcodes.NEW) classes = add(classes, binaryName(type));
        }

        @Override
        public void visitFieldInsn(int opcode, String owner, String name, String descriptor) {
            if (opcode == Opcodes.GETSTATIC || opcode == Opcodes.PUTSTATIC) {
                staticFields = add(staticFields, new Field(binaryName(owner), name));
            }
        }

        @Override
        public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
            if (owner.startsWith("[")) return; // clone() of an array
            boolean dispatched = opcode == Opcodes.INVOKEVIRTUAL || opcode == Opcodes.INVOKEINTERFACE;
            calls = add(calls, new Call(new Method(binaryName(owner), name, descriptor), dispatched));
        }

        @Override
        public void visitInvokeDynamicInsn(String name, String descriptor, Handle bootstrap, Object... arguments) {
            constant(bootstrap);
            for (Object a : arguments) constant(a);
        }

        @Override
        public void visitLdcInsn(Object value) {
            constant(value);
        }

        /** A loadable constant: method handles and class constants matter; dynamic ones are read through. */
        private void constant(Object value) {
            if (value instanceof Handle h) {
                handle(h);
            } else if (value instanceof ConstantDynamic d) {
                constant(d.getBootstrapMethod());
                for (int i = 0; i < d.getBootstrapMethodArgumentCount(); i++) constant(d.getBootstrapMethodArgument(i));
            } else if (value instanceof Type t) {
                Type element = t.getSort() == Type.ARRAY ? t.getElementType() : t;
                if (element.getSort() == Type.OBJECT) classes = add(classes, element.getClassName());
            }
        }

        private void handle(Handle h) {
            if (h.getOwner().startsWith("[")) return;
            String owner = binaryName(h.getOwner());
            switch (h.getTag()) {
                case Opcodes.H_GETSTATIC, Opcodes.H_PUTSTATIC ->
                        staticFields = add(staticFields, new Field(owner, h.getName()));
                case Opcodes.H_GETFIELD, Opcodes.H_PUTFIELD -> {
                    // an instance field: its object already came from code or values followed
                }
                case Opcodes.H_INVOKEVIRTUAL, Opcodes.H_INVOKEINTERFACE ->
                        calls = add(calls, new Call(new Method(owner, h.getName(), h.getDesc()), true));
                case Opcodes.H_NEWINVOKESPECIAL -> {
                    classes = add(classes, owner);
                    calls = add(calls, new Call(new Method(owner, h.getName(), h.getDesc()), false));
                }
                default -> // static, special
                        calls = add(calls, new Call(new Method(owner, h.getName(), h.getDesc()), false));
            }
        }

        @Override
        public void visitLocalVariable(String name, String descriptor, String signature, Label start, Label end,
                                       int index) {
            if (start == entry) slotNames.putIfAbsent(index, name);
        }

        @Override
        public void visitEnd() {
            done.accept(new Code(parameterNames(), frozen(staticFields), frozen(calls), frozen(classes)));
        }

        private static <T> Set<T> add(Set<T> set, T item) {
            Set<T> out = set != null ? set : new LinkedHashSet<>();
            out.add(item);
            return out;
        }

        private static <T> Set<T> frozen(Set<T> set) {
            return set == null ? Set.of() : Collections.unmodifiableSet(set);
        }

        private List<String> parameterNames() {
            Type[] params = Type.getArgumentTypes(descriptor);
            if (params.length == 0) return List.of();
            String[] names = new String[params.length];
            int slot = isStatic ? 0 : 1;
            for (int i = 0; i < params.length; i++) {
                String n = slotNames.get(slot);
                if (n == null && declaredNames.size() == params.length) n = declaredNames.get(i);
                names[i] = n;
                slot += params[i].getSize();
            }
            return Collections.unmodifiableList(Arrays.asList(names));
        }
    }
}
