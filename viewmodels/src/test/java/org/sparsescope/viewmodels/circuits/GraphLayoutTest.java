package org.sparsescope.viewmodels.circuits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sparsescope.compute.circuits.FeatureGraph;
import org.sparsescope.compute.intervene.Intervention;
import org.sparsescope.compute.model.HookPoint;

/** What the graph view shows of a chain of three hooks, on a graph small enough to check by hand. */
class GraphLayoutTest {
    private static final FeatureGraph.Layer A =
            new FeatureGraph.Layer("a", "A", HookPoint.parse("blocks.1.hook_resid_post"), 4);
    private static final FeatureGraph.Layer B =
            new FeatureGraph.Layer("b", "B", HookPoint.parse("blocks.3.hook_resid_post"), 5);
    private static final FeatureGraph.Layer C =
            new FeatureGraph.Layer("c", "C", HookPoint.parse("blocks.5.hook_resid_post"), 3);

    /** A: features 0 and 2 upstream; B: 4 and 1 followed; weights chosen so thresholds cut known edges. */
    private static FeatureGraph chain() {
        float[][] ab = {{0, 1.0f, 0, 0.005f, 2.0f}, {0, 0.5f, 0, 0, 0.015f}};
        float[][] abEffects = {{0, 1, 0, -1, -1}, {0, 1, 0, 0, 1}};
        float[][] bc = {{0.3f, 0, 0}, {0.1f, 0.2f, 0}};
        var s1 = new FeatureGraph.Stage(FeatureGraph.Method.ABLATE, A, B, new int[] {0, 2}, ab, abEffects);
        var s2 = new FeatureGraph.Stage(FeatureGraph.Method.ABLATE, B, C, new int[] {4, 1}, bc, bc);
        return new FeatureGraph(
                "m", FeatureGraph.Method.ABLATE, Intervention.AblationMode.KEEP_ERROR, 1, 8, List.of(s1, s2), 1, 1);
    }

    @Test
    void theThresholdHidesEdgesRelativeToTheLargestIntoEachNodeAndCountsThem() {
        FeatureGraph g = chain();
        GraphLayout all = GraphLayout.of(g, Map.of(0, List.of("a0", "a1", "a2", "a3")), 0.0, 12);
        assertEquals(3, all.columns().size());
        // column 0: upstream features by visible outgoing weight: 0 (3.005) before 2 (0.515)
        assertEquals(
                List.of(0, 2),
                all.columns().get(0).nodes().stream()
                        .map(GraphLayout.Node::feature)
                        .toList());
        assertEquals("a2", all.columns().get(0).nodes().get(1).label());
        // column 1: B's features reached, by strongest incoming: 4 (2.0), 1 (1.0), 3 (0.005)
        assertEquals(
                List.of(4, 1, 3),
                all.columns().get(1).nodes().stream()
                        .map(GraphLayout.Node::feature)
                        .toList());
        assertEquals(5 + 3, all.edges().size());

        GraphLayout seed = GraphLayout.of(g, Map.of(), 0.01, 12);
        // 2 → 4 (0.015 of 2.0 = 0.75%) and 0 → 3? (0.005 is the largest into 3: kept) — the seed's rule is per node
        assertEquals(
                List.of(4, 1, 3),
                seed.columns().get(1).nodes().stream()
                        .map(GraphLayout.Node::feature)
                        .toList());
        assertEquals(4 + 3, seed.edges().size(), "one edge below 1% of the largest into its node is hidden");
        GraphLayout strict = GraphLayout.of(g, Map.of(), 0.6, 12);
        assertTrue(
                strict.edges().stream().noneMatch(e -> e.from().feature() == 2 && e.to().feature() == 1),
                "0.5 < 0.6 × 1.0 is hidden");
        assertTrue(strict.edges().stream().anyMatch(e -> e.from().feature() == 0 && e.to().feature() == 1));
    }

    @Test
    void anUpstreamFeatureWhoseEveryWeightIsZeroIsMarkedSilentAndOneWithEdgesIsNot() {
        float[][] ab = {{0, 1.0f, 0, 0, 0}, {0, 0, 0, 0, 0}};
        var s1 = new FeatureGraph.Stage(FeatureGraph.Method.ABLATE, A, B, new int[] {0, 3}, ab, ab);
        var g = new FeatureGraph(
                "m", FeatureGraph.Method.ABLATE, Intervention.AblationMode.KEEP_ERROR, 1, 8, List.of(s1), 1, 1);
        GraphLayout l = GraphLayout.of(g, Map.of(), 0.0, 12);
        var byFeature = l.columns().get(0).nodes().stream()
                .collect(java.util.stream.Collectors.toMap(GraphLayout.Node::feature, n -> n));
        assertTrue(byFeature.get(3).silent(), "feature 3 never fired: no weight, no effect");
        assertTrue(!byFeature.get(0).silent());
        assertTrue(
                l.columns().get(1).nodes().stream().noneMatch(GraphLayout.Node::silent),
                "downstream nodes have no stage of their own");
    }

    @Test
    void theNodeLimitKeepsTheStrongestAndCountsTheRest() {
        GraphLayout two = GraphLayout.of(chain(), Map.of(), 0.0, 2);
        assertEquals(
                List.of(4, 1),
                two.columns().get(1).nodes().stream()
                        .map(GraphLayout.Node::feature)
                        .toList());
        assertEquals(1, two.columns().get(1).notShown());
        assertEquals(1, two.hiddenEdges(), "the edge to feature 3 exists but its node is not shown");
    }

    @Test
    void hoveringANodeLightsEveryPathThroughIt() {
        GraphLayout l = GraphLayout.of(chain(), Map.of(), 0.0, 12);
        GraphLayout.Node b1 = l.columns().get(1).nodes().stream()
                .filter(n -> n.feature() == 1)
                .findFirst()
                .orElseThrow();
        Set<GraphLayout.Edge> paths = l.pathsThrough(b1);
        // into B1: from A0 and A2; out of B1: to C0 and C1
        assertEquals(4, paths.size());
        assertTrue(paths.stream().allMatch(e -> e.to().equals(b1) || e.from().equals(b1)));
        GraphLayout.Node a2 = l.columns().get(0).nodes().get(1);
        Set<GraphLayout.Edge> fromA2 = l.pathsThrough(a2);
        // A2 → B1, A2 → B4, and on: B1 → C0, B1 → C1, B4 → C0
        assertEquals(5, fromA2.size());
        assertEquals("1_2", l.columns().get(0).nodeName(a2));
    }

    @Test
    void restorationEdgesArePrunedByWhatRestoringAddsNotByTheRemainderEveryFeatureShares() {
        // every weight is about the 0.7 left of B's features with all of A removed; restoring A0 adds 0.2 to B1, A2
        // adds 0.001
        float[][] weights = {{0.7f, 0.9f, 0.7f, 0.7f, 0.7f}, {0.7f, 0.701f, 0.7f, 0.7f, 0.7f}};
        float[][] effects = {{0, 0.2f, 0, 0, 0}, {0, 0.001f, 0, 0, 0}};
        var s = new FeatureGraph.Stage(FeatureGraph.Method.RESTORE, A, B, new int[] {0, 2}, weights, effects);
        var g = new FeatureGraph(
                "m", FeatureGraph.Method.RESTORE, Intervention.AblationMode.KEEP_ERROR, 1, 8, List.of(s), 1, 1);
        GraphLayout l = GraphLayout.of(g, Map.of(), 0.01, 12);
        assertTrue(l.restoration());
        assertEquals(
                List.of(1),
                l.columns().get(1).nodes().stream()
                        .map(GraphLayout.Node::feature)
                        .toList(),
                "only B1 gains from a restoration");
        assertEquals(1, l.edges().size(), "A2's 0.001 is under 1% of A0's 0.2 into B1");
        assertEquals(0.9f, l.edges().get(0).weight(), "the weight stays the fraction recovered");
    }
}
