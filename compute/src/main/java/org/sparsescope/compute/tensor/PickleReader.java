package org.sparsescope.compute.tensor;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle virtual machine for data only (protocols 0–5). Written by hand, replacing a general unpickler, because a
 * reader of hostile files must check every length against the bytes really left before allocating, refuse any route
 * to code, bound nesting, and never re-expand structure the memo shares (a 60-byte pickle can describe 2^28 nodes);
 * a general unpickler does none of these. Globals and persistent ids are the caller's to interpret; what comes back
 * is plain data: null, Boolean, Long, BigInteger, Double, String, byte[], List, Map, Set, Object[] (a tuple), and
 * whatever the caller's callables return.
 */
final class PickleReader {
    /** Deeper nesting than this is refused: real files nest a handful of levels. */
    static final int MAX_DEPTH = 200;
    /** Longest text line (GLOBAL, INT, LONG, FLOAT…) and longest integer, in bytes. */
    private static final int MAX_LINE = 4096;

    /** What a GLOBAL names, after the caller has resolved it: called by REDUCE/NEWOBJ, or a marker. */
    interface Callable {
        Object call(Object[] args) throws TensorFileException;
    }

    /** An object that receives BUILD state (an instance of an allowed class under construction). */
    interface Buildable {
        void build(Object state) throws TensorFileException;
    }

    interface Globals {
        /** The object a GLOBAL stands for; throws (typically {@link UnsafePickleException}) when not allowed. */
        Object resolve(String module, String name) throws TensorFileException;
    }

    interface PersistentLoader {
        Object load(Object pid) throws TensorFileException;
    }

    private static final Object MARK = new Object() {
        @Override
        public String toString() {
            return "MARK";
        }
    };

    private final Path file;
    private final byte[] data;
    private final Globals globals;
    private final PersistentLoader persistent;
    private int pos;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    PickleReader(Path file, byte[] data, Globals globals, PersistentLoader persistent) {
        this.file = file;
        this.data = data;
        this.globals = globals;
        this.persistent = persistent;
    }

    private TensorFileException bad(String what) {
        return new TensorFileException(file, "malformed pickle at byte " + pos + ": " + what);
    }

    private UnsafePickleException unsafe(String what) {
        return new UnsafePickleException(file, what + "; nothing was executed");
    }

    /** Runs the pickle to its STOP and returns the top of the stack. */
    Object read() throws TensorFileException {
        while (true) {
            if (pos >= data.length) {
                throw bad("ends before its STOP opcode (truncated)");
            }
            int op = data[pos++] & 0xFF;
            switch (op) {
                case 0x80 -> u8(); // PROTO
                case 0x95 -> bytes(8); // FRAME: a length hint only
                case '.' -> {
                    Object top = pop();
                    if (top == MARK) {
                        throw bad("STOP with a MARK on top");
                    }
                    return top;
                }
                case '(' -> {
                    marks.add(stack.size());
                    stack.add(MARK);
                }
                case '0' -> pop();
                case '1' -> popMark();
                case '2' -> push(peek());
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'I' -> {
                    String s = line();
                    push(
                            switch (s) {
                                case "01" -> Boolean.TRUE;
                                case "00" -> Boolean.FALSE;
                                default -> integer(s);
                            });
                }
                case 'J' ->
                    push((long) ByteBuffer.wrap(bytes(4))
                            .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                            .getInt());
                case 'K' -> push((long) u8());
                case 'M' -> push((long) (u8() | u8() << 8));
                case 'L' -> {
                    String s = line();
                    push(integer(s.endsWith("L") ? s.substring(0, s.length() - 1) : s));
                }
                case 0x8a -> push(littleEndianInteger(bytes(u8())));
                case 0x8b -> push(littleEndianInteger(bytes(length(4, MAX_LINE))));
                case 'F' -> {
                    String s = line();
                    try {
                        push(Double.parseDouble(s));
                    } catch (NumberFormatException e) {
                        throw bad("FLOAT '" + abbreviate(s) + "' is not a number");
                    }
                }
                case 'G' -> push(ByteBuffer.wrap(bytes(8)).getDouble());
                case 'S' -> push(quoted(line()));
                case 'T' -> push(new String(bytes(length(4, Integer.MAX_VALUE)), StandardCharsets.ISO_8859_1));
                case 'U' -> push(new String(bytes(u8()), StandardCharsets.ISO_8859_1));
                case 'B' -> push(bytes(length(4, Integer.MAX_VALUE)));
                case 'C' -> push(bytes(u8()));
                case 0x8e, 0x96 -> push(bytes(length(8, Integer.MAX_VALUE)));
                case 'V' -> push(rawUnicodeEscape(line()));
                case 'X' -> push(utf8(bytes(length(4, Integer.MAX_VALUE))));
                case 0x8c -> push(utf8(bytes(u8())));
                case 0x8d -> push(utf8(bytes(length(8, Integer.MAX_VALUE))));
                case ']' -> push(new ArrayList<>());
                case 'l' -> push(new ArrayList<>(popMark()));
                case 'a' -> {
                    Object v = pop();
                    list(peek(), "APPEND").add(v);
                }
                case 'e' -> {
                    List<Object> items = popMark();
                    list(peek(), "APPENDS").addAll(items);
                }
                case ')' -> push(new Object[0]);
                case 't' -> push(popMark().toArray());
                case 0x85 -> push(new Object[] {pop()});
                case 0x86 -> {
                    Object b = pop();
                    push(new Object[] {pop(), b});
                }
                case 0x87 -> {
                    Object c = pop();
                    Object b = pop();
                    push(new Object[] {pop(), b, c});
                }
                case '}' -> push(new LinkedHashMap<>());
                case 'd' -> {
                    Map<Object, Object> m = new LinkedHashMap<>();
                    putAll(m, popMark());
                    push(m);
                }
                case 's' -> {
                    Object v = pop();
                    Object k = pop();
                    dict(peek(), "SETITEM").put(key(k), v);
                }
                case 'u' -> {
                    List<Object> items = popMark();
                    putAll(dict(peek(), "SETITEMS"), items);
                }
                case 0x8f -> push(new LinkedHashSet<>());
                case 0x90 -> {
                    List<Object> items = popMark();
                    Set<Object> s = set(peek());
                    for (Object o : items) {
                        s.add(key(o));
                    }
                }
                case 0x91 -> {
                    Set<Object> s = new LinkedHashSet<>();
                    for (Object o : popMark()) {
                        s.add(key(o));
                    }
                    push(s);
                }
                case 'g' -> push(memoGet(memoIndex(line())));
                case 'h' -> push(memoGet(u8()));
                case 'j' -> push(memoGet(length(4, Integer.MAX_VALUE)));
                case 'p' -> memo.put(memoIndex(line()), peek());
                case 'q' -> memo.put((long) u8(), peek());
                case 'r' -> memo.put((long) length(4, Integer.MAX_VALUE), peek());
                case 0x94 -> memo.put((long) memo.size(), peek());
                case 'c' -> {
                    String module = line();
                    String name = line();
                    push(globals.resolve(module, name));
                }
                case 0x93 -> {
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw bad("STACK_GLOBAL needs two strings, found " + TorchFile.describe(module) + " and "
                                + TorchFile.describe(name));
                    }
                    push(globals.resolve(m, n));
                }
                case 'R' -> {
                    Object args = pop();
                    Object callable = pop();
                    push(call(callable, args, "REDUCE"));
                }
                case 0x81 -> {
                    Object args = pop();
                    Object cls = pop();
                    push(call(cls, args, "NEWOBJ"));
                }
                case 0x92 -> {
                    Object kwargs = pop();
                    Object args = pop();
                    Object cls = pop();
                    if (!(kwargs instanceof Map<?, ?> kw) || !kw.isEmpty()) {
                        throw unsafe("NEWOBJ_EX with keyword arguments is not read");
                    }
                    push(call(cls, args, "NEWOBJ_EX"));
                }
                case 'b' -> {
                    Object state = pop();
                    Object target = peek();
                    if (target instanceof Buildable b) {
                        b.build(state);
                    } else if (!(target instanceof Map<?, ?>)
                            && !(target instanceof Tensor)
                            && !(target instanceof TensorInfo)) {
                        // BUILD on a dict or tensor only carries attributes (a state dict's _metadata) that are not
                        // data we use
                        throw bad("BUILD on " + TorchFile.describe(target) + " is not supported");
                    }
                }
                case 'Q' -> push(persistent.load(pop()));
                case 'P' -> push(persistent.load(line()));
                case 'i', 'o' -> throw unsafe("the pickle uses the INST/OBJ opcode, which creates arbitrary instances");
                case 0x82, 0x83, 0x84 -> throw unsafe("the pickle uses an extension-registry opcode (EXT)");
                case 0x97, 0x98 -> throw bad("out-of-band buffers (protocol 5) are not read");
                default -> throw bad(String.format("unknown opcode 0x%02x", op));
            }
        }
    }

    private Object call(Object callable, Object args, String opcode) throws TensorFileException {
        if (!(callable instanceof Callable c)) {
            throw bad(opcode + " on " + TorchFile.describe(callable) + ", which is not a callable the reader allows");
        }
        if (!(args instanceof Object[] a)) {
            throw bad(opcode + " needs a tuple of arguments, found " + TorchFile.describe(args));
        }
        return c.call(a);
    }

    // --- the stack ---

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() throws TensorFileException {
        if (stack.isEmpty()) {
            throw bad("stack underflow");
        }
        Object o = stack.remove(stack.size() - 1);
        if (o == MARK) {
            marks.remove(marks.size() - 1);
        }
        return o;
    }

    private Object peek() throws TensorFileException {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw bad("an opcode needs a value on the stack, found " + (stack.isEmpty() ? "none" : "a MARK"));
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() throws TensorFileException {
        if (marks.isEmpty()) {
            throw bad("an opcode needs a MARK, and there is none");
        }
        int at = marks.remove(marks.size() - 1);
        List<Object> items = new ArrayList<>(stack.subList(at + 1, stack.size()));
        stack.subList(at, stack.size()).clear();
        return items;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object target, String opcode) throws TensorFileException {
        if (target instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        throw bad(opcode + " on " + TorchFile.describe(target) + ", which is not a list");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object target, String opcode) throws TensorFileException {
        if (target instanceof LinkedHashMap<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw bad(opcode + " on " + TorchFile.describe(target) + ", which is not a dict");
    }

    @SuppressWarnings("unchecked")
    private Set<Object> set(Object target) throws TensorFileException {
        if (target instanceof LinkedHashSet<?> s) {
            return (Set<Object>) s;
        }
        throw bad("ADDITEMS on " + TorchFile.describe(target) + ", which is not a set");
    }

    private void putAll(Map<Object, Object> m, List<Object> items) throws TensorFileException {
        if (items.size() % 2 != 0) {
            throw bad("an odd number of items for a dict");
        }
        for (int i = 0; i < items.size(); i += 2) {
            m.put(key(items.get(i)), items.get(i + 1));
        }
    }

    /** Dict keys and set members must be scalars: hashing a shared tuple structure could take exponential time. */
    private Object key(Object k) throws TensorFileException {
        if (k == null
                || k instanceof String
                || k instanceof Long
                || k instanceof BigInteger
                || k instanceof Double
                || k instanceof Boolean) {
            return k;
        }
        throw bad("a dict key or set member of type " + TorchFile.describe(k) + " (only strings and numbers are read)");
    }

    private Object memoGet(long index) throws TensorFileException {
        if (!memo.containsKey(index)) {
            throw bad("memo entry " + index + " is read before it is stored");
        }
        return memo.get(index);
    }

    private long memoIndex(String s) throws TensorFileException {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw bad("memo index '" + abbreviate(s) + "' is not a number");
        }
    }

    // --- the bytes ---

    private int u8() throws TensorFileException {
        if (pos >= data.length) {
            throw bad("truncated");
        }
        return data[pos++] & 0xFF;
    }

    /** A little-endian length of {@code width} bytes, checked against what is left before anything is allocated. */
    private int length(int width, int max) throws TensorFileException {
        byte[] b = bytes(width);
        long n = 0;
        for (int i = width - 1; i >= 0; i--) {
            n = n << 8 | (b[i] & 0xFF);
        }
        if (width == 8 && b[7] < 0 || n > max) {
            throw bad("a length of " + Long.toUnsignedString(n) + " is more than this reader takes (" + max + ")");
        }
        return (int) n;
    }

    private byte[] bytes(int n) throws TensorFileException {
        if (n < 0 || n > data.length - pos) {
            throw bad("a field of " + Integer.toUnsignedString(n) + " bytes runs past the end of the pickle ("
                    + (data.length - pos) + " bytes left)");
        }
        byte[] out = new byte[n];
        System.arraycopy(data, pos, out, 0, n);
        pos += n;
        return out;
    }

    private String line() throws TensorFileException {
        int end = pos;
        int limit = Math.min(data.length, pos + MAX_LINE);
        while (end < limit && data[end] != '\n') {
            end++;
        }
        if (end >= limit) {
            throw bad(
                    end >= data.length
                            ? "a text field runs past the end of the pickle"
                            : "a text field longer than " + MAX_LINE + " bytes");
        }
        String s = new String(data, pos, end - pos, StandardCharsets.ISO_8859_1);
        pos = end + 1;
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private Object integer(String s) throws TensorFileException {
        try {
            BigInteger v = new BigInteger(s.strip());
            return v.bitLength() < 64 ? (Object) v.longValue() : v;
        } catch (NumberFormatException e) {
            throw bad("'" + abbreviate(s) + "' is not an integer");
        }
    }

    private static Object littleEndianInteger(byte[] le) {
        if (le.length == 0) {
            return 0L;
        }
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) {
            be[i] = le[le.length - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String utf8(byte[] b) throws TensorFileException {
        try {
            CharBuffer c = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b));
            return c.toString();
        } catch (CharacterCodingException e) {
            throw bad("a string that is not valid UTF-8");
        }
    }

    /** Protocol 0's STRING: a Python repr in quotes. */
    private String quoted(String s) throws TensorFileException {
        if (s.length() < 2 || (s.charAt(0) != '\'' && s.charAt(0) != '"') || s.charAt(s.length() - 1) != s.charAt(0)) {
            throw bad("STRING " + abbreviate(s) + " is not quoted");
        }
        String body = s.substring(1, s.length() - 1);
        StringBuilder out = new StringBuilder(body.length());
        for (int i = 0; i < body.length(); i++) {
            char ch = body.charAt(i);
            if (ch != '\\' || i + 1 == body.length()) {
                out.append(ch);
                continue;
            }
            char e = body.charAt(++i);
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'x' -> {
                    out.append((char) hex(body, i + 1, 2));
                    i += 2;
                }
                default -> out.append(e);
            }
        }
        return out.toString();
    }

    /** Protocol 0's UNICODE: latin-1 with \\uXXXX and \\UXXXXXXXX escapes. */
    private String rawUnicodeEscape(String s) throws TensorFileException {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\\' && i + 1 < s.length() && (s.charAt(i + 1) == 'u' || s.charAt(i + 1) == 'U')) {
                int n = s.charAt(i + 1) == 'u' ? 4 : 8;
                int cp = hex(s, i + 2, n);
                if (!Character.isValidCodePoint(cp)) {
                    throw bad("\\U escape names no character");
                }
                out.appendCodePoint(cp);
                i += 1 + n;
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }

    private int hex(String s, int from, int n) throws TensorFileException {
        if (from + n > s.length()) {
            throw bad("a truncated escape");
        }
        try {
            return (int) Long.parseLong(s.substring(from, from + n), 16);
        } catch (NumberFormatException e) {
            throw bad("a malformed escape");
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    /**
     * The finished result as plain, immutable-by-convention data. Each shared object is converted once (an identity
     * map), so structure the memo shares stays shared: linear in the pickle's size. A container that holds itself,
     * nesting deeper than {@link #MAX_DEPTH}, and anything that is not data (a stray MARK, a global, a storage) are
     * typed errors.
     */
    static Object plainData(Path file, Object root, java.util.function.Function<Object, Object> finish)
            throws TensorFileException {
        return new Freezer(file, finish).freeze(root, 0);
    }

    private static final class Freezer {
        private final Path file;
        private final java.util.function.Function<Object, Object> finish;
        private final IdentityHashMap<Object, Object> done = new IdentityHashMap<>();
        private final IdentityHashMap<Object, Boolean> open = new IdentityHashMap<>();

        Freezer(Path file, java.util.function.Function<Object, Object> finish) {
            this.file = file;
            this.finish = finish;
        }

        Object freeze(Object o, int depth) throws TensorFileException {
            if (o == null
                    || o instanceof String
                    || o instanceof Long
                    || o instanceof BigInteger
                    || o instanceof Double
                    || o instanceof Boolean
                    || o instanceof byte[]
                    || o instanceof Tensor
                    || o instanceof TensorInfo) {
                return o;
            }
            if (done.containsKey(o)) {
                return done.get(o);
            }
            if (open.containsKey(o)) {
                throw new TensorFileException(file, "malformed pickle: " + TorchFile.describe(o) + " contains itself");
            }
            if (depth > MAX_DEPTH) {
                throw new TensorFileException(
                        file, "malformed pickle: data nested more than " + MAX_DEPTH + " levels deep");
            }
            open.put(o, Boolean.TRUE);
            Object out;
            Object pre = finish.apply(o);
            if (pre != o) {
                out = freeze(pre, depth + 1);
            } else if (o instanceof Map<?, ?> m) {
                Map<Object, Object> copy = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    copy.put(e.getKey(), freeze(e.getValue(), depth + 1));
                }
                out = java.util.Collections.unmodifiableMap(copy);
            } else if (o instanceof List<?> l) {
                List<Object> copy = new ArrayList<>(l.size());
                for (Object v : l) {
                    copy.add(freeze(v, depth + 1));
                }
                out = java.util.Collections.unmodifiableList(copy);
            } else if (o instanceof Set<?> s) {
                out = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(s)); // members are scalars
            } else if (o instanceof Object[] a) {
                Object[] copy = new Object[a.length];
                for (int i = 0; i < a.length; i++) {
                    copy[i] = freeze(a[i], depth + 1);
                }
                out = copy;
            } else if (o instanceof PickledObject p) {
                List<Object> args = new ArrayList<>();
                for (Object v : p.args()) {
                    args.add(freeze(v, depth + 1));
                }
                Map<String, Object> state = new LinkedHashMap<>();
                for (Map.Entry<String, Object> e : p.state().entrySet()) {
                    state.put(e.getKey(), freeze(e.getValue(), depth + 1));
                }
                out = new PickledObject(p.className(), args, state);
            } else {
                throw new TensorFileException(
                        file,
                        "malformed pickle: it leaves " + (o == MARK ? "a MARK" : TorchFile.describe(o))
                                + " where data should be");
            }
            open.remove(o);
            done.put(o, out);
            return out;
        }
    }
}
