package org.sparsescope.compute.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.ProgressListener;

/** Pass 2 gives the same report whether pass 1's codes were kept in memory, spilled to disk, or encoded again. */
class PassOneCodesTest {
    @TempDir
    Path tmp;

    static Dictionary dict;
    static float[] x;
    static final FeatureAnalysis.Options EIGHT_BATCHES = new FeatureAnalysis.Options(20, 10, 5, 32, 512, 7);

    @BeforeAll
    static void load() throws Exception {
        dict = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        x = Safetensors.readAll(Reference.path("fixtures/feature_stats.safetensors"))
                .get("activations_input")
                .floats();
    }

    private FeatureReport run(PassOneCodes kept) throws Exception {
        try (kept) {
            return FeatureAnalysis.run(
                    dict,
                    (from, n) -> Arrays.copyOfRange(x, (int) from * 256, (int) (from + n) * 256),
                    null,
                    0,
                    4096,
                    EIGHT_BATCHES,
                    Device.cpu(),
                    ProgressListener.NONE,
                    Cancellation.none(),
                    kept);
        }
    }

    private static void assertSameReport(FeatureReport want, FeatureReport got, String how) {
        assertEquals(want.metrics().fvu(), got.metrics().fvu(), 0, how + ": FVU");
        assertArrayEquals(want.stats().kurtosis(), got.stats().kurtosis(), how + ": kurtosis");
        assertArrayEquals(want.stats().max(), got.stats().max(), how + ": max");
        for (int j = 0; j < dict.dSae(); j++) {
            assertArrayEquals(want.histograms()[j], got.histograms()[j], how + ": histogram of " + j);
            assertArrayEquals(want.quantiles().rows()[j], got.quantiles().rows()[j], how + ": banded examples of " + j);
            assertArrayEquals(
                    want.quantiles().values()[j], got.quantiles().values()[j], how + ": banded values of " + j);
            assertArrayEquals(want.top().rows()[j], got.top().rows()[j], how + ": top examples of " + j);
        }
    }

    @Test
    void memoryDiskAndEncodingAgainGiveTheSameHistogramsAndBandedExamples() throws Exception {
        PassOneCodes memory = new PassOneCodes(1L << 30, 0, tmp);
        FeatureReport want = run(memory);
        assertEquals(8, memory.batches(), "all eight batches kept in memory");
        assertEquals(0, memory.diskBytes());

        PassOneCodes disk = new PassOneCodes(0, 1L << 30, tmp);
        assertSameReport(want, run(disk), "from disk");
        assertEquals(8, disk.batches());
        assertEquals(memory.memoryBytes(), disk.diskBytes(), "the same codes, on disk");

        long batch = memory.memoryBytes() / 8;
        PassOneCodes mixed = new PassOneCodes(2 * batch, 3 * batch, tmp);
        assertSameReport(want, run(mixed), "two in memory, some on disk, the rest encoded again");
        assertTrue(mixed.memoryBytes() > 0 && mixed.diskBytes() > 0 && mixed.batches() < 8, "kept " + mixed.batches());

        PassOneCodes none = new PassOneCodes(0, 0, tmp);
        assertSameReport(want, run(none), "all encoded again");
        assertEquals(0, none.batches());

        try (var left = Files.list(tmp)) {
            assertEquals(0, left.count(), "the spill file is gone once the pass ends");
        }
    }
}
