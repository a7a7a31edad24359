package org.sparsescope.compute.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Codes c [B, n] held as their selected entries only (TopK's k per row, BatchTopK's k·B across the batch, AuxK's k_aux
 * per row): rows, columns and values, values ≥ 0 (a selected entry the ReLU zeroed is kept as an explicit 0). The
 * products a step needs each touch only those entries: the decode c W [B, d], the decoder's gradient cᵀ g [n, d] and
 * g Wᵀ sampled at the entries. The first two are PyTorch's sparse COO matmul, which sums the entries' rows — the
 * scatter-add DJL has no op for; the third gathers the selected decoder rows. The results are the dense products'
 * (the same sums in another order), so a step stays PyTorch's, and no [B, n] array is made unless asked for.
 */
final class SparseCodes {
    /** Selected entries whose decoder rows are gathered at a time: bounds the scratch at 16384 × d floats (2× unevenly). */
    private static final int GATHER_CHUNK = 16384;

    private final NDArray rows, cols, values; // [nnz] int64, int64, float32
    private final long b, n;
    /** Entries per row when every row holds the same count, in row order (row-wise top-k); 0 otherwise. */
    private final long perRow;

    private NDArray coo, cooTransposed;

    private SparseCodes(NDArray rows, NDArray cols, NDArray values, long b, long n, long perRow) {
        this.rows = rows;
        this.cols = cols;
        this.values = values;
        this.b = b;
        this.n = n;
        this.perRow = perRow;
    }

    /** Each row's entries at {@code columns} [B, k] with {@code values} [B, k] (a row-wise top-k), of n columns in all. */
    static SparseCodes ofRows(NDArray columns, NDArray values, long n) {
        long b = columns.getShape().get(0), k = columns.getShape().get(1);
        NDArray rows =
                columns.getManager().arange(0, (int) b, 1, DataType.INT64).repeat(0, k);
        return new SparseCodes(rows, columns.reshape(-1), values.reshape(-1), b, n, k);
    }

    /** Entries at {@code flat} positions (row · n + column) of a [B, n] matrix, with {@code values}. */
    static SparseCodes ofFlat(NDArray flat, NDArray values, long b, long n) {
        NDArray cols = flat.mod(n);
        // (flat − column) / n is a whole number; true division goes through float, so it is rounded back
        NDArray rows = flat.sub(cols).div(n).round().toType(DataType.INT64, false);
        return new SparseCodes(rows, cols, values, b, n, 0);
    }

    NDArray values() {
        return values;
    }

    /** The same entries with other values. */
    private SparseCodes withValues(NDArray v) {
        return new SparseCodes(rows, cols, v, b, n, perRow);
    }

    private NDArray coo() {
        if (coo == null) { // DJL's API builds a COO array from host buffers only; the engine builds it on the device
            coo = JniUtils.createSparseCoo(
                    (PtNDArray) NDArrays.stack(new NDList(rows, cols)), (PtNDArray) values, new Shape(b, n));
        }
        return coo;
    }

    private NDArray cooTransposed() {
        if (cooTransposed == null) {
            cooTransposed = JniUtils.createSparseCoo(
                    (PtNDArray) NDArrays.stack(new NDList(cols, rows)), (PtNDArray) values, new Shape(n, b));
        }
        return cooTransposed;
    }

    /** c W for w [n, d]: [B, d]. */
    NDArray times(NDArray w) {
        return coo().matMul(w);
    }

    /** cᵀ g for g [B, d]: [n, d]. */
    NDArray transposeTimes(NDArray g) {
        return cooTransposed().matMul(g);
    }

    /** Σ over rows of c: [1, n]. */
    NDArray columnSums() {
        NDArray ones = values.getManager().ones(new Shape(b, 1));
        return cooTransposed().matMul(ones).reshape(1, n);
    }

    /** How many rows each column is non-zero in: [n] (the features' firings). */
    NDArray firings() {
        return withValues(values.gt(0f).toType(DataType.FLOAT32, false))
                .columnSums()
                .reshape(n);
    }

    /** The entries that are non-zero. */
    long nonZeros() {
        return values.countNonzero().getLong();
    }

    /** c as a dense [B, n] array. */
    NDArray dense() {
        return values.getManager()
                .zeros(new Shape(b * n))
                .scatter(rows.mul(n).addi(cols), values, 0)
                .reshape(b, n);
    }

    /**
     * (g Wᵀ) at the non-zero entries of c, 0 at the others, for g [B, d] and w [n, d]: what (g Wᵀ) ⊙ sign(c) is for
     * c ≥ 0, on the same entries.
     */
    SparseCodes sampled(NDArray g, NDArray w) {
        long d = w.getShape().get(1);
        NDArray kept = values.gt(0f).toType(DataType.FLOAT32, false);
        NDList parts = new NDList();
        if (perRow > 0) { // a batched product of each row's k decoder rows with its g, over blocks of rows
            long rowsAtATime = Math.max(1, GATHER_CHUNK / perRow);
            for (long r = 0; r < b; r += rowsAtATime) {
                long end = Math.min(b, r + rowsAtATime), count = end - r;
                NDArray rowsOfW = w.get(new NDIndex("{}", cols.get(new NDIndex(r * perRow + ":" + end * perRow))))
                        .reshape(count, perRow, d);
                parts.add(rowsOfW.batchMatMul(g.get(new NDIndex(r + ":" + end)).reshape(count, d, 1))
                        .reshape(-1));
            }
        } else {
            long nnz = cols.size();
            for (long s = 0; s < nnz; s += GATHER_CHUNK) {
                NDIndex part = new NDIndex(s + ":" + Math.min(nnz, s + GATHER_CHUNK));
                parts.add(g.get(new NDIndex("{}", rows.get(part)))
                        .muli(w.get(new NDIndex("{}", cols.get(part))))
                        .sum(new int[] {1}));
            }
        }
        NDArray products =
                parts.isEmpty() ? values.zerosLike() : parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts);
        return withValues(products.muli(kept));
    }
}
