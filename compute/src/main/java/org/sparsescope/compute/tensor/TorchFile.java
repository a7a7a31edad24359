package org.sparsescope.compute.tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;

/**
 * PyTorch {@code torch.save} zip files: tensors, and dicts, lists and tuples of them. The pickle is read by our own
 * data-only {@link PickleReader} with every global checked against a fixed whitelist (module and name exactly); INST,
 * OBJ and EXT opcodes are refused, and classes the caller allows come back as {@link PickledObject} data. Nothing in a
 * file is ever executed, and every size in it is checked against the archive's real bytes.
 */
public final class TorchFile {
    /** The globals a plain tensor or state-dict file needs. */
    private static final Set<String> TENSOR_GLOBALS = Set.of(
            "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_tensor",
            "torch._utils._rebuild_parameter",
            "collections.OrderedDict");

    private TorchFile() {}

    /** Reads a file that holds tensors or containers of tensors only. */
    public static Object read(Path path) throws IOException {
        return read(path, Set.of());
    }

    /**
     * Reads a file, reconstructing instances of {@code allowedClasses} (dotted names such as
     * {@code autoencoders.learned_dict.UntiedSAE}) as {@link PickledObject}s.
     */
    public static Object read(Path path, Set<String> allowedClasses) throws IOException {
        return read(path, allowedClasses, false);
    }

    /**
     * The shape and type of a file holding a single tensor, read from its pickle without loading the storage
     * (for indexing chunk folders whose chunks are gigabytes).
     */
    public static TensorInfo readTensorInfo(Path path) throws IOException {
        Object root = read(path, Set.of(), true);
        if (root instanceof TensorInfo t) {
            return t;
        }
        throw new TensorFileException(path, "expected a single tensor, found " + describe(root));
    }

    /** The pickle of a torch.save file is kilobytes (the tensors live beside it); more than this is not one. */
    private static final long MAX_PICKLE_BYTES = 64L << 20;

    private static Object read(Path path, Set<String> allowedClasses, boolean shapesOnly) throws IOException {
        try (ZipArchive zip = ZipArchive.open(path)) {
            ZipEntry pkl = zip.entries().stream()
                    .filter(e ->
                            e.getName().endsWith("/data.pkl") || e.getName().equals("data.pkl"))
                    .findFirst()
                    .orElseThrow(() -> new TensorFileException(
                            path,
                            "no data.pkl inside; not a torch.save zip file (the legacy pre-1.6 format is not read)"));
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            byte[] pickle = zip.read(pkl, MAX_PICKLE_BYTES, "the pickle");
            TensorPickle t = new TensorPickle(path, zip, prefix, allowedClasses, shapesOnly);
            Object root = new PickleReader(path, pickle, t::resolve, t::storage).read();
            return PickleReader.plainData(path, root, o -> o instanceof PickledObjectBuilder b ? b.toData() : o);
        }
    }

    /** Reads a file whose top level is a dict of tensors (a state dict); other values are ignored. */
    public static Map<String, Tensor> readStateDict(Path path) throws IOException {
        Object root = read(path);
        if (!(root instanceof Map<?, ?> map)) {
            throw new TensorFileException(path, "expected a dict of tensors at the top level, found " + describe(root));
        }
        Map<String, Tensor> out = tensorsOf(map);
        if (!out.isEmpty()) {
            return out;
        }
        // a training checkpoint keeps its state dict under one key ({"model_state_dict": {...}, "epoch": 3}): read
        // that when it is the only dict of tensors, rather than returning nothing
        List<String> holders = map.entrySet().stream()
                .filter(e ->
                        e.getValue() instanceof Map<?, ?> m && !tensorsOf(m).isEmpty())
                .map(e -> String.valueOf(e.getKey()))
                .toList();
        if (holders.size() == 1) {
            return tensorsOf((Map<?, ?>) map.get(holders.get(0)));
        }
        throw new TensorFileException(
                path,
                "holds no tensors at its top level"
                        + (holders.isEmpty()
                                ? ""
                                : "; the dicts " + holders + " hold tensors: which one is the state dict is not clear")
                        + " (keys: " + abbreviate(map.keySet().toString()) + ")");
    }

    /** The tensors of a dict read from a torch file, by key; its other values (strings, numbers) left out. */
    public static Map<String, Tensor> tensorsOf(Map<?, ?> map) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (e.getValue() instanceof Tensor t) {
                out.put(String.valueOf(e.getKey()), t);
            }
        }
        return out;
    }

    private static String abbreviate(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "…]" : s;
    }

    /** Reads a file holding a single tensor (as the research code's activation chunks are saved). */
    public static Tensor readTensor(Path path) throws IOException {
        Object root = read(path);
        if (root instanceof Tensor t) {
            return t;
        }
        throw new TensorFileException(path, "expected a single tensor, found " + describe(root));
    }

    /** What a pickled value is, in words, for messages ("a tuple of 2", "a dict of 5", "None"). */
    public static String describe(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof Object[] a) {
            return "a tuple of " + a.length;
        }
        if (o instanceof List<?> l) {
            return "a list of " + l.size();
        }
        if (o instanceof Map<?, ?> m) {
            return "a dict of " + m.size();
        }
        if (o instanceof String) {
            return "a string";
        }
        if (o instanceof Number n) {
            return "the number " + n;
        }
        if (o instanceof PickledObject p) {
            return "an instance of " + p.className();
        }
        if (o instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (o instanceof byte[] b) {
            return "bytes of length " + b.length;
        }
        Class<?> c = o.getClass();
        // the reader's own callables (whitelisted globals) are lambdas or anonymous classes: no name worth showing
        if (c.isSynthetic()
                || c.isAnonymousClass()
                || c.getSimpleName().isEmpty()
                || c.getName().contains("$$Lambda")) {
            return "a callable global";
        }
        return "a value of type " + c.getSimpleName();
    }

    /** A storage named by a pickle's persistent id: its element type, its entry, and the bytes its pickle declares. */
    private static final class Storage {
        final DType dtype;
        final ZipEntry entry;
        final long declaredBytes;
        ByteBuffer bytes;

        Storage(DType dtype, ZipEntry entry, long declaredBytes) {
            this.dtype = dtype;
            this.entry = entry;
            this.declaredBytes = declaredBytes;
        }
    }

    /** Marker for a storage class such as torch.HalfStorage, as it appears inside a persistent id. */
    private record StorageClass(DType dtype) {}

    /** The globals a tensor file may name, their meaning, and its storages; bounds every size it is given. */
    private static final class TensorPickle {
        private final Path path;
        private final ZipArchive zip;
        private final String prefix;
        private final Set<String> allowedClasses;
        private final boolean shapesOnly;
        private final Map<String, Storage> storages = new HashMap<>();
        /** Bytes that strided views may still copy out: at most the archive's size, so memory stays proportional to it. */
        private long gatherBudget;

        TensorPickle(Path path, ZipArchive zip, String prefix, Set<String> allowedClasses, boolean shapesOnly)
                throws IOException {
            this.path = path;
            this.zip = zip;
            this.prefix = prefix;
            this.allowedClasses = allowedClasses;
            this.shapesOnly = shapesOnly;
            this.gatherBudget = java.nio.file.Files.size(path);
        }

        private UnsafePickleException refuse(String what) {
            return new UnsafePickleException(
                    path,
                    what + "; only tensors, containers and "
                            + (allowedClasses.isEmpty() ? "no classes" : "the classes " + allowedClasses)
                            + " are read, and nothing is executed");
        }

        private TensorFileException bad(String what) {
            return new TensorFileException(path, "malformed pickle: " + what);
        }

        /** Module and name compared exactly: "torch" + "_utils._rebuild_tensor_v2" is not torch._utils._rebuild_tensor_v2. */
        Object resolve(String module, String name) throws TensorFileException {
            String dotted = module + "." + name;
            if (name.contains(".")) {
                throw refuse("the pickle names the global '" + ZipArchive.printable(dotted)
                        + "' by a dotted attribute path");
            }
            if (module.equals("torch") && name.endsWith("Storage")) {
                DType t = DType.fromTorchStorage(name).orElseThrow(() -> refuse("unsupported storage type " + dotted));
                return new StorageClass(t);
            }
            PickleReader.Callable body = switch (dotted) {
                case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> this::rebuildTensor;
                case "torch._utils._rebuild_parameter" ->
                    args -> {
                        if (args.length < 1 || !(args[0] instanceof Tensor || args[0] instanceof TensorInfo)) {
                            throw bad("_rebuild_parameter needs a tensor");
                        }
                        return args[0];
                    };
                case "collections.OrderedDict" ->
                    args -> {
                        if (args.length != 0) {
                            throw bad("OrderedDict built from arguments is not read");
                        }
                        return new LinkedHashMap<>();
                    };
                default -> null;
            };
            if (body != null) {
                return body;
            }
            if (allowedClasses.contains(dotted)) {
                return (PickleReader.Callable) args -> new PickledObjectBuilder(dotted, Arrays.asList(args));
            }
            throw refuse("the pickle names the global '" + ZipArchive.printable(dotted)
                    + "', which is not on the whitelist");
        }

        /** ('storage', torch.XStorage, key, location, numel): the storage's entry, found but not yet read. */
        Object storage(Object pid) throws TensorFileException {
            if (!(pid instanceof Object[] t)
                    || t.length < 5
                    || !"storage".equals(t[0])
                    || !(t[1] instanceof StorageClass sc)
                    || !(t[2] instanceof String key)
                    || !(t[4] instanceof Long numel)
                    || numel < 0) {
                throw bad("unexpected persistent id "
                        + (pid instanceof Object[] a ? "tuple of " + a.length : describe(pid)));
            }
            Storage known = storages.get(key);
            if (known != null) {
                return known;
            }
            ZipEntry e = zip.entry(prefix + "data/" + key);
            if (e == null) {
                throw new TensorFileException(
                        path,
                        "storage data/" + ZipArchive.printable(key)
                                + " named by the pickle is missing from the archive");
            }
            long declared =
                    Sizes.bytes(path, "storage data/" + ZipArchive.printable(key), new long[] {numel}, sc.dtype());
            long stated = zip.statedSize(e);
            if (stated >= 0 && stated < declared) {
                throw new TensorFileException(
                        path,
                        "storage data/" + ZipArchive.printable(key) + " holds " + stated
                                + " bytes, but the pickle declares " + numel + " elements (" + declared + " bytes)");
            }
            Storage s = new Storage(sc.dtype(), e, declared);
            storages.put(key, s);
            return s;
        }

        private ByteBuffer bytesOf(Storage s) throws TensorFileException {
            if (s.bytes == null) {
                if (s.declaredBytes > Runtime.getRuntime().maxMemory() / 2) {
                    throw new TensorFileException(
                            path,
                            "storage " + ZipArchive.printable(s.entry.getName()) + " of " + s.declaredBytes
                                    + " bytes does not fit in this process's memory ("
                                    + Runtime.getRuntime().maxMemory() + " bytes)");
                }
                byte[] b = zip.read(s.entry, s.declaredBytes, "storage");
                if (b.length < s.declaredBytes) {
                    throw new TensorFileException(
                            path,
                            "storage " + ZipArchive.printable(s.entry.getName()) + " holds " + b.length
                                    + " bytes, but the pickle declares " + s.declaredBytes + " (truncated)");
                }
                s.bytes = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            }
            return s.bytes;
        }

        private Object rebuildTensor(Object[] args) throws TensorFileException {
            if (args.length < 4 || !(args[0] instanceof Storage storage) || !(args[1] instanceof Long offset)) {
                throw bad("a tensor record (_rebuild_tensor) that is not (storage, offset, size, stride, …)");
            }
            long[] size = longs(args[2], "size");
            long[] stride = longs(args[3], "stride");
            if (size.length != stride.length) {
                throw bad("a tensor of " + size.length + " dimensions with " + stride.length + " strides");
            }
            int es = storage.dtype.byteSize();
            String what = "tensor of shape " + Arrays.toString(size);
            long numel = Sizes.elements(path, what, size);
            long bytes = Sizes.bytes(path, what, size, storage.dtype);
            if (offset < 0) {
                throw bad("a negative storage offset " + offset);
            }
            long needed = 0;
            if (numel > 0) {
                try {
                    long maxIndex = offset;
                    for (int i = 0; i < size.length; i++) {
                        maxIndex = Math.addExact(maxIndex, Math.multiplyExact(size[i] - 1, stride[i]));
                    }
                    needed = Math.multiplyExact(Math.addExact(maxIndex, 1), es);
                } catch (ArithmeticException ex) {
                    throw new TensorFileException(
                            path, what + " with strides " + Arrays.toString(stride) + " reaches past any storage");
                }
            }
            if (needed > storage.declaredBytes) {
                throw new TensorFileException(
                        path,
                        what + " needs " + needed + " bytes of its storage, which holds " + storage.declaredBytes);
            }
            if (bytes > storage.declaredBytes) {
                throw new TensorFileException(
                        path,
                        what + " has more elements than its storage (strides " + Arrays.toString(stride)
                                + " repeat elements; a broadcast view is not stored data)");
            }
            if (shapesOnly) {
                return new TensorInfo("", storage.dtype, size, offset * es, offset * es + bytes);
            }
            ByteBuffer src = bytesOf(storage);
            if (isContiguous(size, stride)) {
                ByteBuffer slice = src.duplicate()
                        .position((int) (offset * es))
                        .limit((int) (offset * es + bytes))
                        .slice();
                return new Tensor(storage.dtype, size, slice);
            }
            if (bytes > gatherBudget) {
                throw new TensorFileException(path, "strided views would copy more bytes than the whole file holds");
            }
            gatherBudget -= bytes;
            // A strided view (e.g. a transposed weight): gather its elements in row-major order.
            byte[] from = src.array();
            ByteBuffer out = ByteBuffer.allocate((int) bytes);
            long[] idx = new long[size.length];
            for (long n = 0; n < numel; n++) {
                long at = offset;
                for (int d = 0; d < size.length; d++) {
                    at += idx[d] * stride[d];
                }
                out.put(from, (int) (at * es), es);
                for (int d = size.length - 1; d >= 0 && ++idx[d] == size[d]; d--) {
                    idx[d] = 0;
                }
            }
            return new Tensor(storage.dtype, size, out.flip());
        }

        private long[] longs(Object tuple, String what) throws TensorFileException {
            if (!(tuple instanceof Object[] a)) {
                throw bad("a tensor's " + what + " is " + describe(tuple) + ", not a tuple");
            }
            if (a.length > 64) {
                throw bad("a tensor of " + a.length + " dimensions");
            }
            long[] out = new long[a.length];
            for (int i = 0; i < a.length; i++) {
                if (!(a[i] instanceof Long v) || v < 0) {
                    throw bad(
                            "a tensor's " + what + " holds " + (a[i] instanceof Long v ? v.toString() : describe(a[i]))
                                    + ", not a non-negative integer");
                }
                out[i] = (Long) a[i];
            }
            return out;
        }

        private static boolean isContiguous(long[] size, long[] stride) {
            long expected = 1;
            for (int d = size.length - 1; d >= 0; d--) {
                if (size[d] != 1 && stride[d] != expected) {
                    return false;
                }
                expected *= size[d];
            }
            return true;
        }
    }

    /** Holds a whitelisted instance while its BUILD state arrives; becomes a {@link PickledObject} at the end. */
    private static final class PickledObjectBuilder implements PickleReader.Buildable {
        private final String className;
        private final List<Object> args;
        private final Map<String, Object> state = new LinkedHashMap<>();

        PickledObjectBuilder(String className, List<Object> args) {
            this.className = className;
            this.args = new ArrayList<>(args);
        }

        @Override
        public void build(Object s) {
            if (s instanceof Map<?, ?> m) {
                m.forEach((k, v) -> state.put(String.valueOf(k), v));
            } else if (s instanceof Object[] pair && pair.length == 2 && pair[0] instanceof Map<?, ?> m) {
                m.forEach((k, v) -> state.put(String.valueOf(k), v));
            }
        }

        PickledObject toData() {
            return new PickledObject(className, args, state);
        }
    }
}
