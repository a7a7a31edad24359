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
}
