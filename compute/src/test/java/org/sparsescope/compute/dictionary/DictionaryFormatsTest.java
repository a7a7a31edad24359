package org.sparsescope.compute.dictionary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.format.SaeLensFormat;
import org.sparsescope.compute.dictionary.format.SaeLensWriter;
import org.sparsescope.compute.dictionary.format.Sidecar;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.tensor.UnsafePickleException;

class DictionaryFormatsTest {
    @TempDir
    Path tmp;

    /** Codes and reconstructions of {@code d} for float32 rows [n, d_in]. */
    static float[][] run(Dictionary d, float[] x, int n) {
        try (NDManager m = NDManager.newBaseManager()) {
            Codec c = d.codec(m);
            NDArray rows = m.create(x, new Shape(n, d.dIn()));
            NDArray codes = c.encode(rows);
            return new float[][] {codes.toFloatArray(), c.decode(codes, rows).toFloatArray()};
        }
    }

    static void assertClose(float[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what + " size");
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(want[i] - got[i]) / (1 + Math.abs(want[i])));
        }
        assertTrue(worst < tol, what + " differs by " + worst);
    }

    @ParameterizedTest(name = "{0} reproduces the PyTorch codes and reconstructions")
    @CsvSource({
        "seed_untied, seed/learned_dicts.pt#0, standard",
        "seed_tied, seed/learned_dicts.pt#1, tied",
        "dictionary_learning, dictionary_learning, standard",
        "sparsify, sparsify/layers.2, topk",
        "saelens6_jumprelu, saelens6_jumprelu, jumprelu"
    })
    void loaderReproducesItsFixture(String key, String path, String architecture) throws Exception {
        Map<String, Tensor> expected = Safetensors.readAll(Reference.path("formats/expected.safetensors"));
        Dictionary d = DictionaryFiles.read(Path.of(Reference.path("formats").toString(), path));
        assertEquals(architecture, d.architecture());
        assertEquals(256, d.dIn());
        assertEquals(1024, d.dSae());
        float[][] got = run(d, expected.get("input").floats(), 64);
        assertClose(expected.get(key + "_codes").floats(), got[0], 1e-4, key + " codes");
        assertClose(expected.get(key + "_recon").floats(), got[1], 1e-4, key + " reconstruction");
    }

    @Test
    void foreignFormatsKnowTheirHook() throws Exception {
        assertEquals(
                HookPoint.parse("blocks.2.hook_resid_post"),
                DictionaryFiles.read(Reference.path("formats/sparsify/layers.2"))
                        .info()
                        .hook());
        assertEquals(
                HookPoint.parse("blocks.2.hook_resid_post"),
                DictionaryFiles.read(Reference.path("formats/sparsify")).info().hook());
        assertEquals(
                HookPoint.parse("blocks.2.hook_resid_post"),
                DictionaryFiles.read(Reference.path("formats/dictionary_learning"))
                        .info()
                        .hook());
        assertEquals(
                HookPoint.parse("blocks.2.hook_resid_post"),
                DictionaryFiles.read(Reference.path("formats/saelens6_jumprelu"))
                        .info()
                        .hook());
        Dictionary sae = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03/cfg.json"));
        assertEquals(HookPoint.parse("blocks.2.hook_resid_post"), sae.info().hook());
        assertEquals("reference-neox-6l", sae.info().model());
        List<Dictionary> seed = DictionaryFiles.readAll(Reference.path("formats/seed/learned_dicts.pt"));
        assertEquals(2, seed.size());
        assertEquals("0.004114202978752843", seed.get(1).info().metadata().get("l1_alpha"));
        assertThrows(
                DictionaryFormatException.class,
                () -> DictionaryFiles.read(Reference.path("formats/seed/learned_dicts.pt")));
    }

    @Test
    void aPlainTorchStateDictIsAStandardDictionaryWithTheSameCodesAsItsSaeLensFolder() throws Exception {
        Dictionary fromPt = DictionaryFiles.read(Reference.path("chunks/sae_state_dict.pt"));
        Dictionary saeLens = DictionaryFiles.read(Reference.path("saes/l1_5.01e-04"));
        assertEquals("standard", fromPt.architecture());
        assertEquals(
                org.sparsescope.compute.dictionary.Provenance.StatedBy.NOBODY,
                fromPt.info().provenance().statedBy(),
                "it names no hook");
        float[] x = Safetensors.readAll(Reference.path("formats/expected.safetensors"))
                .get("input")
                .floats();
        float[][] a = run(fromPt, x, 64), b = run(saeLens, x, 64);
        assertClose(b[0], a[0], 1e-6, "codes");
        assertClose(b[1], a[1], 1e-6, "reconstruction");
    }

    @ParameterizedTest(name = "a cfg.json of {0} is a typed error saying so")
    @CsvSource(
            delimiter = '|',
            value = {
                "random bytes | not UTF-8",
                "plain text | not valid JSON (at line 1 column",
                "{\"foo\": 1} | lacks \"d_in\"",
                "{\"d_in\": \"many\", \"d_sae\": 1024} | \"d_in\" should be an integer"
            })
    void aBadCfgJsonNamesTheFileAndTheProblem(String what, String expected) throws Exception {
        Path dir = tmp.resolve(what.replaceAll("\\W", "_"));
        Files.createDirectories(dir);
        Files.copy(Reference.path("saes/l1_5.01e-04/sae_weights.safetensors"), dir.resolve("sae_weights.safetensors"));
        byte[] bytes = switch (what) {
            case "random bytes" -> new byte[] {(byte) 0xff, (byte) 0xfe, 0x00, (byte) 0x81, 0x7f, (byte) 0xc3, 0x28};
            case "plain text" -> "these are my notes on the run".getBytes(StandardCharsets.UTF_8);
            default -> what.getBytes(StandardCharsets.UTF_8);
        };
        Files.write(dir.resolve("cfg.json"), bytes);
        DictionaryFormatException e = assertThrows(DictionaryFormatException.class, () -> DictionaryFiles.read(dir));
        assertTrue(
                e.getMessage().contains(dir.resolve("cfg.json").toString())
                        && e.getMessage().contains(expected),
                e.getMessage());
        assertFalse(e.getMessage().contains("setStrictness"), "no parser advice: " + e.getMessage());
    }

    @Test
    void aModelsWeightsOpenedAsADictionarySayWhatTheyAre() {
        Path weights = Reference.path("model/model.safetensors");
        DictionaryFormatException e =
                assertThrows(DictionaryFormatException.class, () -> DictionaryFiles.read(weights));
        assertTrue(
                e.getMessage().contains(weights.toString()) && e.getMessage().contains("gpt_neox model's weights"),
                e.getMessage());
    }

    @Test
    void anEntryThatIsNotANumberIsSaidSoNotCalledMissing() {
        Path f = Reference.path("formats/seed/learned_dicts.pt");
        DictionaryFormatException e =
                assertThrows(DictionaryFormatException.class, () -> DictionaryFiles.read(Path.of(f + "#x")));
        assertTrue(
                e.getMessage().contains("'#x' is not a number")
                        && e.getMessage().contains(f + "#0"),
                e.getMessage());
    }

    @Test
    void codesOfTheShippedDictionaryHaveTheFixtureFeatureStatistics() throws Exception {
        Map<String, Tensor> f = Safetensors.readAll(Reference.path("fixtures/feature_stats.safetensors"));
        Dictionary d = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        float[] codes = run(d, f.get("activations_input").floats(), 4096)[0];
        int n = d.dSae();
        double[] density = new double[n], mean = new double[n], max = new double[n];
        for (int i = 0; i < 4096; i++) {
            for (int j = 0; j < n; j++) {
                double c = codes[i * n + j];
                density[j] += c > 0 ? 1.0 / 4096 : 0;
                mean[j] += c / 4096;
                max[j] = Math.max(max[j], c);
            }
        }
        float[] wantDensity = f.get("density").floats(),
                wantMean = f.get("mean").floats(),
                wantMax = f.get("max").floats();
        for (int j = 0; j < n; j++) {
            assertEquals(wantDensity[j], density[j], 1e-5 * Math.max(1e-3, wantDensity[j]) + 1e-9, "density " + j);
            assertEquals(wantMean[j], mean[j], 1e-5 * Math.abs(wantMean[j]) + 1e-6, "mean " + j);
            assertEquals(wantMax[j], max[j], 1e-5 * Math.abs(wantMax[j]) + 1e-6, "max " + j);
        }
    }

    @Test
    void savedDictionaryReadsBackInTheSaeLensLayoutWithItsSidecar() throws Exception {
        Dictionary tied = DictionaryFiles.read(Reference.path("formats/seed/learned_dicts.pt#1"));
        Path out = tmp.resolve("tied");
        SaeLensWriter.save(tied, out, Map.of("fvu", 0.5));
        Dictionary back = DictionaryFiles.read(out);
        assertEquals("standard", back.architecture(), "a tied dictionary is saved as its exact standard equivalent");
        assertTrue(Files.readString(out.resolve(Sidecar.FILE)).contains("\"fvu\": 0.5"));
        Map<String, Tensor> expected = Safetensors.readAll(Reference.path("formats/expected.safetensors"));
        float[][] got = run(back, expected.get("input").floats(), 64);
        assertClose(expected.get("seed_tied_codes").floats(), got[0], 1e-4, "codes after save");
        assertClose(expected.get("seed_tied_recon").floats(), got[1], 1e-4, "reconstruction after save");

        Dictionary topk = DictionaryFiles.read(Reference.path("formats/sparsify/layers.2"));
        SaeLensWriter.save(topk, tmp.resolve("topk"), Map.of());
        Dictionary topkBack = DictionaryFiles.read(tmp.resolve("topk"));
        assertInstanceOf(TopKDictionary.class, topkBack);
        assertEquals(32, ((TopKDictionary) topkBack).k());
    }

    @Test
    void aFailedSaveNeverReplacesAGoodDictionary() throws Exception {
        Dictionary good = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        Path out = tmp.resolve("good");
        SaeLensWriter.save(good, out, Map.of("run", 1));
        byte[] weights = Files.readAllBytes(out.resolve(SaeLensFormat.WEIGHTS));
        // a sidecar value that cannot be serialised makes the write fail midway
        Dictionary other = DictionaryFiles.read(Reference.path("saes/l1_5.01e-04"));
        assertThrows(RuntimeException.class, () -> SaeLensWriter.save(other, out, Map.of("bad", new Thread())));
        assertEquals(
                java.util.Arrays.hashCode(weights),
                java.util.Arrays.hashCode(Files.readAllBytes(out.resolve(SaeLensFormat.WEIGHTS))));
        try (var s = Files.list(tmp)) {
            assertEquals(1, s.count(), "no temporary folder left");
        }
        // a half-written folder left by a crash is not a dictionary
        Path half = tmp.resolve("half");
        Files.createDirectories(half);
        Files.writeString(half.resolve("cfg.json"), "{\"architecture\": \"standard\", \"d_in\": 256}");
        var e = assertThrows(DictionaryFormatException.class, () -> DictionaryFiles.read(half));
        assertTrue(e.getMessage().contains("sae_weights.safetensors"), e.getMessage());
    }

    @Test
    void truncatedWeightsAreRefusedNamingTheFile() throws Exception {
        Path dir = tmp.resolve("cut");
        Files.createDirectories(dir);
        Files.copy(Reference.path("saes/l1_4.11e-03/cfg.json"), dir.resolve("cfg.json"));
        byte[] w = Files.readAllBytes(Reference.path("saes/l1_4.11e-03/sae_weights.safetensors"));
        Files.write(dir.resolve("sae_weights.safetensors"), java.util.Arrays.copyOf(w, w.length - 4096));
        var e = assertThrows(InvalidInputException.class, () -> DictionaryFiles.read(dir));
        assertTrue(
                e.getMessage().contains("sae_weights.safetensors")
                        && e.getMessage().contains("truncated"),
                e.getMessage());
    }

    @Test
    void learnedDictsNamingAClassOutsideTheWhitelistIsRefused() throws Exception {
        Path src = Reference.path("formats/seed/learned_dicts.pt");
        Path evil = tmp.resolve("learned_dicts.pt");
        try (ZipFile in = new ZipFile(src.toFile());
                OutputStream os = Files.newOutputStream(evil);
                ZipOutputStream out = new ZipOutputStream(os)) {
            for (ZipEntry e : java.util.Collections.list(in.entries())) {
                byte[] data;
                try (InputStream is = in.getInputStream(e)) {
                    data = is.readAllBytes();
                }
                if (e.getName().endsWith("data.pkl")) {
                    String s = new String(data, StandardCharsets.ISO_8859_1)
                            .replace("autoencoders.learned_dict\nTiedSAE", "subprocess\nPopen_X");
                    data = s.getBytes(StandardCharsets.ISO_8859_1);
                }
                out.putNextEntry(new ZipEntry(e.getName()));
                out.write(data);
                out.closeEntry();
            }
        }
        var e = assertThrows(UnsafePickleException.class, () -> DictionaryFiles.readAll(evil));
        assertTrue(
                e.getMessage().contains("subprocess.Popen_X") && e.getMessage().contains("whitelist"), e.getMessage());
    }

    @Test
    void dictionaryOfAnotherWidthThanTheActivationsIsRefused() throws Exception {
        Dictionary d = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        Path npy = tmp.resolve("acts.npy");
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 128), }\n";
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(10 + header.length() + 2 * 128 * 4)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0})
                .putShort((short) header.length())
                .put(header.getBytes());
        Files.write(npy, b.array());
        try (ActivationSet set = ActivationSet.open(npy)) {
            var e = assertThrows(
                    InvalidInputException.class,
                    () -> DictionaryMetrics.requireSameWidth(d, Reference.path("saes/l1_4.11e-03"), set));
            assertTrue(e.getMessage().contains("d_in=256") && e.getMessage().contains("d=128"), e.getMessage());
        }
    }
}
