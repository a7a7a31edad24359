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
    private TopTokens() {
    }

    public static String summarize(List<String> tokens, int distinct) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String t : tokens) {
            counts.merge(t, 1, Integer::sum);
        }
        List<Map.Entry<String, Integer>> order = new java.util.ArrayList<>(counts.entrySet());
        order.sort((a, b) -> Integer.compare(b.getValue(), a.getValue())); // stable: ties keep first appearance
        return order.stream().limit(distinct).map(e -> e.getValue() > 1 ? e.getKey() + " ×" + e.getValue() : e.getKey())
                .collect(Collectors.joining(" · "));
    }
}
