package org.sparsescope.compute.dictionary;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The non-zero codes read off the engine are every entry v != 0, row-major, whatever the row width. */
class NonZeroCodesTest {

    @ParameterizedTest(name = "{0} rows of {1}, density {2}")
    @CsvSource({"5, 7, 0.3", "3, 1, 0.5", "64, 1024, 0.02", "9, 13, 0.0", "6, 13, 0.4", "3, 21, 1.0", "4, 16, 1.0"})
    void theEngineScanFindsExactlyTheEntriesThatAreNotZero(int b, int n, double density) {
        Random rnd = new Random(b * 31L + n);
        float[] codes = new float[b * n];
        for (int i = 0; i < codes.length; i++) {
            double u = rnd.nextDouble();
            // positive and negative codes, and −0, which is zero
            codes[i] = u < density
                    ? (float) (rnd.nextGaussian() + (rnd.nextBoolean() ? 3 : -3))
                    : (u < density + 0.1 ? -0f : 0f);
        }
        List<int[]> want = new ArrayList<>();
        List<Float> wantValues = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < n; j++) {
                if (codes[i * n + j] != 0) {
                    want.add(new int[] {i, j});
                    wantValues.add(codes[i * n + j]);
                }
            }
        }
        NonZeroCodes got;
        try (NDManager m = NDManager.newBaseManager()) {
            got = NonZeroCodes.of(m.create(codes, new Shape(b, n)));
        }
        assertEquals(b, got.rows());
        assertEquals(n, got.features());
        assertEquals(want.size(), got.size(), "entries found");
        for (int e = 0; e < want.size(); e++) {
            assertArrayEquals(want.get(e), new int[] {got.row()[e], got.feature()[e]}, "place of entry " + e);
            assertEquals(wantValues.get(e), got.value()[e], 0f, "value of entry " + e);
        }
        NonZeroCodes host = NonZeroCodes.ofHost(codes, b, n);
        assertArrayEquals(host.row(), got.row());
        assertArrayEquals(host.feature(), got.feature());
        assertArrayEquals(host.value(), got.value());
    }
}
