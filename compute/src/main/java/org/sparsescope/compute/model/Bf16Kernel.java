package org.sparsescope.compute.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The bf16 matrices of one model and their products ({@link WeightPrecision#BF16}), held by a small TorchScript
 * module ({@code bf16_products.pt}, written by {@code tools/families/make_bf16_kernel.py}). The engine's Java binding
 * aborts the JVM on any bfloat16 array, but PyTorch multiplies bf16 on CPUs with AVX-512 BF16 about four times as
 * fast as float32 (measured here: 590–660 against 150–158 GFLOP/s, [512, 2048] · [2048, 8192]); the module keeps
 * the bf16 tensors on its side, and only float32 and int64 arrays cross into Java.
 *
 * <p>Matrices are added while the model loads (one thread); products may then run from any thread. The module is
 * attached to the model's manager and freed with it.
 */
public final class Bf16Kernel {
    private static final String RESOURCE = "bf16_products.pt";

    private final PtSymbolBlock module;

    private Bf16Kernel(PtSymbolBlock module) {
        this.module = module;
    }

    /** Loads the module into {@code manager} (the model's), or says why it cannot (another engine, a bad build). */
    static Bf16Kernel load(NDManager manager) throws IOException {
        if (!(manager instanceof PtNDManager pt)) {
            throw new IOException("bf16 products need the PyTorch engine; this one is " + manager.getEngine());
        }
        // The engine reads a module from a file; the resource is copied to one and the copy removed once read.
        Path file = Files.createTempFile("sparsescope-bf16-", ".pt");
        try (InputStream in = Bf16Kernel.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("the bf16 kernel " + RESOURCE + " is missing from this build");
            }
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return new Bf16Kernel(JniUtils.loadModule(pt, file, false, new String[0], new String[0], false));
        } catch (ai.djl.engine.EngineException e) {
            throw new IOException("the engine could not load the bf16 kernel: " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Starts a bf16 matrix [rows, cols], whose float32 rows come in {@link Builder#add} pieces, in order. */
    Builder builder(long rows, long cols) {
        try (IValue r = IValue.from(rows);
                IValue c = IValue.from(cols);
                IValue index = IValueUtils.runMethod(module, "begin", r, c)) {
            return new Builder(index.toLong(), rows, cols);
        }
    }

    final class Builder {
        private final long index;
        private final long rows;
        private final long cols;
        private long filled;

        private Builder(long index, long rows, long cols) {
            this.index = index;
            this.rows = rows;
            this.cols = cols;
        }

        /** The next rows [n, cols] in float32, rounded to bf16 into the matrix; {@code piece} is not kept. */
        void add(NDArray piece) {
            long n = piece.getShape().get(0);
            if (piece.getShape().get(1) != cols || filled + n > rows) {
                throw new IllegalArgumentException("rows " + piece.getShape() + " do not fit at row " + filled + " of ["
                        + rows + ", " + cols + "]");
            }
            try (IValue i = IValue.from(index);
                    IValue start = IValue.from(filled);
                    IValue v = IValue.from((PtNDArray) piece);
                    IValue ignored = IValueUtils.runMethod(module, "put_rows", i, start, v)) {
                filled += n;
            }
        }

        Bf16Matrix finish() {
            if (filled != rows) {
                throw new IllegalStateException(filled + " of " + rows + " rows given");
            }
            return new Bf16Matrix(Bf16Kernel.this, index, rows, cols);
        }
    }

    /** x · W_indexᵀ [..., rows] for x [..., cols] in float32, computed in bf16; float32 out, in x's manager. */
    NDArray linear(NDArray x, long index, long rows) {
        NDArray out = resultLike(x, rows);
        run("linear_into", IValue.from((PtNDArray) x), IValue.from(index), IValue.from((PtNDArray) out));
        return out;
    }

    /**
     * cap · tanh(x · W_indexᵀ / cap) (no cap when {@code cap} is 0), computed as {@link #linear} {@code rowsPerPiece}
     * rows of W at a time, each piece capped where it lies in the one output.
     */
    NDArray logits(NDArray x, long index, long rows, double cap, long rowsPerPiece) {
        NDArray out = resultLike(x, rows);
        run(
                "logits_into",
                IValue.from((PtNDArray) x),
                IValue.from(index),
                IValue.from((PtNDArray) out),
                IValue.from(cap),
                IValue.from(rowsPerPiece));
        return out;
    }

    /** The rows of W_index at {@code ids} (int64) [..., cols], widened to float32, in ids' manager. */
    NDArray embed(NDArray ids, long index, long cols) {
        NDArray out = resultLike(ids, cols);
        run("embed_into", IValue.from((PtNDArray) ids), IValue.from(index), IValue.from((PtNDArray) out));
        return out;
    }

    /**
     * A float32 array for a product to write into: {@code like}'s shape with its last axis {@code last} wide (an
     * index array gains one). Made here, not by the module: the binding runs module methods in inference mode, whose
     * own tensors may not be updated in place afterwards (Gemma 2's soft-cap, an intervention writing into a hook's
     * value), while writing into an ordinary tensor is allowed there, so no copy of a result is needed.
     */
    private static NDArray resultLike(NDArray like, long last) {
        long[] dims = like.getShape().getShape();
        long[] shape;
        if (like.getDataType() == ai.djl.ndarray.types.DataType.INT64) {
            shape = java.util.Arrays.copyOf(dims, dims.length + 1);
        } else {
            shape = dims.clone();
        }
        shape[shape.length - 1] = last;
        return like.getManager().create(new ai.djl.ndarray.types.Shape(shape), ai.djl.ndarray.types.DataType.FLOAT32);
    }

    private void run(String method, IValue... args) {
        try (IValue ignored = IValueUtils.runMethod(module, method, args)) {
            // the method wrote its result into the array given
        } finally {
            for (IValue a : args) {
                a.close();
            }
        }
    }

    /**
     * x ↦ x · weightᵀ computed by a kernel loaded into {@code scope}, with {@code weight} [n, k] held in bf16: the
     * product {@code bench lm} times beside PyTorch's bf16 one ({@code MatmulSpeed}).
     */
    public static java.util.function.UnaryOperator<NDArray> product(NDManager scope, NDArray weight)
            throws IOException {
        Builder b =
                load(scope).builder(weight.getShape().get(0), weight.getShape().get(1));
        b.add(weight);
        Bf16Matrix matrix = b.finish();
        return x -> matrix.times(x, null);
    }
}
