package org.sparsescope.compute.workspace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.dictionary.StandardDictionary;
import org.sparsescope.compute.dictionary.format.SaeLensWriter;
import org.sparsescope.compute.stats.FeatureAnalysis;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.work.Cancellation;

class AnalysisCacheTest {
    @TempDir
    Path tmp;

    @Test
    void secondOpeningReadsTheCacheAndAChangedDictionaryIsRecomputed() throws Exception {
        Path dictDir = tmp.resolve("dict");
        StandardDictionary d = (StandardDictionary) DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        SaeLensWriter.save(d, dictDir, Map.of());
        AnalysisCache cache = new AnalysisCache(tmp.resolve("ws"));
        FeatureAnalysis.Options opts = new FeatureAnalysis.Options(5, 4, 2, 8, 4096, 0);
        try (ActivationSet set = ActivationSet.open(Reference.path("chunks/0.npy"))) {
            int[] computed = {0};
            FeatureReport first =
                    cache.report(dictDir, d, set, 0, 8192, opts, Device.cpu(), p -> computed[0]++, Cancellation.none());
            assertTrue(computed[0] > 0, "computed the first time");
            String key = cache.key(dictDir, set, 0, 8192, opts);
            computed[0] = 0;
            FeatureReport second =
                    cache.report(dictDir, d, set, 0, 8192, opts, Device.cpu(), p -> computed[0]++, Cancellation.none());
            assertEquals(0, computed[0], "read from the cache");
            assertArrayEquals(first.stats().kurtosis(), second.stats().kurtosis());
            assertArrayEquals(first.top().rows()[7], second.top().rows()[7]);
            assertArrayEquals(first.quantiles().values()[7], second.quantiles().values()[7]);
            assertArrayEquals(first.histograms()[7], second.histograms()[7]);
            assertEquals(first.metrics().fvu(), second.metrics().fvu());

            float[] bias = d.bEnc().floats();
            bias[0] += 1f;
            Dictionary changed = new StandardDictionary(
                    d.wEnc(), Tensor.ofFloats(new long[] {1024}, bias), d.wDec(), d.bDec(), true, d.info());
            Thread.sleep(5);
            SaeLensWriter.save(changed, dictDir, Map.of());
            assertNotEquals(key, cache.key(dictDir, set, 0, 8192, opts), "new weights, new key");
            FeatureReport third = cache.report(
                    dictDir, changed, set, 0, 8192, opts, Device.cpu(), p -> computed[0]++, Cancellation.none());
            assertTrue(computed[0] > 0, "recomputed after the change");
            assertTrue(third.stats().mean()[0] > first.stats().mean()[0]);
        }
    }
}
