package org.sparsescope.compute.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.tensor.Checkpoint;
import org.sparsescope.compute.tensor.TensorInfo;

/** Takes checkpoint tensors by explicit name with a shape check each, so a wrong checkpoint fails naming the tensor. */
final class WeightLoader {
    private final Checkpoint checkpoint;
    private final NDManager manager;
    private final Device device;
    private final LoadProgress progress;
    private final boolean compact;
    private final Bf16Kernel bf16;
    /** Whether any matrix was held at 16 bits (none is, for a float32 checkpoint, whatever the setting asked). */
    private boolean heldAtSixteenBits;

    WeightLoader(Checkpoint checkpoint, NDManager manager, Device device, LoadProgress progress) {
        this(checkpoint, manager, device, progress, false);
    }

    WeightLoader(Checkpoint checkpoint, NDManager manager, Device device, LoadProgress progress, boolean compact) {
        this(checkpoint, manager, device, progress, compact, null);
    }

    /**
     * With {@code compact}, {@link #takeMatrix} holds a 16-bit checkpoint's matrices at 16 bits ({@link
     * WeightPrecision#COMPACT}); with a {@code bf16} kernel, {@link #matrix} gives them to it ({@link
     * WeightPrecision#BF16}).
     */
    WeightLoader(
            Checkpoint checkpoint,
            NDManager manager,
            Device device,
            LoadProgress progress,
            boolean compact,
            Bf16Kernel bf16) {
        this.checkpoint = checkpoint;
        this.manager = manager;
        this.device = device;
        this.progress = progress;
        this.compact = compact;
        this.bf16 = bf16;
    }

    /**
     * A weight matrix [rows, cols] as the decoder multiplies by it: held by the bf16 kernel when this loader has one
     * and the checkpoint stores the matrix at 16 bits, otherwise as {@link #takeMatrix} holds it.
     */
    Matrix matrix(String name, long rows, long cols) throws IOException {
        Optional<TensorInfo> info = checkpoint.info(name);
        if (bf16 == null || !sixteenBit(info, rows, cols)) {
            return new Matrix.Dense(takeMatrix(name, rows, cols));
        }
        Bf16Kernel.Builder matrix = bf16.builder(rows, cols);
        inRowPieces(name, rows, cols, (values, n, count) -> {
            try (NDArray piece = manager.create(
                    java.nio.FloatBuffer.wrap(values, 0, count), new ai.djl.ndarray.types.Shape(n, cols))) {
                matrix.add(piece);
            }
            return true;
        });
        heldAtSixteenBits = true;
        return matrix.finish();
    }

    /** Float32 values of {@code n} rows ({@code count} values) at the start of {@code values}; false to stop reading. */
    private interface RowPiece {
        boolean take(float[] values, long n, int count) throws IOException;
    }

    /**
     * Reads a [rows, cols] matrix in order, in float32 pieces of at most {@link #CONVERTED_PIECE_BYTES}, into one
     * reused array; whether every piece was taken.
     */
    private boolean inRowPieces(String name, long rows, long cols, RowPiece piece) throws IOException {
        long rowsPerPiece = Math.max(1, (CONVERTED_PIECE_BYTES / 4) / cols);
        float[] values = new float[Math.toIntExact(Math.min(rows, rowsPerPiece) * cols)];
        for (long r = 0; r < rows; r += rowsPerPiece) {
            long n = Math.min(rowsPerPiece, rows - r);
            int count = Math.toIntExact(n * cols);
            checkpoint.readRows(name, r, n).floatsInto(0, count, values, 0);
            if (!piece.take(values, n, count)) {
                return false;
            }
        }
        return true;
    }

    private static boolean sixteenBit(Optional<TensorInfo> info, long rows, long cols) {
        return info.isPresent()
                && Arrays.equals(info.get().shape(), new long[] {rows, cols})
                && (info.get().dtype() == org.sparsescope.compute.tensor.DType.BF16
                        || info.get().dtype() == org.sparsescope.compute.tensor.DType.F16);
    }

    /**
     * A weight matrix [rows, cols]: as {@link #take} in float32, or, when this loader is compact and the checkpoint
     * stores it in bf16 or fp16, as float16 (which {@link Nn#linear} widens for each product). A matrix holding a
     * value beyond float16's range stays float32.
     */
    NDArray takeMatrix(String name, long rows, long cols) throws IOException {
        Optional<TensorInfo> info = checkpoint.info(name);
        if (!compact || !sixteenBit(info, rows, cols) || 2 * rows * cols > Integer.MAX_VALUE) {
            return take(name, rows, cols);
        }
        java.nio.ByteBuffer halves = java.nio.ByteBuffer.allocateDirect(Math.toIntExact(2 * rows * cols))
                .order(java.nio.ByteOrder.nativeOrder());
        try {
            boolean fits = inRowPieces(name, rows, cols, (values, n, count) -> {
                for (int i = 0; i < count; i++) {
                    if (Math.abs(values[i]) > HALF_MAX) {
                        return false;
                    }
                    halves.putShort(org.sparsescope.compute.tensor.Half.fromFloat(values[i]));
                }
                return true;
            });
            if (!fits) {
                return take(name, rows, cols);
            }
            halves.flip();
            try (NDArray over = manager.create(
                    halves, new ai.djl.ndarray.types.Shape(rows, cols), ai.djl.ndarray.types.DataType.FLOAT16)) {
                heldAtSixteenBits = true;
                return onDevice(over.duplicate(), name);
            }
        } finally {
            org.sparsescope.compute.tensor.DirectBuffers.free(halves);
        }
    }

    /** The float32 values of a piece being narrowed sit on the Java heap: 64 MiB at a time, not an embedding's worth. */
    private static final long CONVERTED_PIECE_BYTES = 64L << 20;

    /** {@code a} on this loader's device (moved there when the engine made it elsewhere), named as in the checkpoint. */
    private NDArray onDevice(NDArray a, String name) {
        if (!device.equals(a.getDevice())) {
            NDArray moved = a.toDevice(device, false);
            a.close();
            a = moved;
        }
        a.setName(name);
        return a;
    }

    /** The largest finite float16. */
    private static final float HALF_MAX = 65504f;

    /** Whether any matrix taken so far is held at 16 bits, compact or by the bf16 kernel. */
    boolean heldAtSixteenBits() {
        return heldAtSixteenBits;
    }

    boolean has(String name) {
        return checkpoint.info(name).isPresent();
    }

    /**
     * Reports that {@code done} of {@code total} blocks are loaded. Each block's file mappings and read buffers are
     * dead once its weights are in the engine, but the JDK unmaps a mapping only when a collection finds it (there is
     * no public unmap): collecting here keeps the pages of the checkpoint already copied from piling up in resident
     * memory beside the engine's copy (a full collection of a heap this empty takes tens of milliseconds).
     */
    void progress(int done, int total) {
        if (compact || bf16 != null) {
            System.gc();
        }
        progress.blocksLoaded(done, total);
    }

    /** A float32 array of the tensor called {@code name} (or the first alias present), checked against {@code shape}. */
    NDArray take(String[] names, long... shape) throws IOException {
        for (String name : names) {
            Optional<TensorInfo> info = checkpoint.info(name);
            if (info.isPresent()) {
                if (!Arrays.equals(info.get().shape(), shape)) {
                    throw new InvalidInputException(
                            checkpoint.location(),
                            "tensor '" + name + "' has shape "
                                    + Arrays.toString(info.get().shape()) + ", but config.json implies "
                                    + Arrays.toString(shape));
                }
                return onDevice(read(name, shape), name);
            }
        }
        throw new InvalidInputException(
                checkpoint.location(),
                "missing tensor '" + names[0] + "'"
                        + (names.length > 1
                                ? " (or " + String.join(", ", Arrays.copyOfRange(names, 1, names.length)) + ")"
                                : ""));
    }

    /** Rows per piece of a tensor too large for one buffer (a Java buffer holds under 2 GiB): about 512 MiB of float32. */
    private static final long PIECE_BYTES = 512L << 20;

    /**
     * The tensor in float32 on the engine. One that would exceed a Java buffer in float32 (Gemma 2's and Llama 3
     * 8B's embeddings, 2.1–2.4 GB) is read in row pieces and joined by the engine, which holds any size.
     */
    private NDArray read(String name, long[] shape) throws IOException {
        return read(name, shape, Integer.MAX_VALUE, PIECE_BYTES);
    }

    /** As {@link #read(String, long[])}, with the largest single buffer and the piece size given (for tests). */
    NDArray read(String name, long[] shape, long maxBufferBytes, long pieceBytes) throws IOException {
        long rowFloats = 1;
        for (int i = 1; i < shape.length; i++) {
            rowFloats *= shape[i];
        }
        long bytes = 4 * rowFloats * (shape.length == 0 ? 1 : shape[0]);
        if (shape.length < 2 || bytes <= maxBufferBytes) {
            return engineOwned(checkpoint.read(name));
        }
        long rowsPerPiece = Math.max(1, pieceBytes / (4 * rowFloats));
        ai.djl.ndarray.NDList pieces = new ai.djl.ndarray.NDList();
        try {
            for (long r = 0; r < shape[0]; r += rowsPerPiece) {
                pieces.add(checkpoint
                        .readRows(name, r, Math.min(rowsPerPiece, shape[0] - r))
                        .toFloat32(manager));
            }
            return ai.djl.ndarray.NDArrays.concat(pieces, 0);
        } finally {
            pieces.close();
        }
    }

    /**
     * The tensor in float32 in the engine's own memory: built over a direct buffer (which the engine would keep
     * using), copied by the engine, and the buffer freed at once, so a model's load holds each tensor twice only
     * while it is copied.
     */
    private NDArray engineOwned(org.sparsescope.compute.tensor.Tensor t) {
        java.nio.ByteBuffer buffer = t.float32Buffer();
        try (NDArray over = manager.create(
                buffer, new ai.djl.ndarray.types.Shape(t.shape()), ai.djl.ndarray.types.DataType.FLOAT32)) {
            return over.duplicate();
        } finally {
            org.sparsescope.compute.tensor.DirectBuffers.free(buffer);
        }
    }

    NDArray take(String name, long... shape) throws IOException {
        return take(new String[] {name}, shape);
    }

    /** A GPT-2 Conv1D weight stored [in, out], returned as [out, in] for {@link Nn#linear}. */
    NDArray takeConv1D(String name, long in, long out) throws IOException {
        NDArray w = take(name, in, out);
        NDArray t = w.transpose().duplicate(); // contiguous [out, in]
        w.close();
        return t;
    }
}
