package org.sparsescope.compute.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The bf16 kernel against bf16 arithmetic written out: round each operand to bf16, multiply, round the result. */
class Bf16KernelTest {
    /** x rounded to the nearest bf16 (ties to even), as PyTorch's float32 → bfloat16 conversion rounds. */
    static float bf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        int rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) & 0xFFFF0000;
        return Float.intBitsToFloat(rounded);
    }

    private static float[] random(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    @Test
    void aProductIsTheBf16RoundingOfTheProductOfBf16Operands() throws Exception {
        int rows = 37, cols = 64, n = 5;
        Random rnd = new Random(7);
        float[] w = random(rnd, rows * cols), x = random(rnd, n * cols);
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            Bf16Kernel kernel = Bf16Kernel.load(m);
            Bf16Kernel.Builder b = kernel.builder(rows, cols);
            // in three pieces, as the loader hands a large matrix over
            for (int[] piece : new int[][] {{0, 10}, {10, 30}, {30, 37}}) {
                float[] part = java.util.Arrays.copyOfRange(w, piece[0] * cols, piece[1] * cols);
                try (NDArray a = m.create(part, new Shape(piece[1] - piece[0], cols))) {
                    b.add(a);
                }
            }
            Bf16Matrix matrix = b.finish();
            assertEquals(rows, matrix.rows());
            assertEquals(cols, matrix.cols());
            float[] got = matrix.times(m.create(x, new Shape(n, cols)), null).toFloatArray();
            for (int i = 0; i < n; i++) {
                for (int r = 0; r < rows; r++) {
                    double exact = 0;
                    for (int c = 0; c < cols; c++) {
                        exact += (double) bf16(x[i * cols + c]) * bf16(w[r * cols + c]);
                    }
                    float want = bf16((float) exact);
                    // float32 accumulation in another order may land one bf16 step away from the exact sum's rounding
                    double step = Math.ulp(want) * 65536;
                    float g = got[i * rows + r];
                    assertTrue(Math.abs(g - want) <= step, "row " + r + " of input " + i + ": " + g + " vs " + want);
                    assertEquals(g, bf16(g), "the product is a bf16 value widened");
                }
            }
            // logits made 10 rows at a time are the whole product, and soft-capped, cap · tanh(product / cap) of it
            NDArray input = m.create(x, new Shape(n, cols));
            assertArrayEquals(got, matrix.logits(input, 0, 10).toFloatArray(), "pieces of 10 rows, uncapped");
            double cap = 0.5;
            float[] capped = matrix.logits(input, cap, 10).toFloatArray();
            for (int i = 0; i < n * rows; i++) {
                assertEquals(cap * Math.tanh(got[i] / cap), capped[i], 1e-6, "logit " + i + ", capped in float32");
            }
            // the rows at ids (an embedding) are the matrix's bf16 values exactly
            float[] rowsAt = matrix.rowsAt(m.create(new long[] {3, 0})).toFloatArray();
            float[] want = new float[2 * cols];
            for (int c = 0; c < cols; c++) {
                want[c] = bf16(w[3 * cols + c]);
                want[cols + c] = bf16(w[c]);
            }
            assertArrayEquals(want, rowsAt);
            // a bias is added in float32 after the bf16 product
            NDArray bias = m.create(random(rnd, rows));
            float[] withBias =
                    matrix.times(m.create(x, new Shape(n, cols)), bias).toFloatArray();
            float[] biasValues = bias.toFloatArray();
            for (int i = 0; i < n * rows; i++) {
                assertEquals(got[i] + biasValues[i % rows], withBias[i], 0f);
            }
        }
    }

    @Test
    void aKernelOutputMayBeUpdatedInPlace() throws Exception {
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            Bf16Kernel kernel = Bf16Kernel.load(m);
            Bf16Kernel.Builder b = kernel.builder(2, 2);
            b.add(m.create(new float[] {1, 2, 3, 4}, new Shape(2, 2)));
            NDArray out = b.finish().times(m.create(new float[] {1, 1}, new Shape(1, 2)), null);
            out.divi(2f); // Gemma 2's soft-cap does this to logits; an inference-mode tensor would refuse it
            assertArrayEquals(new float[] {1.5f, 3.5f}, out.toFloatArray());
        }
    }
}
