package org.sparsescope.app.plot;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import javafx.geometry.Point2D;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Tooltip;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import javafx.scene.paint.Color;
import javafx.util.Duration;

/**
 * A scatter plot drawn on one Canvas (a Node per point is far too slow at 10⁴–10⁵ points), with log or linear
 * axes, drag-a-rectangle selection, click and double-click on points, hover tooltips, pan (right or middle drag,
 * or shift-drag) and wheel zoom, and export to PNG and SVG. Written by hand: no maintained JavaFX chart library
 * for Java 17 does drag-select at this size.
 */
public final class ScatterPlot extends CanvasRegion {
    /**
     * A point: its id, position in data units, colour, tooltip text, the short name shown beside it when names are
     * on, and whether it is drawn hollow (a ring: a second kind of the same colour, such as a tied dictionary).
     */
    public record Point(String id, double x, double y, Color color, String label, String name, boolean hollow) {
        public Point(String id, double x, double y, Color color, String label, String name) {
            this(id, x, y, color, label, name, false);
        }

        public Point(String id, double x, double y, Color color, String label) {
            this(id, x, y, color, label, "", false);
        }
    }

    /** What a legend row shows beside its text. */
    public enum Swatch {
        DOT,
        RING,
        TRIANGLE,
        LINE
    }

    /** A legend row for the colours the caller chose. */
    public record LegendEntry(Color color, String text, Swatch swatch) {}

    /**
     * A line through points in data units (a baseline, not selectable), dashed or solid, with a small marker at
     * each vertex whose tooltip is the vertex's label; a line of one vertex is a reference point, marked large.
     */
    public record Line(Color color, double[] xs, double[] ys, String[] labels, boolean dashed) {}

    private static final double LEFT = 76, RIGHT = 16, TOP = 16, BOTTOM = 44;
    private final Tooltip tooltip = new Tooltip();
    private List<Point> points = List.of();
    private final Set<String> selected = new HashSet<>();
    private boolean logX, logY;
    private String xLabel = "", yLabel = "";
    private double x0 = 0, x1 = 1, y0 = 0, y1 = 1; // visible range, in transformed units
    private Point2D dragStart, dragNow;
    private boolean panning;
    private Consumer<List<String>> onSelect = ids -> {};
    private Consumer<String> onClick = id -> {};
    private Consumer<String> onOpen = id -> {};
    private Color background = Color.WHITE, foreground = Color.rgb(40, 40, 40), grid = Color.rgb(225, 225, 225);
    private long lastDrawNanos;
    private List<LegendEntry> legend = List.of();
    private List<Line> lines = List.of();
    private boolean showNames;
    private double yCap = Double.NaN;
    private boolean yFromZero;
    private String beyondCap = "";

    public ScatterPlot() {
        getStyleClass().add("scatter-plot");
        tooltip.setShowDelay(Duration.millis(100));
        Tooltip.install(canvas, tooltip);
        canvas.setOnMousePressed(this::pressed);
        canvas.setOnMouseDragged(this::dragged);
        canvas.setOnMouseReleased(this::released);
        canvas.setOnMouseMoved(this::moved);
        canvas.setOnScroll(e -> {
            double f = e.getDeltaY() > 0 ? 0.85 : 1 / 0.85;
            zoom(e.getX(), e.getY(), f);
        });
        setMinSize(200, 150);
        setPrefSize(640, 420);
    }

    // ---------------------------------------------------------------- configuration

    /** The legend, drawn in the plot's top-right corner (empty: none). */
    public void setLegend(List<LegendEntry> entries) {
        legend = List.copyOf(entries);
        redraw();
    }

    /** Whether each point's name is written beside it. */
    public void setShowNames(boolean show) {
        showNames = show;
        redraw();
    }

    /**
     * Points above {@code cap} (data units) keep the axis off them: they are drawn as triangles at the top edge,
     * counted with {@code words}. NaN: no cap.
     */
    public void setYCap(double cap, String words) {
        yCap = cap;
        beyondCap = words;
    }

    /** Whether a fit keeps 0 in a linear y range (FVU is read against 0; one dictionary alone gets no 0.002-wide axis). */
    public void setYFromZero(boolean fromZero) {
        yFromZero = fromZero;
    }

    /** Axis labels as shown, scale included (e.g. "L0, active features per token (log scale)"). */
    public void setAxes(String xLabel, boolean logX, String yLabel, boolean logY) {
        this.xLabel = xLabel;
        this.logX = logX;
        this.yLabel = yLabel;
        this.logY = logY;
    }

    public void setPoints(Collection<Point> pts, boolean fit) {
        boolean wasEmpty = points.isEmpty();
        points = List.copyOf(pts);
        if (fit || wasEmpty) {
            fit();
        }
        redraw();
    }

    public List<Point> points() {
        return points;
    }

    /** The lines drawn under the points (they count when fitting the view). */
    public void setLines(Collection<Line> ls) {
        lines = List.copyOf(ls);
        redraw();
    }

    public void setSelected(Collection<String> ids) {
        selected.clear();
        selected.addAll(ids);
        redraw();
    }

    public void setOnSelect(Consumer<List<String>> c) {
        onSelect = c;
    }

    public void setOnClick(Consumer<String> c) {
        onClick = c;
    }

    public void setOnOpen(Consumer<String> c) {
        onOpen = c;
    }

    public void setColors(Color background, Color foreground, Color grid) {
        this.background = background;
        this.foreground = foreground;
        this.grid = grid;
        redraw();
    }

    /** Frames every point with a margin. */
    public void fit() {
        double minX = Double.POSITIVE_INFINITY,
                maxX = Double.NEGATIVE_INFINITY,
                minY = Double.POSITIVE_INFINITY,
                maxY = Double.NEGATIVE_INFINITY;
        for (Point p : points) {
            if (!Double.isNaN(yCap) && p.y() > yCap) {
                continue; // drawn at the top edge; the axis keeps to the rest
            }
            double tx = tx(p.x()), ty = ty(p.y());
            if (Double.isFinite(tx) && Double.isFinite(ty)) {
                minX = Math.min(minX, tx);
                maxX = Math.max(maxX, tx);
                minY = Math.min(minY, ty);
                maxY = Math.max(maxY, ty);
            }
        }
        for (Line l : lines) {
            for (int i = 0; i < l.xs().length; i++) {
                double tx = tx(l.xs()[i]), ty = ty(l.ys()[i]);
                if (Double.isFinite(tx) && Double.isFinite(ty) && (Double.isNaN(yCap) || l.ys()[i] <= yCap)) {
                    minX = Math.min(minX, tx);
                    maxX = Math.max(maxX, tx);
                    minY = Math.min(minY, ty);
                    maxY = Math.max(maxY, ty);
                }
            }
        }
        if (minX == Double.POSITIVE_INFINITY) {
            minX = 0;
            maxX = 1;
            minY = 0;
            maxY = 1;
        }
        if (yFromZero && !logY && minY != Double.POSITIVE_INFINITY) {
            minY = Math.min(minY, 0);
        }
        double mx = Math.max((maxX - minX) * 0.04, logX ? 0.05 : 1e-3),
                my = Math.max((maxY - minY) * 0.04, logY ? 0.05 : 1e-3);
        // out to the next round values, so that both ends of the data have a labelled tick beyond them
        x0 = roundDown(minX - mx, logX, maxX - minX);
        x1 = roundUp(maxX + mx, logX, maxX - minX);
        y0 = roundDown(minY - my, logY, maxY - minY);
        y1 = roundUp(maxY + my, logY, maxY - minY);
        if (yFromZero && !logY && minY >= 0) {
            y0 = 0;
        }
    }

    /** The 1-2-5 value at or below {@code t} (log10 units on a log axis; a step of about a sixth of the span on a linear one). */
    private static double roundDown(double t, boolean log, double span) {
        if (log) {
            double decade = Math.floor(t);
            double m = Math.pow(10, t - decade);
            return decade + Math.log10(m >= 5 ? 5 : m >= 2 ? 2 : 1);
        }
        double step = Axis.niceStep(Math.max(span, 1e-9) / 6);
        return Math.floor(t / step) * step;
    }

    private static double roundUp(double t, boolean log, double span) {
        if (log) {
            double decade = Math.floor(t);
            double m = Math.pow(10, t - decade);
            return m <= 1 + 1e-9 ? t : decade + Math.log10(m <= 2 ? 2 : m <= 5 ? 5 : 10);
        }
        double step = Axis.niceStep(Math.max(span, 1e-9) / 6);
        return Math.ceil(t / step) * step;
    }

    /** Moves the view by a fraction of its width and height (as a pan gesture does). */
    public void pan(double fx, double fy) {
        double dx = (x1 - x0) * fx, dy = (y1 - y0) * fy;
        x0 += dx;
        x1 += dx;
        y0 += dy;
        y1 += dy;
        redraw();
    }

    /** Nanoseconds the last redraw took, for frame-time measurements. */
    public long lastDrawNanos() {
        return lastDrawNanos;
    }

    // ---------------------------------------------------------------- coordinates

    private double tx(double x) {
        return logX ? (x > 0 ? Math.log10(x) : Double.NaN) : x;
    }

    private double ty(double y) {
        return logY ? (y > 0 ? Math.log10(y) : Double.NaN) : y;
    }

    private double plotW() {
        return Math.max(1, getWidth() - LEFT - RIGHT);
    }

    private double plotH() {
        return Math.max(1, getHeight() - TOP - BOTTOM);
    }

    private double sx(double t) {
        return LEFT + (t - x0) / (x1 - x0) * plotW();
    }

    private double sy(double t) {
        return TOP + (1 - (t - y0) / (y1 - y0)) * plotH();
    }

    private double dataX(double screenX) {
        double t = x0 + (screenX - LEFT) / plotW() * (x1 - x0);
        return logX ? Math.pow(10, t) : t;
    }

    private double dataY(double screenY) {
        double t = y0 + (1 - (screenY - TOP) / plotH()) * (y1 - y0);
        return logY ? Math.pow(10, t) : t;
    }

    /** Where point {@code id} is drawn, in this node's coordinates (for tests and tooltips). */
    public Point2D screenPosition(String id) {
        for (Point p : points) {
            if (p.id().equals(id)) {
                return new Point2D(sx(tx(p.x())), screenY(p));
            }
        }
        return null;
    }

    /** Where a point is drawn vertically: at the top edge when it is beyond the cap, as the painter draws it. */
    private double screenY(Point p) {
        return !Double.isNaN(yCap) && p.y() > yCap ? TOP + (points.size() > 2000 ? 2.5 : 5) + 2 : sy(ty(p.y()));
    }

    private Point nearest(double x, double y, double within) {
        Point best = null;
        double bestD = within * within;
        for (Point p : points) {
            double dx = sx(tx(p.x())) - x, dy = screenY(p) - y;
            double d = dx * dx + dy * dy;
            if (d <= bestD) {
                bestD = d;
                best = p;
            }
        }
        return best;
    }

    // ---------------------------------------------------------------- interaction

    private void pressed(MouseEvent e) {
        panning = e.getButton() != MouseButton.PRIMARY || e.isShiftDown();
        dragStart = new Point2D(e.getX(), e.getY());
        dragNow = dragStart;
    }

    private void dragged(MouseEvent e) {
        if (dragStart == null) {
            return;
        }
        if (panning) {
            double fx = -(e.getX() - dragNow.getX()) / plotW(), fy = (e.getY() - dragNow.getY()) / plotH();
            dragNow = new Point2D(e.getX(), e.getY());
            pan(fx, fy);
            return;
        }
        dragNow = new Point2D(e.getX(), e.getY());
        redraw();
    }

    private void released(MouseEvent e) {
        if (dragStart == null) {
            return;
        }
        Point2D start = dragStart;
        dragStart = null;
        if (panning) {
            return;
        }
        if (start.distance(e.getX(), e.getY()) < 4) {
            Point p = nearest(e.getX(), e.getY(), 8);
            if (p != null) {
                if (e.getClickCount() >= 2) {
                    onOpen.accept(p.id());
                } else {
                    onClick.accept(p.id());
                }
            }
            redraw();
            return;
        }
        double xa = Math.min(start.getX(), e.getX()), xb = Math.max(start.getX(), e.getX());
        double ya = Math.min(start.getY(), e.getY()), yb = Math.max(start.getY(), e.getY());
        List<String> inside = new ArrayList<>();
        for (Point p : points) {
            double px = sx(tx(p.x())), py = screenY(p);
            if (px >= xa && px <= xb && py >= ya && py <= yb) {
                inside.add(p.id());
            }
        }
        onSelect.accept(inside);
        redraw();
    }

    private void moved(MouseEvent e) {
        Point p = nearest(e.getX(), e.getY(), 8);
        String vertex = p == null ? lineVertexLabel(e.getX(), e.getY(), 8) : null;
        tooltip.setText(
                p != null
                        ? p.label()
                        : vertex != null
                                ? vertex
                                : String.format(
                                        Locale.ROOT,
                                        "%s %.4g, %s %.4g",
                                        xLabel,
                                        dataX(e.getX()),
                                        yLabel,
                                        dataY(e.getY())));
    }

    /** The label of the line vertex nearest (x, y) within {@code within} pixels, else null. */
    private String lineVertexLabel(double x, double y, double within) {
        String best = null;
        double bestD = within;
        for (Line l : lines) {
            for (int i = 0; i < l.xs().length; i++) {
                double d = Math.hypot(sx(tx(l.xs()[i])) - x, sy(ty(l.ys()[i])) - y);
                if (d <= bestD) {
                    bestD = d;
                    best = l.labels()[i];
                }
            }
        }
        return best;
    }

    private void zoom(double sxp, double syp, double f) {
        double cx = x0 + (sxp - LEFT) / plotW() * (x1 - x0), cy = y0 + (1 - (syp - TOP) / plotH()) * (y1 - y0);
        x0 = cx + (x0 - cx) * f;
        x1 = cx + (x1 - cx) * f;
        y0 = cy + (y0 - cy) * f;
        y1 = cy + (y1 - cy) * f;
        redraw();
    }

    // ---------------------------------------------------------------- drawing

    @Override
    public void redraw() {
        long t0 = System.nanoTime();
        GraphicsContext g = canvas.getGraphicsContext2D();
        PlotPainter.paint(new FxSurface(g), frame());
        if (dragStart != null && !panning && dragNow != null) {
            double xa = Math.min(dragStart.getX(), dragNow.getX()), ya = Math.min(dragStart.getY(), dragNow.getY());
            g.setFill(Color.rgb(60, 120, 220, 0.15));
            g.fillRect(
                    xa, ya, Math.abs(dragNow.getX() - dragStart.getX()), Math.abs(dragNow.getY() - dragStart.getY()));
            g.setStroke(Color.rgb(60, 120, 220));
            g.setLineWidth(1);
            g.strokeRect(
                    xa, ya, Math.abs(dragNow.getX() - dragStart.getX()), Math.abs(dragNow.getY() - dragStart.getY()));
        }
        lastDrawNanos = System.nanoTime() - t0;
    }

    private PlotPainter.Frame frame() {
        return new PlotPainter.Frame(
                getWidth(),
                getHeight(),
                LEFT,
                RIGHT,
                TOP,
                BOTTOM,
                x0,
                x1,
                logX,
                y0,
                y1,
                logY,
                xLabel,
                yLabel,
                points,
                lines,
                selected,
                legend,
                showNames,
                yCap,
                beyondCap,
                background,
                foreground,
                grid);
    }

    // ---------------------------------------------------------------- export

    /** The plot as it is now, as a PNG. */
    /** The plot as SVG: painted by the same painter as the window, shape for shape. */
    public void exportSvg(Path file) throws IOException {
        SvgSurface svg = new SvgSurface(getWidth(), getHeight());
        PlotPainter.paint(svg, frame());
        org.sparsescope.viewmodels.SavedFiles.writeString(file, svg.document());
    }
}
