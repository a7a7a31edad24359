package org.sparsescope.compute.tensor;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.zip.ZipFile;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * PyTorch {@code torch.save} zip files: tensors, and dicts, lists and tuples of them. The pickle is read by
 * Pyrolite with every global checked against a fixed whitelist; INST and EXT opcodes are refused, and
 * classes the caller allows come back as {@link PickledObject} data. Nothing in a file is ever executed.
 */
public final class TorchFile {
    /** The globals a plain tensor or state-dict file needs. */
    private static final Set<String> TENSOR_GLOBALS = Set.of(
            "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor", "torch._utils._rebuild_parameter",
            "collections.OrderedDict");

    private TorchFile() {
    }

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

    private static Object read(Path path, Set<String> allowedClasses, boolean shapesOnly) throws IOException {
        try (ZipFile zip = NpyFile.openZip(path)) {
            ZipEntry pkl = zip.stream().filter(e -> e.getName().endsWith("/data.pkl") || e.getName().equals("data.pkl"))
                    .findFirst().orElseThrow(() -> new TensorFileException(path,
                            "no data.pkl inside; not a torch.save zip file (the legacy pre-1.6 format is not read)"));
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            byte[] pickle;
            try (InputStream in = zip.getInputStream(pkl)) {
                pickle = in.readAllBytes();
            }
            SafeUnpickler u = new SafeUnpickler(path, zip, prefix, allowedClasses, shapesOnly);
            try {
                return freeze(u.loads(pickle));
            } catch (PickleException | ClassCastException | IndexOutOfBoundsException | IllegalArgumentException e) {
                if (e.getCause() instanceof TensorFileException tfe) {
                    throw tfe;
                }
                throw new TensorFileException(path, "malformed pickle: " + e.getMessage(), e);
            } catch (IOException e) {
                if (e instanceof TensorFileException) {
                    throw e;
                }
                throw new TensorFileException(path, "truncated or corrupt pickle: " + e.getMessage(), e);
            } catch (Refusal r) {
                throw r.exception;
            }
        }
    }

    /** Reads a file whose top level is a dict of tensors (a state dict); other values are ignored. */
    public static Map<String, Tensor> readStateDict(Path path) throws IOException {
        Object root = read(path);
        if (!(root instanceof Map<?, ?> map)) {
            throw new TensorFileException(path, "expected a dict of tensors at the top level, found " + describe(root));
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (e.getValue() instanceof Tensor t) {
                out.put(String.valueOf(e.getKey()), t);
            }
        }
        return out;
    }

    /** Reads a file holding a single tensor (as the research code's activation chunks are saved). */
    public static Tensor readTensor(Path path) throws IOException {
        Object root = read(path);
        if (root instanceof Tensor t) {
            return t;
        }
        throw new TensorFileException(path, "expected a single tensor, found " + describe(root));
    }

    static String describe(Object o) {
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
        return o.getClass().getSimpleName();
    }

    /** Carries a refusal out of Pyrolite's unchecked plumbing. */
    private static final class Refusal extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient TensorFileException exception;

        Refusal(TensorFileException exception) {
            super(exception.getMessage(), null, false, false);
            this.exception = exception;
        }
    }

    /** A storage named by a pickle's persistent id: its element type and its bytes in the zip. */
    private record Storage(DType dtype, byte[] bytes, long byteCount) {
    }

    /** A whitelisted global; REDUCE/NEWOBJ calls {@link #construct}. */
    private record Global(String name, IObjectConstructor body) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            return body.construct(args);
        }
    }

    /** A Python dict subclass (OrderedDict) that may receive BUILD state, which we keep apart. */
    private static final class OrderedDict extends LinkedHashMap<Object, Object> {
        private static final long serialVersionUID = 1L;
    }

    /** Marker for a storage class such as torch.HalfStorage, as it appears inside a persistent id. */
    private record StorageClass(DType dtype) {
    }

    private static final class SafeUnpickler extends Unpickler {
        private final Path path;
        private final ZipFile zip;
        private final String prefix;
        private final Set<String> allowedClasses;
        private final boolean shapesOnly;
        private final Map<String, Storage> storages = new HashMap<>();

        SafeUnpickler(Path path, ZipFile zip, String prefix, Set<String> allowedClasses, boolean shapesOnly) {
            this.path = path;
            this.zip = zip;
            this.prefix = prefix;
            this.allowedClasses = allowedClasses;
            this.shapesOnly = shapesOnly;
        }

        private Refusal refuse(String what) {
            return new Refusal(new UnsafePickleException(path, what + "; only tensors, containers and "
                    + (allowedClasses.isEmpty() ? "no classes" : "the classes " + allowedClasses) + " are read, and nothing is executed"));
        }

        @Override
        protected Object dispatch(short key) throws PickleException, IOException {
            switch (key) {
                case Opcodes.GLOBAL -> {
                    String module = PickleUtils.readline(input);
                    String name = PickleUtils.readline(input);
                    stack.add(resolve(module, name));
                    return NO_RETURN_VALUE;
                }
                case Opcodes.STACK_GLOBAL -> {
                    Object name = stack.pop();
                    Object module = stack.pop();
                    stack.add(resolve(String.valueOf(module), String.valueOf(name)));
                    return NO_RETURN_VALUE;
                }
                case Opcodes.INST, Opcodes.OBJ -> throw refuse("the pickle uses the INST/OBJ opcode");
                case Opcodes.EXT1, Opcodes.EXT2, Opcodes.EXT4 -> throw refuse("the pickle uses an extension-registry opcode");
                case Opcodes.BUILD -> {
                    Object state = stack.pop();
                    Object target = stack.peek();
                    if (target instanceof PickledObjectBuilder b) {
                        b.build(state);
                    } else if (!(target instanceof OrderedDict)) {
                        // BUILD on a tensor or dict only carries attributes (e.g. a state dict's _metadata) we do not need.
                        if (!(target instanceof Tensor)) {
                            throw new TensorFileException(path, "BUILD on " + describe(target) + " is not supported");
                        }
                    }
                    return NO_RETURN_VALUE;
                }
                case Opcodes.SETITEMS -> {
                    // Pyrolite collects these in a HashMap; keep the file's order instead.
                    List<Object> items = stack.pop_all_since_marker();
                    @SuppressWarnings("unchecked")
                    Map<Object, Object> dict = (Map<Object, Object>) stack.peek();
                    for (int i = 0; i + 1 < items.size(); i += 2) {
                        dict.put(items.get(i), items.get(i + 1));
                    }
                    return NO_RETURN_VALUE;
                }
                case Opcodes.EMPTY_DICT -> {
                    stack.add(new LinkedHashMap<>());
                    return NO_RETURN_VALUE;
                }
                default -> {
                    return super.dispatch(key);
                }
            }
        }

        private Object resolve(String module, String name) {
            String dotted = module + "." + name;
            if (module.equals("torch") && name.endsWith("Storage")) {
                DType t = DType.fromTorchStorage(name).orElseThrow(() -> refuse("unsupported storage type " + dotted));
                return new StorageClass(t);
            }
            if (TENSOR_GLOBALS.contains(dotted)) {
                return new Global(dotted, args -> switch (name) {
                    case "_rebuild_tensor_v2", "_rebuild_tensor" -> rebuildTensor(args);
                    case "_rebuild_parameter" -> args[0];
                    case "OrderedDict" -> new OrderedDict();
                    default -> throw new IllegalStateException(dotted);
                });
            }
            if (allowedClasses.contains(dotted)) {
                return new Global(dotted, args -> new PickledObjectBuilder(dotted, Arrays.asList(args)));
            }
            throw refuse("the pickle names the global '" + dotted + "', which is not on the whitelist");
        }

        @Override
        protected Object persistentLoad(Object pid) {
            if (!(pid instanceof Object[] t) || t.length < 5 || !"storage".equals(t[0]) || !(t[1] instanceof StorageClass sc)) {
                throw new Refusal(new TensorFileException(path, "unexpected persistent id " + Arrays.deepToString(pid instanceof Object[] a ? a : new Object[] {pid})));
            }
            String keyName = String.valueOf(t[2]);
            return storages.computeIfAbsent(keyName, k -> {
                ZipEntry e = zip.getEntry(prefix + "data/" + k);
                if (e == null) {
                    throw new Refusal(new TensorFileException(path, "storage data/" + k + " named by the pickle is missing from the archive"));
                }
                if (shapesOnly) {
                    long bytes = e.getSize();
                    return new Storage(sc.dtype(), null, bytes);
                }
                try (InputStream in = zip.getInputStream(e)) {
                    byte[] data = in.readAllBytes();
                    return new Storage(sc.dtype(), data, data.length);
                } catch (IOException ex) {
                    throw new Refusal(new TensorFileException(path, "storage data/" + k + " is unreadable: " + ex.getMessage(), ex));
                }
            });
        }

        private Object rebuildTensor(Object[] args) {
            if (args.length < 4 || !(args[0] instanceof Storage storage)) {
                throw new Refusal(new TensorFileException(path, "malformed tensor record in the pickle"));
            }
            long offset = ((Number) args[1]).longValue();
            long[] size = toLongs(args[2]);
            long[] stride = toLongs(args[3]);
            int es = storage.dtype().byteSize();
            long numel = Tensor.numel(size);
            long maxIndex = offset;
            for (int i = 0; i < size.length; i++) {
                maxIndex += size[i] == 0 ? 0 : (size[i] - 1) * stride[i];
            }
            if (numel > 0 && storage.byteCount() >= 0 && (maxIndex + 1) * es > storage.byteCount()) {
                throw new Refusal(new TensorFileException(path, "tensor of shape " + Arrays.toString(size) + " needs "
                        + (maxIndex + 1) * es + " bytes of its storage, which holds " + storage.byteCount()));
            }
            if (storage.bytes() == null) {
                return new TensorInfo("", storage.dtype(), size, offset * es, (offset + numel) * es);
            }
            ByteBuffer src = ByteBuffer.wrap(storage.bytes()).order(ByteOrder.LITTLE_ENDIAN);
            if (isContiguous(size, stride)) {
                ByteBuffer slice = src.position((int) (offset * es)).limit((int) ((offset + numel) * es)).slice();
                return new Tensor(storage.dtype(), size, slice);
            }
            // A strided view (e.g. a transposed weight): gather its elements in row-major order.
            ByteBuffer out = ByteBuffer.allocate((int) (numel * es));
            long[] idx = new long[size.length];
            for (long n = 0; n < numel; n++) {
                long at = offset;
                for (int d = 0; d < size.length; d++) {
                    at += idx[d] * stride[d];
                }
                out.put(storage.bytes(), (int) (at * es), es);
                for (int d = size.length - 1; d >= 0 && ++idx[d] == size[d]; d--) {
                    idx[d] = 0;
                }
            }
            return new Tensor(storage.dtype(), size, out.flip());
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

        private static long[] toLongs(Object tuple) {
            Object[] a = (Object[]) tuple;
            long[] out = new long[a.length];
            for (int i = 0; i < a.length; i++) {
                out[i] = ((Number) a[i]).longValue();
            }
            return out;
        }
    }

    /** Holds a whitelisted instance while its BUILD state arrives; becomes a {@link PickledObject} at the end. */
    private static final class PickledObjectBuilder {
        private final String className;
        private final List<Object> args;
        private final Map<String, Object> state = new LinkedHashMap<>();

        PickledObjectBuilder(String className, List<Object> args) {
            this.className = className;
            this.args = new ArrayList<>(args);
        }

        void build(Object s) {
            if (s instanceof Map<?, ?> m) {
                m.forEach((k, v) -> state.put(String.valueOf(k), v));
            } else if (s instanceof Object[] pair && pair.length == 2 && pair[0] instanceof Map<?, ?> m) {
                m.forEach((k, v) -> state.put(String.valueOf(k), v));
            }
        }
    }

    /** Replaces builders by immutable records throughout a read result. */
    static Object freeze(Object o) {
        if (o instanceof PickledObjectBuilder b) {
            Map<String, Object> st = new LinkedHashMap<>();
            b.state.forEach((k, v) -> st.put(k, freeze(v)));
            return new PickledObject(b.className, b.args.stream().map(TorchFile::freeze).toList(), st);
        }
        if (o instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(k, freeze(v)));
            return out;
        }
        if (o instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(v -> out.add(freeze(v)));
            return out;
        }
        if (o instanceof Object[] a) {
            Object[] out = new Object[a.length];
            for (int i = 0; i < a.length; i++) {
                out[i] = freeze(a[i]);
            }
            return out;
        }
        return o;
    }
}
