package org.sparsescope.compute.intervene;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.model.TokenWindows;

/** Against reference.json "splice": 64 windows of 128 tokens of corpus/test.txt, hook blocks.2.hook_resid_post. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InterventionsTest {
    private LanguageModel model;
    private long[][] windows;
    private JsonObject splice;

    @BeforeAll
    void load() throws Exception {
        model = LanguageModel.load(Reference.path("model"));
        windows = TokenWindows.consecutive(
                model.tokenizer().encode(Files.readString(Reference.path("corpus/test.txt"))), 128, 64);
        splice = JsonParser.parseString(Files.readString(Reference.path("reference.json")))
                .getAsJsonObject()
                .getAsJsonObject("splice");
    }

    @AfterAll
    void close() {
        model.close();
    }

    @Test
    void cleanZeroSplicedRecoveredAndEverySingleFeatureAblationMatchTheReference() throws Exception {
        for (JsonElement e : splice.getAsJsonArray("saes")) {
            JsonObject sae = e.getAsJsonObject();
            Dictionary d =
                    DictionaryFiles.read(Reference.path(sae.get("sae_dir").getAsString()));
            try (Interventions iv = new Interventions(
                    model, d, HookPoint.parse(splice.get("hook").getAsString()))) {
                Interventions.SpliceReport r = iv.splice(windows);
                assertEquals(splice.get("clean_ce").getAsDouble(), r.cleanCe(), 1e-3, "clean");
                assertEquals(splice.get("zero_ablation_ce").getAsDouble(), r.zeroAblationCe(), 1e-3, "zero ablation");
                assertEquals(sae.get("spliced_ce").getAsDouble(), r.splicedCe(), 1e-3, "spliced " + sae.get("sae_dir"));
                assertEquals(
                        sae.get("ce_loss_recovered").getAsDouble(),
                        r.ceLossRecovered(),
                        1e-3,
                        "recovered " + sae.get("sae_dir"));
                float[][] clean = iv.tokenLosses(windows, new Intervention.Clean());
                for (JsonElement a : sae.getAsJsonArray("ablations")) {
                    JsonObject ab = a.getAsJsonObject();
                    int f = ab.get("feature").getAsInt();
                    Interventions.Effect keep = iv.effect(
                            windows,
                            new Intervention.Ablate(new int[] {f}, Intervention.AblationMode.KEEP_ERROR),
                            clean);
                    Interventions.Effect inRecon = iv.effect(
                            windows,
                            new Intervention.Ablate(new int[] {f}, Intervention.AblationMode.RECONSTRUCTION),
                            clean);
                    assertEquals(
                            ab.get("ce_ablate_keep_error").getAsDouble(),
                            keep.ce(),
                            1e-3,
                            "keep-error ablation of " + f);
                    assertEquals(
                            ab.get("ce_ablate_in_reconstruction").getAsDouble(),
                            inRecon.ce(),
                            1e-3,
                            "in-reconstruction ablation of " + f);
                    assertEquals(keep.ce() - r.cleanCe(), keep.deltaCe(), 1e-9, "keep-error: against the clean run");
                    assertEquals(r.splicedCe(), inRecon.splicedCe(), 1e-6);
                    assertEquals(
                            inRecon.ce() - r.splicedCe(),
                            inRecon.deltaCe(),
                            1e-6,
                            "inside the reconstruction: against the spliced run");
                }
            }
        }
    }

    @Test
    void anAblationInsideTheReconstructionTintsTokensByItsChangeAgainstTheSplicedRun() throws Exception {
        Dictionary d = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        try (Interventions iv = new Interventions(model, d, null)) {
            long[][] few = java.util.Arrays.copyOf(windows, 4);
            float[][] clean = iv.tokenLosses(few, new Intervention.Clean());
            float[][] spliced = iv.tokenLosses(few, new Intervention.Splice());
            Intervention ablate = new Intervention.Ablate(new int[] {519}, Intervention.AblationMode.RECONSTRUCTION);
            float[][] ablated = iv.tokenLosses(few, ablate);
            Interventions.Effect e = iv.effect(few, ablate, clean);
            assertTrue(e.againstSpliced());
            for (int w = 0; w < few.length; w++) {
                for (int t = 0; t < ablated[w].length; t++) {
                    assertEquals(
                            ablated[w][t] - spliced[w][t],
                            e.tokenLossDelta()[w][t],
                            1e-6,
                            "window " + w + " token " + t);
                }
            }
            // the feature's own effect is small beside what the dictionary costs (spliced − clean)
            double cost = e.splicedCe() - e.cleanCe();
            assertTrue(
                    Math.abs(e.deltaCe()) < cost / 5, "feature effect " + e.deltaCe() + " vs dictionary cost " + cost);
        }
    }

    @Test
    void steeringMovesTheLossAndZeroSteeringDoesNot() throws Exception {
        Dictionary d = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        try (Interventions iv = new Interventions(model, d, null)) {
            long[][] few = java.util.Arrays.copyOf(windows, 4);
            float[][] clean = iv.tokenLosses(few, new Intervention.Clean());
            Interventions.Effect none = iv.effect(few, new Intervention.Steer(519, 0.0), clean);
            assertEquals(0.0, none.deltaCe(), 1e-6);
            Interventions.Effect strong = iv.effect(few, new Intervention.Steer(519, 20.0), clean);
            assertTrue(Math.abs(strong.deltaCe()) > 0.01, "steering by 20·W_dec changes the loss: " + strong.deltaCe());
            assertEquals(4, strong.tokenLossDelta().length);
            assertEquals(127, strong.tokenLossDelta()[0].length);
        }
    }
}
