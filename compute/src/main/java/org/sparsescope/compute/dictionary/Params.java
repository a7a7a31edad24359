package org.sparsescope.compute.dictionary;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import org.sparsescope.compute.tensor.Tensor;

/** Shape checks for parameter records, and moving parameters onto the engine. */
final class Params {
    private Params() {}

    static void requireShape(String name, Tensor t, long... shape) {
        if (t == null) {
            throw new IllegalArgumentException("missing parameter " + name);
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException(
                    name + " has shape " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape));
        }
    }

    /** A matrix, before its dimensions are read: a 1-D W_enc is a shape error, not an index out of bounds. */
    static void requireMatrix(String name, Tensor t) {
        if (t == null) {
            throw new IllegalArgumentException("missing parameter " + name);
        }
        if (t.rank() != 2 || t.shape()[0] <= 0 || t.shape()[1] <= 0) {
            throw new IllegalArgumentException(
                    name + " has shape " + Arrays.toString(t.shape()) + ", expected a non-empty matrix");
        }
    }

    static NDArray put(NDManager manager, Tensor t) {
        return t.toFloat32(manager);
    }

    /** Rows of w divided by their L2 norms (rows of zero norm stay zero). */
    static NDArray rowNormalized(NDArray w) {
        NDArray norms = w.norm(new int[] {-1}, true);
        return w.div(norms.maximum(1e-12f));
    }
}
