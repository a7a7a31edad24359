package org.sparsescope.compute.dictionary;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.Tensor;

/** Rows reconstructed on the host from their non-zero codes are the decoder's, for every architecture. */
class HostDecoderTest {

    @ParameterizedTest(name = "{0}: the host decode of the non-zero codes is PyTorch's reconstruction")
    @CsvSource({
        "seed_untied, seed/learned_dicts.pt#0",
        "seed_tied, seed/learned_dicts.pt#1",
        "sparsify, sparsify/layers.2",
        "saelens6_jumprelu, saelens6_jumprelu"
    })
    void hostDecodeEqualsTheFixtureAndTheEngine(String key, String path) throws Exception {
        Map<String, Tensor> expected = Safetensors.readAll(Reference.path("formats/expected.safetensors"));
        Dictionary d = DictionaryFiles.read(Path.of(Reference.path("formats").toString(), path));
        int rows = 64, dIn = d.dIn();
        float[] engine, host = new float[rows * dIn];
        try (NDManager m = NDManager.newBaseManager()) {
            Codec codec = d.codec(m);
            NDArray codes = codec.encode(m.create(expected.get("input").floats(), new Shape(rows, dIn)));
            engine = codec.decode(codes).toFloatArray();
            NonZeroCodes nz = NonZeroCodes.of(codes);
            HostDecoder decoder = HostDecoder.of(codec);
            float[] row = new float[dIn];
            int e = 0;
            for (int i = 0; i < rows; i++) {
                int start = e;
                while (e < nz.size() && nz.row()[e] == i) {
                    e++;
                }
                decoder.decodeRow(nz, start, e, row);
                System.arraycopy(row, 0, host, i * dIn, dIn);
            }
        }
        DictionaryFormatsTest.assertClose(expected.get(key + "_recon").floats(), host, 1e-4, key + " against PyTorch");
        DictionaryFormatsTest.assertClose(engine, host, 1e-5, key + " against the engine's dense decode");
    }

    @Test
    void rowsOfAnyCountOfNonZerosAreSummedInFeatureOrderExactlyAsOneAtATime() throws Exception {
        Dictionary d = DictionaryFiles.read(Path.of(Reference.path("formats").toString(), "sparsify/layers.2"));
        int n = d.dSae(), dIn = d.dIn(), rows = 12;
        java.util.Random rnd = new java.util.Random(7);
        float[] codes = new float[rows * n];
        for (int i = 0; i < rows; i++) { // row i holds i non-zeros: every remainder of the four-row sweep, and none
            for (int c = 0; c < i; c++) {
                codes[i * n + rnd.nextInt(n)] = rnd.nextFloat() * 3;
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            Codec codec = d.codec(m);
            float[] w = codec.decoderRows().toFloatArray();
            float[] bias = codec.decode(m.zeros(new Shape(1, n))).toFloatArray();
            HostDecoder decoder = HostDecoder.of(codec);
            NonZeroCodes nz = NonZeroCodes.ofHost(codes, rows, n);
            int e = 0;
            for (int i = 0; i < rows; i++) {
                float[] want = bias.clone();
                for (int j = 0; j < n; j++) {
                    for (int k = 0; k < dIn && codes[i * n + j] != 0; k++) {
                        want[k] += codes[i * n + j] * w[j * dIn + k];
                    }
                }
                int start = e;
                while (e < nz.size() && nz.row()[e] == i) {
                    e++;
                }
                float[] got = new float[dIn];
                decoder.decodeRow(nz, start, e, got);
                Assertions.assertArrayEquals(want, got, "row " + i + " with " + (e - start) + " non-zeros");
            }
        }
    }
}
