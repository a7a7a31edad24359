package org.sparsescope.compute.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.tensor.Checkpoint;
import org.sparsescope.compute.tensor.DType;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.Tensor;

/**
 * Compact weights: a bf16 matrix held as float16 keeps its values (tiny ones rounded by at most 2⁻²⁵), a matrix with
 * a value beyond float16's range stays float32, a product with a float16 weight is the float32 product of its
 * values, and an unembedding done in row pieces is the soft-capped product of the whole.
 */
class CompactWeightsTest {
    @TempDir
    Path dir;

    /** bf16 from float by keeping the top 16 bits: exact for values with at most 8 significant bits. */
    private static Tensor bf16(long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort((short) (Float.floatToRawIntBits(v) >>> 16));
        }
        return new Tensor(DType.BF16, shape, b.flip());
    }

    private static float truncated(float v) {
        return Float.intBitsToFloat(Float.floatToRawIntBits(v) & 0xFFFF0000);
    }

    @Test
    void aBf16MatrixIsHeldAtSixteenBitsAndOneBeyondFloat16sRangeStaysFloat32() throws Exception {
        float[] fits = {1.5f, -0.25f, 3e-6f, 0f, 1000f, -65504f, 7.62939453125e-6f /* 2^-17 */, 0.1f};
        float[] beyond = {1f, 2f, 70000f, 3f};
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("fits", bf16(new long[] {2, 4}, fits));
        t.put("beyond", bf16(new long[] {2, 2}, beyond));
        Safetensors.write(dir.resolve(Checkpoint.SINGLE), t);
        try (Checkpoint c = Checkpoint.open(dir);
                NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            WeightLoader compact = new WeightLoader(c, m, ai.djl.Device.cpu(), LoadProgress.SILENT, true);
            NDArray held = compact.takeMatrix("fits", 2, 4);
            assertEquals(DataType.FLOAT16, held.getDataType());
            float[] got = held.toType(DataType.FLOAT32, false).toFloatArray();
            for (int i = 0; i < fits.length; i++) {
                float want = truncated(fits[i]);
                double allowed = Math.abs(want) < 0x1p-17 ? 0x1p-25 : 0;
                assertTrue(Math.abs(got[i] - want) <= allowed, i + ": " + got[i] + " for the bf16 value " + want);
            }
            NDArray wide = compact.takeMatrix("beyond", 2, 2);
            assertEquals(DataType.FLOAT32, wide.getDataType(), "70000 does not fit float16");
            assertEquals(truncated(70000f), wide.toFloatArray()[2]);
            WeightLoader reference = new WeightLoader(c, m, ai.djl.Device.cpu(), LoadProgress.SILENT);
            assertEquals(DataType.FLOAT32, reference.takeMatrix("fits", 2, 4).getDataType(), "float32 unless asked");
        }
    }

    @Test
    void logitsUnembeddedInPiecesAreTheSoftCappedProductOfTheWholeUnembedding() {
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            NDArray normalized = m.randomNormal(new Shape(2, 3, 8));
            NDArray head = m.randomNormal(new Shape(100, 8)).mul(4f);
            double cap = 5;
            float[] x = normalized.toFloatArray(), w = head.toFloatArray();
            float[] whole = new Matrix.Dense(head).logits(normalized, cap, 1000).toFloatArray();
            float[] pieces = new Matrix.Dense(head).logits(normalized, cap, 7).toFloatArray();
            float[] compact = new Matrix.Dense(head.toType(DataType.FLOAT16, false))
                    .logits(normalized, 0, 7)
                    .toFloatArray();
            for (int p = 0; p < 6; p++) { // cap · tanh(x·w / cap), written out
                for (int v = 0; v < 100; v++) {
                    double dot = 0, dotHalf = 0;
                    for (int k = 0; k < 8; k++) {
                        dot += (double) x[p * 8 + k] * w[v * 8 + k];
                        dotHalf += (double) x[p * 8 + k]
                                * org.sparsescope.compute.tensor.Half.toFloat(
                                        org.sparsescope.compute.tensor.Half.fromFloat(w[v * 8 + k]));
                    }
                    assertEquals(cap * Math.tanh(dot / cap), whole[p * 100 + v], 1e-5);
                    assertEquals(
                            whole[p * 100 + v],
                            pieces[p * 100 + v],
                            1e-5,
                            "pieces of 7 rows (a GEMM of another shape rounds otherwise): " + p + ", " + v);
                    assertEquals(dotHalf, compact[p * 100 + v], 1e-4, "a float16 unembedding, uncapped");
                }
            }
        }
    }

    @Test
    void aProductWithAFloat16WeightIsTheFloat32ProductOfItsValues() {
        int rows = 40_000, cols = 3;
        float[] w = new float[rows * cols];
        java.util.Random rnd = new java.util.Random(5);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian();
        }
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            NDArray half = m.create(w, new Shape(rows, cols)).toType(DataType.FLOAT16, false);
            NDArray widened = half.toType(DataType.FLOAT32, false);
            NDArray x = m.randomNormal(new Shape(5, cols));
            NDArray bias = m.randomNormal(new Shape(rows));
            assertArrayEquals(
                    Nn.linear(x, widened, bias).toFloatArray(),
                    Nn.linear(x, half, bias).toFloatArray(),
                    "the same float32 arithmetic on the same values");
            assertArrayEquals(
                    new long[] {5, rows}, Nn.linear(x, half, null).getShape().getShape());
        }
    }
}
