package org.sparsescope.compute.dictionary;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.tensor.Tensor;

/** A dictionary's file rewritten in place (as Python's savers do) while it is open: the open copy is unaffected. */
class RewrittenInPlaceTest {
    @TempDir
    Path tmp;

    @Test
    void truncatingTheWeightsFileUnderAnOpenDictionaryNeitherCrashesNorChangesIt() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("sae"));
        Files.copy(Reference.path("saes/l1_4.11e-03/cfg.json"), dir.resolve("cfg.json"));
        Files.copy(Reference.path("saes/l1_4.11e-03/sae_weights.safetensors"), dir.resolve("sae_weights.safetensors"));
        Dictionary d = DictionaryFiles.read(dir);
        Map<String, Tensor> before = d.tensors();
        float[] wDec = before.get("W_dec").floats();
        try (FileChannel ch = FileChannel.open(dir.resolve("sae_weights.safetensors"), StandardOpenOption.WRITE)) {
            ch.truncate(16); // the same inode, shorter: every mapped page past 16 bytes would now raise SIGBUS
        }
        assertArrayEquals(wDec, d.tensors().get("W_dec").floats());
    }

    @Test
    void aFloat32ModelWhoseWeightsAreRewrittenInPlaceKeepsRunning() throws Exception {
        // the reference model's weights as float32, which reach the engine without a conversion that would copy them
        Path model = Files.createDirectories(tmp.resolve("model"));
        for (String f : new String[] {"config.json", "tokenizer.json"}) {
            Files.copy(Reference.path("model/" + f), model.resolve(f));
        }
        Map<String, Tensor> f32 = new java.util.LinkedHashMap<>();
        try (org.sparsescope.compute.tensor.Checkpoint c =
                org.sparsescope.compute.tensor.Checkpoint.open(Reference.path("model"))) {
            for (String n : new java.util.TreeSet<>(c.names())) {
                Tensor t = c.read(n);
                f32.put(n, t.dtype().isInteger() ? t.onHeap() : Tensor.ofFloats(t.shape(), t.floats()));
            }
        }
        org.sparsescope.compute.tensor.Safetensors.write(model.resolve("model.safetensors"), f32);
        long[][] ids = {{1, 2, 3, 4, 5, 6, 7, 8}};
        try (org.sparsescope.compute.model.LanguageModel m = org.sparsescope.compute.model.LanguageModel.load(model)) {
            float[] before = m.logits(ids).floats();
            try (FileChannel ch = FileChannel.open(model.resolve("model.safetensors"), StandardOpenOption.WRITE)) {
                ch.truncate(16);
            }
            assertArrayEquals(before, m.logits(ids).floats());
        }
    }
}
