package org.sparsescope.app.plot;

import java.util.List;
import java.util.Set;
import javafx.scene.paint.Color;

/**
 * Paints a scatter plot — grid and ticks from {@link Axis}, axis labels, points, selection rings, names, the
 * legend, and points beyond the y cap at the plot's top edge — onto any {@link PlotSurface}. The canvas and the
 * SVG export both call this, so they cannot disagree.
 */
final class PlotPainter {
    /**
     * Everything one frame shows. Ranges are in plot coordinates (log10 on a log axis).
     *
     * @param yCap        points above this y (data units) are drawn as triangles at the top edge; NaN for none
     * @param beyondCap   the words for those points, shown with their count
     */
    record Frame(
            double width,
            double height,
            double left,
            double right,
            double top,
            double bottom,
            double x0,
            double x1,
            boolean logX,
            double y0,
            double y1,
            boolean logY,
            String xLabel,
            String yLabel,
            List<ScatterPlot.Point> points,
            List<ScatterPlot.Line> lines,
            Set<String> selected,
            List<ScatterPlot.LegendEntry> legend,
            boolean showNames,
            double yCap,
            String beyondCap,
            Color background,
            Color foreground,
            Color grid) {

        double plotW() {
            return Math.max(1, width - left - right);
        }

        double plotH() {
            return Math.max(1, height - top - bottom);
        }

        double sx(double t) {
            return left + (t - x0) / (x1 - x0) * plotW();
        }

        double sy(double t) {
            return top + (1 - (t - y0) / (y1 - y0)) * plotH();
        }

        double tx(double x) {
            return logX ? (x > 0 ? Math.log10(x) : Double.NaN) : x;
        }

        double ty(double y) {
            return logY ? (y > 0 ? Math.log10(y) : Double.NaN) : y;
        }

        boolean beyond(ScatterPlot.Point p) {
            return !Double.isNaN(yCap) && p.y() > yCap;
        }

        double radius() {
            return points.size() > 2000 ? 2.5 : 5;
        }
    }

    private PlotPainter() {}

    static void paint(PlotSurface s, Frame f) {
        s.fillRect(f.background(), 0, 0, f.width(), f.height());
        axes(s, f);
        s.clip(f.left(), f.top(), f.plotW(), f.plotH());
        double r = f.radius();
        for (ScatterPlot.Line l : f.lines()) {
            polyline(s, f, l);
        }
        int beyond = 0;
        for (ScatterPlot.Point p : f.points()) {
            double px = f.sx(f.tx(p.x()));
            if (f.beyond(p)) {
                beyond++;
                if (Double.isFinite(px)) {
                    s.triangle(p.color(), px, f.top() + r + 2, r + 1, p.label());
                }
                continue;
            }
            double py = f.sy(f.ty(p.y()));
            if (Double.isFinite(px) && Double.isFinite(py)) {
                if (p.hollow()) {
                    s.dot(f.background(), px, py, r, p.label());
                    s.ring(p.color(), 2, px, py, r - 0.5);
                } else {
                    s.dot(p.color(), px, py, r, p.label());
                }
            }
        }
        for (ScatterPlot.Point p : f.points()) {
            if (f.selected().contains(p.id())) {
                double px = f.sx(f.tx(p.x())), py = f.beyond(p) ? f.top() + r + 2 : f.sy(f.ty(p.y()));
                s.ring(f.foreground(), 2, px, py, r + 3);
            }
        }
        if (f.showNames() && f.points().size() <= 200) {
            for (ScatterPlot.Point p : f.points()) {
                double px = f.sx(f.tx(p.x())), py = f.beyond(p) ? f.top() + r + 2 : f.sy(f.ty(p.y()));
                if (Double.isFinite(px) && Double.isFinite(py) && !p.name().isEmpty()) {
                    s.text(f.foreground(), 11, px + r + 4, py + 4, p.name(), PlotSurface.Align.LEFT);
                }
            }
        }
        s.unclip();
        if (beyond > 0) {
            s.text(
                    f.foreground(),
                    11,
                    f.left() + 8,
                    f.top() + 2 * r + 16,
                    "▲ " + beyond + " " + f.beyondCap(),
                    PlotSurface.Align.LEFT);
        }
        legend(s, f);
    }

    /** A line's segments (dashed: drawn in pieces, so that every surface shows the same dashes) and vertex markers. */
    private static void polyline(PlotSurface s, Frame f, ScatterPlot.Line l) {
        double prevX = Double.NaN, prevY = Double.NaN;
        for (int i = 0; i < l.xs().length; i++) {
            double px = f.sx(f.tx(l.xs()[i])), py = f.sy(f.ty(l.ys()[i]));
            if (!Double.isFinite(px) || !Double.isFinite(py)) {
                prevX = Double.NaN;
                continue;
            }
            if (Double.isFinite(prevX)) {
                if (l.dashed()) {
                    double len = Math.hypot(px - prevX, py - prevY);
                    for (double t = 0; t < len; t += 9) {
                        double a = t / len, b = Math.min(t + 5, len) / len;
                        s.line(
                                l.color(),
                                2,
                                prevX + (px - prevX) * a,
                                prevY + (py - prevY) * a,
                                prevX + (px - prevX) * b,
                                prevY + (py - prevY) * b);
                    }
                } else {
                    s.line(l.color(), 2, prevX, prevY, px, py);
                }
            }
            if (l.xs().length == 1) {
                // a line of one vertex is a reference point (the ground truth): marked as large as a dictionary
                s.dot(l.color(), px, py, f.radius() + 2, l.labels()[i]);
                s.ring(f.foreground(), 1.5, px, py, f.radius() + 2);
            } else {
                s.dot(l.color(), px, py, 3, l.labels()[i]);
            }
            prevX = px;
            prevY = py;
        }
    }

    private static void axes(PlotSurface s, Frame f) {
        double lastLabel = Double.NEGATIVE_INFINITY;
        for (Axis.Tick t : new Axis(f.x0(), f.x1(), f.logX()).ticks()) {
            double px = f.sx(t.at());
            s.line(f.grid(), 1, px, f.top(), px, f.top() + f.plotH());
            double w = s.textWidth(t.label(), 11);
            if (t.major() && px - w / 2 - lastLabel > 8) { // crowded ticks keep their grid line, not their label
                s.text(f.foreground(), 11, px, f.top() + f.plotH() + 16, t.label(), PlotSurface.Align.CENTER);
                lastLabel = px + w / 2;
            }
        }
        double lastY = Double.POSITIVE_INFINITY;
        for (Axis.Tick t : new Axis(f.y0(), f.y1(), f.logY()).ticks()) {
            double py = f.sy(t.at());
            s.line(f.grid(), 1, f.left(), py, f.left() + f.plotW(), py);
            if (t.major() && lastY - py > 14) {
                s.text(f.foreground(), 11, f.left() - 6, py + 4, t.label(), PlotSurface.Align.RIGHT);
                lastY = py;
            }
        }
        s.strokeRect(f.foreground(), 1, f.left(), f.top(), f.plotW(), f.plotH());
        s.text(f.foreground(), 12, f.left() + f.plotW() / 2, f.height() - 8, f.xLabel(), PlotSurface.Align.CENTER);
        s.textUp(f.foreground(), 12, 14, f.top() + f.plotH() / 2, f.yLabel());
    }

    private static void legend(PlotSurface s, Frame f) {
        if (f.legend().isEmpty()) {
            return;
        }
        double w = 0;
        for (ScatterPlot.LegendEntry l : f.legend()) {
            w = Math.max(w, s.textWidth(l.text(), 11));
        }
        double boxW = w + 30, boxH = 8 + 16 * f.legend().size();
        double x = f.left() + f.plotW() - boxW - 8, y = f.top() + 8;
        s.fillRect(f.background().deriveColor(0, 1, 1, 0.85), x, y, boxW, boxH);
        s.strokeRect(f.grid(), 1, x, y, boxW, boxH);
        for (int i = 0; i < f.legend().size(); i++) {
            ScatterPlot.LegendEntry l = f.legend().get(i);
            double cy = y + 12 + 16 * i;
            switch (l.swatch()) {
                case TRIANGLE -> s.triangle(l.color(), x + 12, cy, 5, "");
                case RING -> s.ring(l.color(), 2, x + 12, cy, 4.5);
                case LINE -> {
                    s.line(l.color(), 2, x + 4, cy, x + 20, cy);
                    s.dot(l.color(), x + 12, cy, 3, "");
                }
                case DOT -> s.dot(l.color(), x + 12, cy, 5, "");
            }
            s.text(f.foreground(), 11, x + 24, cy + 4, l.text(), PlotSurface.Align.LEFT);
        }
    }
}
