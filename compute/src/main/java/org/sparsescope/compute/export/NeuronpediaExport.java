package org.sparsescope.compute.export;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.zip.GZIPOutputStream;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.DictionaryOnDevice;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.stats.ExampleContext;
import org.sparsescope.compute.stats.FeatureNeighbours;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.stats.Histogram;
import org.sparsescope.compute.stats.LogitEffects;
import org.sparsescope.compute.tensor.AtomicFile;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.work.ProgressListener;

/**
 * A dictionary's features in Neuronpedia's export layout, so that what a researcher found can be published:
 * {@code OUT/<modelId>/<sourceId>/features/batch-K.jsonl.gz}, {@code activations/batch-K.jsonl.gz} and
 * {@code explanations/batch-K.jsonl.gz}, one JSON object per line, with the field names of Neuronpedia's Feature,
 * Activation and Explanation rows (as SAEDashboard's converter writes them). The source id is
 * {@code <layer>-<source set>}, as Neuronpedia names sources ("2-res-jb"). A feature explained by autointerp carries
 * its explanation, with the explainer model and the method (prompt version, sampling, seed) named; any other feature
 * its top tokens, typed {@code sparsescope_top_tokens}.
 */
public final class NeuronpediaExport {
    /** Features per batch file. */
    public static final int BATCH = 1024;

    private static final Gson GSON = new GsonBuilder().serializeNulls().create();

    private NeuronpediaExport() {}

    /** Where the files go and what they are called. */
    public record Target(Path out, String modelId, String sourceSet, HookPoint hook) {
        public String sourceId() {
            return (hook.isFinal() ? "final" : Integer.toString(hook.layer())) + "-" + sourceSet;
        }

        public Path dir() {
            return out.resolve(modelId).resolve(sourceId());
        }
    }

    /** Writes every feature of the dictionary; returns the source's folder. */
    public static Path write(
            Target target,
            LanguageModel model,
            DictionaryOnDevice dictionary,
            ActivationSet set,
            FeatureReport report,
            List<String> topTokens,
            ProgressListener progress,
            Cancellation cancel)
            throws IOException, CancelledException {
        return write(target, model, dictionary, set, report, topTokens, null, progress, cancel);
    }

    /** As above, with the dictionary's stored autointerp results (null: none) as its explanations. */
    public static Path write(
            Target target,
            LanguageModel model,
            DictionaryOnDevice dictionary,
            ActivationSet set,
            FeatureReport report,
            List<String> topTokens,
            org.sparsescope.compute.autointerp.AutointerpRun.Stored explained,
            ProgressListener progress,
            Cancellation cancel)
            throws IOException, CancelledException {
        int n = dictionary.dictionary().dSae();
        int bands =
                org.sparsescope.compute.stats.FeatureAnalysis.Options.defaults().bands();
        for (int start = 0, batch = 0; start < n; start += BATCH, batch++) {
            int[] features = IntStream.range(start, Math.min(n, start + BATCH)).toArray();
            List<FeatureDashboard> ds = FeatureDashboard.of(
                    model, dictionary, set, report, topTokens, features, bands, false, progress, cancel);
            List<Object> featureRows = new ArrayList<>(),
                    activationRows = new ArrayList<>(),
                    explanationRows = new ArrayList<>();
            for (FeatureDashboard d : ds) {
                featureRows.add(feature(target, d));
                int k = 0;
                for (ExampleContext c : d.top()) {
                    activationRows.add(activation(target, d.feature(), c, "top-" + k++));
                }
                for (FeatureDashboard.Band b : d.bands()) {
                    for (ExampleContext c : b.examples()) {
                        Map<String, Object> a = activation(target, d.feature(), c, "band-" + b.index() + "-" + k++);
                        a.put("binMin", b.lo());
                        a.put("binMax", b.hi());
                        activationRows.add(a);
                    }
                }
                String explanation = Explanations.text(explained, d.feature());
                if (!explanation.isEmpty()) {
                    explanationRows.add(explanation(
                            target,
                            d.feature(),
                            explanation,
                            Explanations.method(explained),
                            Explanations.explainer(explained, d.feature())));
                } else if (!d.topTokens().isEmpty()) {
                    explanationRows.add(
                            explanation(target, d.feature(), d.topTokens(), "sparsescope_top_tokens", "sparsescope"));
                }
            }
            String name = "batch-" + batch + ".jsonl.gz";
            AtomicFile.write(target.dir().resolve("features").resolve(name), bytes(gzipLines(featureRows)));
            AtomicFile.write(target.dir().resolve("activations").resolve(name), bytes(gzipLines(activationRows)));
            AtomicFile.write(target.dir().resolve("explanations").resolve(name), bytes(gzipLines(explanationRows)));
        }
        return target.dir();
    }

    /** One row of Neuronpedia's Explanation table: what it says, how it was made, by which model. */
    private static Map<String, Object> explanation(
            Target t, int feature, String description, String typeName, String modelName) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("modelId", t.modelId());
        e.put("layer", t.sourceId());
        e.put("index", Integer.toString(feature));
        e.put("description", description);
        e.put("typeName", typeName);
        e.put("explanationModelName", modelName);
        return e;
    }

    private static Map<String, Object> feature(Target t, FeatureDashboard d) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("modelId", t.modelId());
        f.put("layer", t.sourceId());
        f.put("index", Integer.toString(d.feature()));
        f.put("hookName", t.hook().name());
        f.put("maxActApprox", d.stats().max());
        f.put("frac_nonzero", d.stats().density());
        LogitEffects.FeatureLogits l = d.logits();
        f.put("pos_str", l.raised().stream().map(LogitEffects.TokenEffect::text).toList());
        f.put("pos_values", l.raised().stream().map(e -> (double) e.logit()).toList());
        f.put(
                "neg_str",
                l.lowered().stream().map(LogitEffects.TokenEffect::text).toList());
        f.put("neg_values", l.lowered().stream().map(e -> (double) e.logit()).toList());
        putHistogram(f, "freq_hist_data", d.activations());
        putHistogram(f, "logits_hist_data", l.all());
        f.put(
                "topkCosSimIndices",
                d.nearest().stream().map(FeatureNeighbours.Neighbour::feature).toList());
        f.put(
                "topkCosSimValues",
                d.nearest().stream().map(FeatureNeighbours.Neighbour::value).toList());
        f.put(
                "correlated_features_indices",
                d.correlated().stream()
                        .map(FeatureNeighbours.Neighbour::feature)
                        .toList());
        f.put(
                "correlated_features_pearson",
                d.correlated().stream().map(FeatureNeighbours.Neighbour::value).toList());
        return f;
    }

    /** Bar centres and heights, as Neuronpedia plots them. */
    private static void putHistogram(Map<String, Object> f, String name, Histogram h) {
        List<Double> values = new ArrayList<>(), heights = new ArrayList<>();
        for (int i = 0; i < h.bins(); i++) {
            values.add(h.lo() + (i + 0.5) * h.binWidth());
            heights.add((double) h.counts()[i]);
        }
        f.put(name + "_bar_values", values);
        f.put(name + "_bar_heights", heights);
    }

    private static Map<String, Object> activation(Target t, int feature, ExampleContext c, String id) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("id", t.sourceId() + "-" + feature + "-" + id);
        a.put("modelId", t.modelId());
        a.put("layer", t.sourceId());
        a.put("index", Integer.toString(feature));
        a.put("tokens", List.of(c.tokens()));
        List<Double> values = new ArrayList<>();
        float max = Float.NEGATIVE_INFINITY, min = Float.POSITIVE_INFINITY;
        int at = 0;
        for (int i = 0; i < c.activations().length; i++) {
            float v = c.activations()[i];
            values.add((double) v);
            if (v > max) {
                max = v;
                at = i;
            }
            min = Math.min(min, v);
        }
        a.put("values", values);
        a.put("maxValue", (double) max);
        a.put("maxValueTokenIndex", at);
        a.put("minValue", (double) min);
        a.put("dataIndex", Long.toString(c.row()));
        return a;
    }

    private static AtomicFile.Writer bytes(byte[] b) {
        return ch -> {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        };
    }

    private static byte[] gzipLines(List<Object> rows) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            for (Object r : rows) {
                gz.write(GSON.toJson(r).getBytes(StandardCharsets.UTF_8));
                gz.write('\n');
            }
        }
        return bytes.toByteArray();
    }
}
