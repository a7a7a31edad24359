package org.sparsescope.compute.dictionary;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.sparsescope.compute.tensor.Tensor;

/** Host-side tensor helpers the format readers need to bring foreign layouts to SAELens orientation. */
public final class HostTensors {
    private HostTensors() {}

    public static Tensor zeros(long n) {
        return Tensor.ofFloats(new long[] {n}, new float[Math.toIntExact(n)]);
    }

    public static Tensor identity(long d) {
        int n = Math.toIntExact(d);
        float[] v = new float[Math.multiplyExact(n, n)];
        for (int i = 0; i < n; i++) {
            v[i * n + i] = 1f;
        }
        return Tensor.ofFloats(new long[] {d, d}, v);
    }

    /** The transpose of a matrix; anything but a matrix is an IllegalArgumentException the readers turn into a typed error. */
    public static Tensor transpose(Tensor t) {
        long[] s = t.shape();
        if (s.length != 2) {
            throw new IllegalArgumentException("expected a matrix, found shape " + java.util.Arrays.toString(s));
        }
        float[] v = t.floats();
        int r = (int) s[0], c = (int) s[1];
        float[] out = new float[v.length];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                out[j * r + i] = v[i * c + j];
            }
        }
        return Tensor.ofFloats(new long[] {c, r}, out);
    }

    /** Every entry times {@code factor}, in float32 as torch's in-place {@code *=} on a float32 tensor. */
    public static Tensor scaled(Tensor t, double factor) {
        float[] v = t.floats();
        float f = (float) factor;
        for (int i = 0; i < v.length; i++) {
            v[i] *= f;
        }
        return Tensor.ofFloats(t.shape(), v);
    }

    /** Rows divided by their L2 norms, computed by the engine exactly as the codecs normalise. */
    public static Tensor rowNormalized(Tensor t) {
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            NDArray n = Params.rowNormalized(t.toFloat32(m));
            return Tensor.ofFloats(t.shape(), n.toFloatArray());
        }
    }
}
