package org.sparsescope.app.plot;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javafx.scene.paint.Color;
import org.sparsescope.viewmodels.circuits.GraphLayout;

/**
 * Paints a feature graph onto any {@link PlotSurface}: a column per hook with its header, each node a box with its
 * feature and top tokens, edges as curves whose width follows the weight (scaled per stage) and whose colour says
 * the sign (blue: the upstream feature raises the downstream one; red: lowers it). A hovered node keeps its paths
 * strong and fades the rest. The window and the SVG export both call this.
 */
final class GraphPainter {
    static final Color RAISES = Color.rgb(33, 102, 172), LOWERS = Color.rgb(202, 0, 32);
    private static final double TOP = 58, BOTTOM = 40, SIDE = 14, BOX_H = 18;

    /** Everything one frame shows; {@code highlighted} is empty when nothing is hovered. */
    record Frame(
            double width,
            double height,
            GraphLayout layout,
            String title,
            Set<GraphLayout.Edge> highlighted,
            GraphLayout.Node hovered,
            Color background,
            Color foreground) {}

    /** Where each node's box sits, shared by painting and hit-testing. */
    record Geometry(Map<GraphLayout.Node, double[]> boxes, double[] columnX, double boxW) {
        GraphLayout.Node at(double x, double y) {
            for (Map.Entry<GraphLayout.Node, double[]> e : boxes.entrySet()) {
                double[] b = e.getValue();
                if (x >= b[0] && x <= b[0] + b[2] && y >= b[1] && y <= b[1] + b[3]) {
                    return e.getKey();
                }
            }
            return null;
        }
    }

    private GraphPainter() {}

    static Geometry geometry(double width, double height, GraphLayout layout) {
        List<GraphLayout.Column> cols = layout.columns();
        Map<GraphLayout.Node, double[]> boxes = new HashMap<>();
        if (cols.isEmpty()) {
            return new Geometry(boxes, new double[0], 0);
        }
        double colW = (width - 2 * SIDE) / cols.size();
        double boxW = Math.min(230, Math.max(70, colW * 0.55));
        double[] xs = new double[cols.size()];
        int most = cols.stream().mapToInt(c -> c.nodes().size()).max().orElse(1);
        double plotH = Math.max(40, height - TOP - BOTTOM);
        double step = Math.min(34, plotH / Math.max(1, most));
        double boxH = Math.min(BOX_H, step - 3);
        for (int k = 0; k < cols.size(); k++) {
            // the last column's boxes sit at its right edge, so that the gaps between columns carry the edges
            xs[k] = SIDE + k * colW + (cols.size() > 1 ? (colW - boxW) * k / (cols.size() - 1.0) : 0);
            List<GraphLayout.Node> nodes = cols.get(k).nodes();
            double y0 = TOP + (plotH - step * nodes.size()) / 2;
            for (int i = 0; i < nodes.size(); i++) {
                boxes.put(nodes.get(i), new double[] {xs[k], y0 + i * step + (step - boxH) / 2, boxW, boxH});
            }
        }
        return new Geometry(boxes, xs, boxW);
    }

    static void paint(PlotSurface s, Frame f) {
        s.fillRect(f.background(), 0, 0, f.width(), f.height());
        GraphLayout layout = f.layout();
        if (layout.columns().isEmpty()) {
            s.text(
                    f.foreground(),
                    13,
                    f.width() / 2,
                    f.height() / 2,
                    "No graph yet: tick dictionaries at two or more hooks and press Compute.",
                    PlotSurface.Align.CENTER);
            return;
        }
        Geometry g = geometry(f.width(), f.height(), layout);
        s.text(f.foreground(), 12, SIDE, 16, fit(s, f.title(), 12, f.width() - 2 * SIDE), PlotSurface.Align.LEFT);
        int last = layout.columns().size() - 1;
        for (GraphLayout.Column c : layout.columns()) {
            // the last column's words end at its boxes' right edge, so that none runs off the picture
            boolean right = c.index() == last && last > 0;
            double x = right ? g.columnX()[c.index()] + g.boxW() : g.columnX()[c.index()];
            PlotSurface.Align align = right ? PlotSurface.Align.RIGHT : PlotSurface.Align.LEFT;
            double room =
                    Math.max(g.boxW(), (f.width() - 2 * SIDE) / layout.columns().size() - 8);
            Color dim = f.foreground().deriveColor(0, 1, 1, 0.7);
            s.text(f.foreground(), 12.5, x, 36, fit(s, c.hook(), 12.5, room), align);
            s.text(dim, 11, x, 51, fit(s, c.name() + " · " + c.nodes().size() + " shown", 11, room), align);
            if (c.notShown() > 0) {
                s.text(
                        dim,
                        11,
                        x,
                        f.height() - BOTTOM + 12,
                        fit(s, "+" + c.notShown() + " more not shown", 11, room),
                        align);
            }
        }
        boolean focus = f.hovered() != null;
        Set<GraphLayout.Node> lit = focus ? GraphLayout.nodesOf(f.highlighted(), f.hovered()) : Set.of();
        for (GraphLayout.Edge e : layout.edges()) {
            double[] a = g.boxes().get(e.from()), b = g.boxes().get(e.to());
            double strength = e.stageMax() > 0 ? e.strength() / e.stageMax() : 0;
            boolean on = !focus || f.highlighted().contains(e);
            Color c = (e.effect() >= 0 ? RAISES : LOWERS).deriveColor(0, 1, 1, on ? 0.25 + 0.65 * strength : 0.05);
            double x1 = a[0] + a[2], y1 = a[1] + a[3] / 2, x2 = b[0], y2 = b[1] + b[3] / 2, mid = (x1 + x2) / 2;
            s.curve(c, 0.6 + 5.4 * strength, x1, y1, mid, y1, mid, y2, x2, y2);
        }
        for (GraphLayout.Column c : layout.columns()) {
            for (GraphLayout.Node n : c.nodes()) {
                double[] b = g.boxes().get(n);
                boolean on = !focus || lit.contains(n);
                Color fill = on ? f.foreground().interpolate(f.background(), 0.9) : f.background();
                s.fillRect(fill, b[0], b[1], b[2], b[3]);
                s.strokeRect(
                        n.equals(f.hovered()) ? RAISES : f.foreground().deriveColor(0, 1, 1, on ? 0.6 : 0.2),
                        n.equals(f.hovered()) ? 2 : 1,
                        b[0],
                        b[1],
                        b[2],
                        b[3]);
                double size = Math.min(11.5, b[3] - 5);
                String text = n.feature() + (n.label().isEmpty() ? "" : "  " + n.label());
                s.text(
                        f.foreground().deriveColor(0, 1, 1, on ? 1 : 0.35),
                        size,
                        b[0] + 4,
                        b[1] + b[3] / 2 + size * 0.36,
                        fit(s, text, size, b[2] - 8),
                        PlotSurface.Align.LEFT);
            }
        }
        legend(s, f, layout);
    }

    private static void legend(PlotSurface s, Frame f, GraphLayout layout) {
        double y = f.height() - 8, x = SIDE;
        s.line(RAISES, 3, x, y - 4, x + 22, y - 4);
        s.text(f.foreground(), 11, x + 27, y, "raises its target", PlotSurface.Align.LEFT);
        x += 27 + s.textWidth("raises its target", 11) + 14;
        s.line(LOWERS, 3, x, y - 4, x + 22, y - 4);
        s.text(f.foreground(), 11, x + 27, y, "lowers it", PlotSurface.Align.LEFT);
        x += 27 + s.textWidth("lowers it", 11) + 14;
        String rest = String.format(
                Locale.ROOT,
                "width ∝ %s, per stage · %d edges shown%s · hover a node for its paths, click to open its feature",
                layout.restoration() ? "what restoring adds (weight − all-removed level)" : "weight",
                layout.edges().size(),
                layout.hiddenEdges() > 0 ? ", " + layout.hiddenEdges() + " more to nodes not shown" : "");
        s.text(
                f.foreground().deriveColor(0, 1, 1, 0.8),
                11,
                x,
                y,
                fit(s, rest, 11, f.width() - x - SIDE),
                PlotSurface.Align.LEFT);
    }

    /** {@code text} cut with an ellipsis to fit {@code width}. */
    static String fit(PlotSurface s, String text, double size, double width) {
        if (s.textWidth(text, size) <= width) {
            return text;
        }
        String t = text;
        while (t.length() > 1 && s.textWidth(t + "…", size) > width) {
            t = t.substring(0, t.length() - 1);
        }
        return t + "…";
    }
}
