package org.sparsescope.compute.circuits;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.JsonInput;
import org.sparsescope.compute.intervene.Intervention.AblationMode;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.tensor.AtomicFile;

/**
 * A feature graph as JSON: the layers of the chain, every stage's full weight and effect matrices (so a file read
 * back is the graph computed), and, for people and other tools, the edges a threshold leaves visible, named as the
 * seed named nodes ("4_1030": layer 4, feature 1030). The workspace cache and the export use the same layout.
 */
public final class FeatureGraphJson {
    public static final String FORMAT = "sparsescope.feature_graph/1";
    private static final Gson GSON =
            new GsonBuilder().serializeSpecialFloatingPointValues().create();

    private FeatureGraphJson() {}

    /** The graph as a JSON-ready map; {@code threshold} (a fraction of the largest edge into each node) marks the edges listed. */
    public static Map<String, Object> toMap(FeatureGraph g, double threshold) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("model", g.model());
        m.put("method", g.method().name().toLowerCase(Locale.ROOT));
        m.put("mode", g.mode() == AblationMode.KEEP_ERROR ? "keep_error" : "reconstruction");
        m.put("windows", g.windows());
        m.put("window_tokens", g.windowTokens());
        m.put("seconds", g.seconds());
        m.put("token_blocks", g.tokenBlocks());
        m.put("threshold", threshold);
        List<Map<String, Object>> layers = new ArrayList<>();
        List<FeatureGraph.Layer> chain = layers(g);
        for (FeatureGraph.Layer l : chain) {
            Map<String, Object> lm = new LinkedHashMap<>();
            lm.put("dictionary", l.dictionary());
            lm.put("name", l.name());
            lm.put("hook", l.hook().name());
            lm.put("features", l.features());
            layers.add(lm);
        }
        m.put("layers", layers);
        List<Map<String, Object>> stages = new ArrayList<>();
        List<Map<String, Object>> edges = new ArrayList<>();
        for (int k = 0; k < g.stages().size(); k++) {
            FeatureGraph.Stage s = g.stages().get(k);
            Map<String, Object> sm = new LinkedHashMap<>();
            sm.put("upstream", k);
            sm.put("downstream", k + 1);
            sm.put("upstream_features", s.upstreamFeatures());
            sm.put("weights", s.weights());
            sm.put("effects", s.effects());
            stages.add(sm);
            int[] up = s.upstreamFeatures();
            for (int r = 0; r < up.length; r++) {
                for (int j = 0; j < s.downstream().features(); j++) {
                    if (s.visible(r, j, threshold)) {
                        Map<String, Object> e = new LinkedHashMap<>();
                        e.put("from", nodeName(s.upstream().hook(), up[r]));
                        e.put("to", nodeName(s.downstream().hook(), j));
                        e.put("weight", (double) s.weight(r, j));
                        e.put("effect", (double) s.effect(r, j));
                        edges.add(e);
                    }
                }
            }
        }
        m.put("stages", stages);
        m.put("edges", edges);
        return m;
    }

    /** "layer_feature", as the seed printed nodes; the final norm is "final". */
    public static String nodeName(HookPoint h, int feature) {
        return (h.isFinal() ? "final" : Integer.toString(h.layer())) + "_" + feature;
    }

    public static String toJson(FeatureGraph g, double threshold) {
        return GSON.toJson(toMap(g, threshold));
    }

    public static void write(Path file, FeatureGraph g, double threshold) throws IOException {
        AtomicFile.writeString(file, toJson(g, threshold));
    }

    private static List<FeatureGraph.Layer> layers(FeatureGraph g) {
        List<FeatureGraph.Layer> out = new ArrayList<>();
        out.add(g.stages().get(0).upstream());
        for (FeatureGraph.Stage s : g.stages()) {
            out.add(s.downstream());
        }
        return out;
    }

    private record LayerFile(String dictionary, String name, String hook, Integer features) {}

    private record StageFile(
            Integer upstream, Integer downstream, int[] upstream_features, float[][] weights, float[][] effects) {}

    private record GraphFile(
            String format,
            String model,
            String method,
            String mode,
            Integer windows,
            Integer window_tokens,
            Double seconds,
            Long token_blocks,
            List<LayerFile> layers,
            List<StageFile> stages) {}

    /** Reads a graph back, every field checked; a file that is not one is an {@link InvalidInputException} naming it. */
    public static FeatureGraph read(Path file) throws IOException {
        JsonInput in = JsonInput.of(file);
        GraphFile f = in.read(GSON, GraphFile.class);
        if (f == null || !FORMAT.equals(f.format())) {
            throw in.error("not a feature graph (format should be " + FORMAT + ")");
        }
        if (f.layers() == null
                || f.stages() == null
                || f.layers().size() != f.stages().size() + 1
                || f.stages().isEmpty()
                || f.windows() == null
                || f.window_tokens() == null
                || f.method() == null
                || f.mode() == null) {
            throw in.error(
                    "a feature graph needs method, mode, windows, window_tokens, layers and one stage fewer than layers");
        }
        List<FeatureGraph.Layer> layers = new ArrayList<>();
        for (LayerFile l : f.layers()) {
            if (l == null || l.hook() == null || l.features() == null || l.features() < 1) {
                throw in.error("every layer needs a hook and a positive number of features");
            }
            HookPoint hook;
            try {
                hook = HookPoint.parse(l.hook());
            } catch (IllegalArgumentException e) {
                throw in.error(e.getMessage());
            }
            layers.add(new FeatureGraph.Layer(l.dictionary(), l.name(), hook, l.features()));
        }
        FeatureGraph.Method method;
        AblationMode mode;
        try {
            method = FeatureGraph.Method.valueOf(f.method().toUpperCase(Locale.ROOT));
            mode = AblationMode.valueOf(f.mode().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(
                    file, "method must be ablate or restore and mode keep_error or reconstruction");
        }
        List<FeatureGraph.Stage> stages = new ArrayList<>();
        for (int k = 0; k < f.stages().size(); k++) {
            StageFile s = f.stages().get(k);
            FeatureGraph.Layer up = layers.get(k), down = layers.get(k + 1);
            if (s == null || s.upstream_features() == null || s.weights() == null || s.effects() == null) {
                throw in.error("stage " + k + " needs upstream_features, weights and effects");
            }
            int rows = s.upstream_features().length;
            if (s.weights().length != rows || s.effects().length != rows) {
                throw in.error("stage " + k + " has " + rows + " upstream features but " + s.weights().length
                        + " rows of weights");
            }
            for (int r = 0; r < rows; r++) {
                int feature = s.upstream_features()[r];
                if (feature < 0 || feature >= up.features()) {
                    throw in.error("stage " + k + " names upstream feature " + feature + " of a dictionary of "
                            + up.features());
                }
                if (s.weights()[r] == null
                        || s.effects()[r] == null
                        || s.weights()[r].length != down.features()
                        || s.effects()[r].length != down.features()) {
                    throw in.error(
                            "stage " + k + " row " + r + " should have " + down.features() + " weights and effects");
                }
            }
            stages.add(new FeatureGraph.Stage(method, up, down, s.upstream_features(), s.weights(), s.effects()));
        }
        return new FeatureGraph(
                f.model(),
                method,
                mode,
                f.windows(),
                f.window_tokens(),
                stages,
                f.seconds() == null ? 0 : f.seconds(),
                f.token_blocks() == null ? 0 : f.token_blocks());
    }
}
