package org.sparsescope.compute.stats;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The tokens a feature's top examples sit on, as a researcher scans them: each distinct token once with how often
 * it occurs ("the ×5 · a ×2 · of"), most frequent first, ties in order of first appearance.
 */
public final class TopTokens {
    private TopTokens() {}

    /**
     * Feature j's summary from its first 10 top examples in a report (newlines shown as \n), or "" where the set
     * records no tokens: what the feature table, the graph and the exports name features by.
     */
    public static String of(
            org.sparsescope.compute.activations.ActivationSet set,
            org.sparsescope.compute.model.Tokenizer tokenizer,
            FeatureReport r,
            int feature)
            throws java.io.IOException {
        if (tokenizer == null || !set.hasTokens()) {
            return "";
        }
        List<String> tokens = new java.util.ArrayList<>();
        for (int i = 0; i < Math.min(10, r.top().count(feature)); i++) {
            var c = set.context(r.top().rows()[feature][i]);
            if (c.isPresent()) {
                tokens.add(tokenizer
                        .tokenText(c.get().tokenIds()[c.get().position()])
                        .replace("\n", "\\n")
                        .replace("\t", "\\t"));
            }
        }
        return summarize(tokens, 4);
    }

    /** {@link #of} for every feature of the report. */
    public static List<String> ofAll(
            org.sparsescope.compute.activations.ActivationSet set,
            org.sparsescope.compute.model.Tokenizer tokenizer,
            FeatureReport r)
            throws java.io.IOException {
        List<String> out = new java.util.ArrayList<>();
        for (int j = 0; j < r.stats().features(); j++) {
            out.add(of(set, tokenizer, r, j));
        }
        return out;
    }

    public static String summarize(List<String> tokens, int distinct) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String t : tokens) {
            counts.merge(t, 1, Integer::sum);
        }
        List<Map.Entry<String, Integer>> order = new java.util.ArrayList<>(counts.entrySet());
        order.sort((a, b) -> Integer.compare(b.getValue(), a.getValue())); // stable: ties keep first appearance
        return order.stream()
                .limit(distinct)
                .map(e -> e.getValue() > 1 ? e.getKey() + " ×" + e.getValue() : e.getKey())
                .collect(Collectors.joining(" · "));
    }
}
