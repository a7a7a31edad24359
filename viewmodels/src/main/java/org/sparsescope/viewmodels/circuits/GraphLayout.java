package org.sparsescope.viewmodels.circuits;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sparsescope.compute.circuits.FeatureGraph;
import org.sparsescope.compute.circuits.FeatureGraphJson;
import org.sparsescope.compute.model.HookPoint;

/**
 * What the graph view draws: one column per hook of the chain, the nodes shown in each, and the edges a threshold
 * leaves visible between them. The first column holds the upstream features the graph was computed from, ranked by
 * their visible outgoing strength; each later column the next stage's upstream features, then the other features the
 * previous column reaches, by their strongest visible incoming edge; each at most {@code nodesPerColumn}. Hidden edges and nodes are counted, not lost.
 */
public record GraphLayout(
        List<Column> columns, List<Edge> edges, int hiddenEdges, double threshold, boolean restoration) {

    /** A hook of the chain; {@code notShown} counts the candidates beyond the column's limit. */
    public record Column(int index, String dictionary, String name, HookPoint point, List<Node> nodes, int notShown) {
        /** The hook's name, as the columns are headed. */
        public String hook() {
            return point.name();
        }

        /** As the seed named nodes: "layer_feature". */
        public String nodeName(Node n) {
            return FeatureGraphJson.nodeName(point, n.feature());
        }
    }

    /**
     * A feature of a column's dictionary; {@code row} is its row among its stage's upstream features, or −1;
     * {@code silent}: an upstream feature every one of whose weights and effects is 0, as a feature that never fired on
     * the windows leaves it (removing or restoring it changes nothing), so it has no edges.
     */
    public record Node(int column, int feature, String label, int row, boolean silent) {}

    /**
     * A visible edge of stage {@code stage} (column stage → stage + 1): its weight and effect, the strength it is
     * drawn by (see {@link FeatureGraph.Stage#strength}) and the stage's largest visible strength for scale.
     */
    public record Edge(int stage, Node from, Node to, float weight, float effect, float strength, float stageMax) {}

    public static GraphLayout empty() {
        return new GraphLayout(List.of(), List.of(), 0, 0, false);
    }

    /**
     * @param labels top tokens per feature for each column's dictionary (a missing column or feature shows no tokens)
     */
    public static GraphLayout of(
            FeatureGraph g, Map<Integer, List<String>> labels, double threshold, int nodesPerColumn) {
        int limit = Math.max(1, nodesPerColumn);
        List<FeatureGraph.Stage> stages = g.stages();
        List<Column> columns = new ArrayList<>();
        List<Edge> edges = new ArrayList<>();
        int hidden = 0;

        // column 0: the first stage's upstream features by the weight of their visible edges
        FeatureGraph.Stage first = stages.get(0);
        int[] up = first.upstreamFeatures();
        double[] outgoing = new double[up.length];
        for (int r = 0; r < up.length; r++) {
            for (int j = 0; j < first.downstream().features(); j++) {
                if (first.visible(r, j, threshold)) {
                    outgoing[r] += first.strength(r, j);
                }
            }
        }
        List<Integer> rows = new ArrayList<>();
        for (int r = 0; r < up.length; r++) {
            rows.add(r);
        }
        rows.sort(Comparator.comparingDouble((Integer r) -> -outgoing[r]));
        List<Node> nodes0 = new ArrayList<>();
        for (int r : rows.subList(0, Math.min(limit, rows.size()))) {
            nodes0.add(new Node(0, up[r], label(labels, 0, up[r]), r, silent(first, r)));
        }
        columns.add(new Column(
                0,
                first.upstream().dictionary(),
                first.upstream().name(),
                first.upstream().hook(),
                nodes0,
                up.length - nodes0.size()));

        for (int k = 0; k < stages.size(); k++) {
            FeatureGraph.Stage s = stages.get(k);
            FeatureGraph.Stage next = k + 1 < stages.size() ? stages.get(k + 1) : null;
            List<Node> from = columns.get(k).nodes();
            Map<Integer, Float> strongestIn = new HashMap<>();
            for (Node n : from) {
                if (n.row() < 0) {
                    continue;
                }
                for (int j = 0; j < s.downstream().features(); j++) {
                    if (s.visible(n.row(), j, threshold)) {
                        strongestIn.merge(j, s.strength(n.row(), j), Math::max);
                    }
                }
            }
            // the next stage's upstream features have the outgoing edges: they are shown first, then the most reached
            List<Integer> candidates = new ArrayList<>(strongestIn.keySet());
            if (next != null) {
                for (int f : next.upstreamFeatures()) {
                    if (!strongestIn.containsKey(f)) {
                        candidates.add(f);
                    }
                }
            }
            Comparator<Integer> byIncoming = Comparator.comparingDouble((Integer j) -> -strongestIn.getOrDefault(j, 0f))
                    .thenComparing(j -> j);
            candidates.sort(Comparator.comparing((Integer j) -> next == null || next.rowOf(j) < 0)
                    .thenComparing(byIncoming));
            List<Integer> picked = new ArrayList<>(candidates.subList(0, Math.min(limit, candidates.size())));
            picked.sort(byIncoming);
            List<Node> shown = new ArrayList<>();
            for (int j : picked) {
                int row = next == null ? -1 : next.rowOf(j);
                shown.add(new Node(k + 1, j, label(labels, k + 1, j), row, row >= 0 && silent(next, row)));
            }
            columns.add(new Column(
                    k + 1,
                    s.downstream().dictionary(),
                    s.downstream().name(),
                    s.downstream().hook(),
                    shown,
                    candidates.size() - shown.size()));
            float stageMax = 0;
            List<Edge> stageEdges = new ArrayList<>();
            for (Node a : from) {
                if (a.row() < 0) {
                    continue;
                }
                for (Node b : shown) {
                    if (s.visible(a.row(), b.feature(), threshold)) {
                        stageEdges.add(new Edge(
                                k,
                                a,
                                b,
                                s.weight(a.row(), b.feature()),
                                s.effect(a.row(), b.feature()),
                                s.strength(a.row(), b.feature()),
                                0));
                        stageMax = Math.max(stageMax, s.strength(a.row(), b.feature()));
                    }
                }
            }
            for (Edge e : stageEdges) {
                edges.add(new Edge(e.stage(), e.from(), e.to(), e.weight(), e.effect(), e.strength(), stageMax));
            }
            int visibleAll = 0;
            for (int r = 0; r < s.upstreamFeatures().length; r++) {
                for (int j = 0; j < s.downstream().features(); j++) {
                    visibleAll += s.visible(r, j, threshold) ? 1 : 0;
                }
            }
            hidden += visibleAll - stageEdges.size();
        }
        return new GraphLayout(
                List.copyOf(columns), List.copyOf(edges), hidden, threshold, g.method() == FeatureGraph.Method.RESTORE);
    }

    private static boolean silent(FeatureGraph.Stage s, int row) {
        for (int j = 0; j < s.downstream().features(); j++) {
            if (s.weight(row, j) != 0 || s.effect(row, j) != 0) {
                return false;
            }
        }
        return true;
    }

    private static String label(Map<Integer, List<String>> labels, int column, int feature) {
        List<String> l = labels.get(column);
        return l != null && feature < l.size() ? l.get(feature) : "";
    }

    /** The edges on a path through {@code node}: everything it reaches downstream and everything that reaches it. */
    public Set<Edge> pathsThrough(Node node) {
        Set<Edge> out = new LinkedHashSet<>();
        walk(node, true, out);
        walk(node, false, out);
        return out;
    }

    private void walk(Node start, boolean downstream, Set<Edge> out) {
        Deque<Node> todo = new ArrayDeque<>(List.of(start));
        Set<Node> seen = new LinkedHashSet<>();
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            if (!seen.add(n)) {
                continue;
            }
            for (Edge e : edges) {
                if (downstream ? e.from().equals(n) : e.to().equals(n)) {
                    out.add(e);
                    todo.push(downstream ? e.to() : e.from());
                }
            }
        }
    }

    /** The nodes of a set of edges, with {@code node} itself. */
    public static Set<Node> nodesOf(Set<Edge> edges, Node node) {
        Set<Node> out = new LinkedHashSet<>();
        out.add(node);
        for (Edge e : edges) {
            out.add(e.from());
            out.add(e.to());
        }
        return out;
    }
}
