package org.sparsescope.compute.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.Devices;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.activations.Corpus;
import org.sparsescope.compute.activations.HarvestOptions;
import org.sparsescope.compute.activations.Harvester;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.dictionary.DictionaryOnDevice;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.stats.FeatureAnalysis;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.stats.TopTokens;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.ProgressListener;

/** The feature table as CSV, dashboards as HTML and Neuronpedia's layout, read back and checked against the report. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExportsTest {
    private static final HookPoint HOOK = HookPoint.parse("blocks.2.hook_resid_post");
    private Path tmp;
    private LanguageModel model;
    private Dictionary dictionary;
    private ActivationSet set;
    private FeatureReport report;
    private List<String> tokens;

    @BeforeAll
    void load(@TempDir Path dir) throws Exception {
        tmp = dir;
        model = LanguageModel.load(Reference.path("model"));
        dictionary = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        new Harvester(model)
                .harvest(
                        HOOK,
                        Corpus.open(Reference.path("corpus/test.txt")),
                        tmp.resolve("set"),
                        HarvestOptions.of(8 * 128, 128),
                        ProgressListener.NONE,
                        Cancellation.none());
        set = ActivationSet.open(tmp.resolve("set"));
        report = FeatureAnalysis.run(
                dictionary,
                set,
                0,
                set.rows(),
                FeatureAnalysis.Options.defaults(),
                Devices.preferred(),
                ProgressListener.NONE,
                Cancellation.none());
        tokens = TopTokens.ofAll(set, model.tokenizer(), report);
    }

    @AfterAll
    void close() throws Exception {
        set.close();
        model.close();
    }

    @Test
    void theCsvHoldsEveryFeatureAtFullPrecision() throws Exception {
        Path file = tmp.resolve("features.csv");
        FeatureTableCsv.write(file, report, tokens);
        List<CSVRecord> rows = CSVFormat.RFC4180
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .get()
                .parse(new StringReader(Files.readString(file)))
                .getRecords();
        assertEquals(dictionary.dSae(), rows.size());
        for (int j : new int[] {0, 153, 1023}) {
            CSVRecord r = rows.get(j);
            assertEquals(j, Integer.parseInt(r.get("feature")));
            assertEquals(report.stats().density()[j], Double.parseDouble(r.get("density")));
            assertEquals(report.stats().kurtosis()[j], Double.parseDouble(r.get("kurtosis")));
            assertEquals(report.capacity()[j], Double.parseDouble(r.get("capacity")));
            assertEquals(tokens.get(j), r.get("top_tokens"));
        }
    }

    @Test
    void aDashboardHoldsEveryExampleAndEscapesTheText() throws Exception {
        int j = report.top().count(153) > 0 ? 153 : 0;
        try (DictionaryOnDevice d = new DictionaryOnDevice(dictionary, model.device())) {
            List<FeatureDashboard> ds = FeatureDashboard.of(
                    model, d, set, report, tokens, new int[] {j}, 10, true, ProgressListener.NONE, Cancellation.none());
            FeatureDashboard db = ds.get(0);
            assertEquals(report.top().count(j), db.top().size());
            assertEquals(
                    report.quantiles().count(j),
                    db.bands().stream().mapToInt(b -> b.examples().size()).sum(),
                    "every sampled example in a band");
            for (FeatureDashboard.Band b : db.bands()) {
                for (var c : b.examples()) {
                    float v = c.activations()[c.position()];
                    assertTrue(v >= b.lo() - 1e-6 && v <= b.hi() + 1e-6, v + " in band " + b);
                }
            }
            String html = DashboardHtml.html("t", "<sub>", ds);
            assertTrue(html.contains("<h2 id=\"f" + j + "\">Feature " + j + "</h2>"));
            assertTrue(html.contains("&lt;sub&gt;") && !html.contains("<sub>"), "text is escaped");
            int examples = html.split("<div class=\"ex\">", -1).length - 1;
            assertEquals(db.top().size() + report.quantiles().count(j), examples);
            assertTrue(
                    !html.contains("<script") && !html.contains("http://") && !html.contains("https://"),
                    "self-contained");
        }
    }

    @Test
    void theNeuronpediaLayoutHasAFeatureRowPerFeatureAndActivationsAsTheirExamples() throws Exception {
        NeuronpediaExport.Target t =
                new NeuronpediaExport.Target(tmp.resolve("np"), "reference-neox-6l", "sparsescope", HOOK);
        Path dir;
        try (DictionaryOnDevice d = new DictionaryOnDevice(dictionary, model.device())) {
            dir = NeuronpediaExport.write(t, model, d, set, report, tokens, ProgressListener.NONE, Cancellation.none());
        }
        assertEquals(tmp.resolve("np/reference-neox-6l/2-sparsescope"), dir);
        List<JsonObject> features = lines(dir.resolve("features/batch-0.jsonl.gz"));
        assertEquals(dictionary.dSae(), features.size());
        JsonObject f = features.get(153);
        assertEquals("153", f.get("index").getAsString());
        assertEquals("2-sparsescope", f.get("layer").getAsString());
        assertEquals(report.stats().density()[153], f.get("frac_nonzero").getAsDouble());
        assertEquals(10, f.getAsJsonArray("pos_str").size());
        assertEquals(
                f.getAsJsonArray("freq_hist_data_bar_values").size(),
                f.getAsJsonArray("freq_hist_data_bar_heights").size());
        List<JsonObject> acts = lines(dir.resolve("activations/batch-0.jsonl.gz"));
        long expected = 0;
        for (int j = 0; j < dictionary.dSae(); j++) {
            expected += report.top().count(j) + report.quantiles().count(j);
        }
        assertEquals(expected, acts.size(), "every top and band example");
        for (JsonObject a : acts.subList(0, Math.min(50, acts.size()))) {
            var values = a.getAsJsonArray("values");
            assertEquals(a.getAsJsonArray("tokens").size(), values.size());
            double max = -1e30;
            for (var v : values) {
                max = Math.max(max, v.getAsDouble());
            }
            assertEquals(max, a.get("maxValue").getAsDouble(), 1e-6);
        }
        assertTrue(Files.isRegularFile(dir.resolve("explanations/batch-0.jsonl.gz")));
    }

    /** Two features explained (one scored, one answered without an explanation) by "scripted-7b". */
    private static org.sparsescope.compute.autointerp.AutointerpRun.Stored explained() {
        var det = org.sparsescope.compute.autointerp.ScoreMetrics.of(List.of(
                new org.sparsescope.compute.autointerp.ScoreMetrics.Judgement(true, true, null),
                new org.sparsescope.compute.autointerp.ScoreMetrics.Judgement(false, false, null),
                new org.sparsescope.compute.autointerp.ScoreMetrics.Judgement(false, true, null),
                new org.sparsescope.compute.autointerp.ScoreMetrics.Judgement(true, true, null)));
        var explained = new org.sparsescope.compute.autointerp.FeatureInterpreter.Interpretation(
                153, "HTML <font> tags", det, null, List.of(), 10, 2, "scripted-7b", "v");
        var none = new org.sparsescope.compute.autointerp.FeatureInterpreter.Interpretation(
                0, null, null, null, List.of(), 10, 2, "scripted-7b", "v");
        return new org.sparsescope.compute.autointerp.AutointerpRun.Stored(
                Path.of("x"),
                "scripted-7b",
                "sparsescope-autointerp-1-top-random-seed0",
                java.util.Map.of(153, explained, 0, none));
    }

    @Test
    void everyExportCarriesTheStoredExplanationsWithTheirExplainerAndMethod() throws Exception {
        var stored = explained();
        List<CSVRecord> rows = CSVFormat.RFC4180
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .get()
                .parse(new StringReader(FeatureTableCsv.csv(report, tokens, stored)))
                .getRecords();
        assertEquals("HTML <font> tags", rows.get(153).get("explanation"));
        assertEquals("0.7500", rows.get(153).get("detection"), "(1 + 1/2) / 2: recall 1, specificity 1/2");
        assertEquals("", rows.get(153).get("fuzzing"), "not scored: empty");
        assertEquals("scripted-7b", rows.get(153).get("explainer"));
        assertEquals("", rows.get(0).get("explanation"), "answered without an explanation");
        assertEquals("", rows.get(5).get("explainer"), "never explained");

        try (DictionaryOnDevice d = new DictionaryOnDevice(dictionary, model.device())) {
            var ds = FeatureDashboard.of(
                    model,
                    d,
                    set,
                    report,
                    tokens,
                    new int[] {153, 5},
                    10,
                    false,
                    ProgressListener.NONE,
                    Cancellation.none());
            String html = DashboardHtml.html("t", "s", ds, stored);
            assertTrue(html.contains("“HTML &lt;font&gt; tags”"), "escaped, quoted");
            assertTrue(html.contains("explained by scripted-7b (sparsescope-autointerp-1-top-random-seed0)"));
            assertEquals(1, html.split("class=\"expl\"", -1).length - 1, "only the explained feature");

            NeuronpediaExport.Target t =
                    new NeuronpediaExport.Target(tmp.resolve("np2"), "reference-neox-6l", "sparsescope", HOOK);
            Path dir = NeuronpediaExport.write(
                    t, model, d, set, report, tokens, stored, ProgressListener.NONE, Cancellation.none());
            List<JsonObject> ex = lines(dir.resolve("explanations/batch-0.jsonl.gz"));
            JsonObject e153 = ex.stream()
                    .filter(o -> o.get("index").getAsString().equals("153"))
                    .findFirst()
                    .orElseThrow();
            assertEquals("HTML <font> tags", e153.get("description").getAsString());
            assertEquals("scripted-7b", e153.get("explanationModelName").getAsString());
            assertEquals(
                    "sparsescope-autointerp-1-top-random-seed0",
                    e153.get("typeName").getAsString());
            JsonObject e5 = ex.stream()
                    .filter(o -> o.get("index").getAsString().equals("5"))
                    .findFirst()
                    .orElseThrow();
            assertEquals("sparsescope_top_tokens", e5.get("typeName").getAsString(), "unexplained: its top tokens");
        }
    }

    private static List<JsonObject> lines(Path gz) throws Exception {
        List<JsonObject> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(
                new InputStreamReader(new GZIPInputStream(Files.newInputStream(gz)), StandardCharsets.UTF_8))) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                out.add(JsonParser.parseString(l).getAsJsonObject());
            }
        }
        return out;
    }
}
