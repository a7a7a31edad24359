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
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Tooltip;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.util.Duration;

/**
 * A scatter plot drawn on one Canvas (a Node per point is far too slow at 10⁴–10⁵ points), with log or linear
 * axes, drag-a-rectangle selection, click and double-click on points, hover tooltips, pan (right or middle drag,
 * or shift-drag) and wheel zoom, and export to PNG and SVG. Written by hand: no maintained JavaFX chart library
 * for Java 17 does drag-select at this size.
 */
public final class ScatterPlot extends Region {
    /** A point: its id, position in data units, colour and tooltip text. */
    public record Point(String id, double x, double y, Color color, String label) {
    }

    private static final double LEFT = 76, RIGHT = 16, TOP = 16, BOTTOM = 44;
    private final Canvas canvas = new Canvas();
    private final Tooltip tooltip = new Tooltip();
    private List<Point> points = List.of();
    private final Set<String> selected = new HashSet<>();
    private boolean logX, logY;
    private String xLabel = "", yLabel = "";
    private double x0 = 0, x1 = 1, y0 = 0, y1 = 1; // visible range, in transformed units
    private Point2D dragStart, dragNow;
    private boolean panning;
    private Consumer<List<String>> onSelect = ids -> { };
    private Consumer<String> onClick = id -> { };
    private Consumer<String> onOpen = id -> { };
    private Color background = Color.WHITE, foreground = Color.rgb(40, 40, 40), grid = Color.rgb(225, 225, 225);
    private long lastDrawNanos;

    public ScatterPlot() {
        getChildren().add(canvas);
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
        double minX = Double.POSITIVE_INFINITY, maxX = Double.NEGATIVE_INFINITY, minY = Double.POSITIVE_INFINITY, maxY = Double.NEGATIVE_INFINITY;
        for (Point p : points) {
            double tx = tx(p.x()), ty = ty(p.y());
            if (Double.isFinite(tx) && Double.isFinite(ty)) {
                minX = Math.min(minX, tx);
                maxX = Math.max(maxX, tx);
                minY = Math.min(minY, ty);
                maxY = Math.max(maxY, ty);
            }
        }
        if (minX == Double.POSITIVE_INFINITY) {
            minX = 0;
            maxX = 1;
            minY = 0;
            maxY = 1;
        }
        double mx = Math.max((maxX - minX) * 0.08, logX ? 0.1 : 1e-3), my = Math.max((maxY - minY) * 0.08, logY ? 0.1 : 1e-3);
        x0 = minX - mx;
        x1 = maxX + mx;
        y0 = minY - my;
        y1 = maxY + my;
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
                return new Point2D(sx(tx(p.x())), sy(ty(p.y())));
            }
        }
        return null;
    }

    private Point nearest(double x, double y, double within) {
        Point best = null;
        double bestD = within * within;
        for (Point p : points) {
            double dx = sx(tx(p.x())) - x, dy = sy(ty(p.y())) - y;
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
            double px = sx(tx(p.x())), py = sy(ty(p.y()));
            if (px >= xa && px <= xb && py >= ya && py <= yb) {
                inside.add(p.id());
            }
        }
        onSelect.accept(inside);
        redraw();
    }

    private void moved(MouseEvent e) {
        Point p = nearest(e.getX(), e.getY(), 8);
        tooltip.setText(p == null ? String.format(Locale.ROOT, "%s %.4g, %s %.4g", xLabel, dataX(e.getX()), yLabel, dataY(e.getY()))
                : p.label());
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
    protected void layoutChildren() {
        if (canvas.getWidth() != getWidth() || canvas.getHeight() != getHeight()) {
            canvas.setWidth(getWidth());
            canvas.setHeight(getHeight());
            redraw();
        }
    }

    public void redraw() {
        long t0 = System.nanoTime();
        GraphicsContext g = canvas.getGraphicsContext2D();
        double w = getWidth(), h = getHeight();
        g.setFill(background);
        g.fillRect(0, 0, w, h);
        drawAxes(g);
        g.save();
        g.beginPath();
        g.rect(LEFT, TOP, plotW(), plotH());
        g.clip();
        double r = points.size() > 2000 ? 2.5 : 5;
        for (Point p : points) {
            double px = sx(tx(p.x())), py = sy(ty(p.y()));
            if (!Double.isFinite(px) || !Double.isFinite(py)) {
                continue;
            }
            g.setFill(p.color());
            g.fillOval(px - r, py - r, 2 * r, 2 * r);
        }
        g.setStroke(foreground);
        g.setLineWidth(2);
        for (Point p : points) {
            if (selected.contains(p.id())) {
                double px = sx(tx(p.x())), py = sy(ty(p.y()));
                g.strokeOval(px - r - 3, py - r - 3, 2 * r + 6, 2 * r + 6);
            }
        }
        if (dragStart != null && !panning && dragNow != null) {
            double xa = Math.min(dragStart.getX(), dragNow.getX()), ya = Math.min(dragStart.getY(), dragNow.getY());
            g.setFill(Color.rgb(60, 120, 220, 0.15));
            g.fillRect(xa, ya, Math.abs(dragNow.getX() - dragStart.getX()), Math.abs(dragNow.getY() - dragStart.getY()));
            g.setStroke(Color.rgb(60, 120, 220));
            g.setLineWidth(1);
            g.strokeRect(xa, ya, Math.abs(dragNow.getX() - dragStart.getX()), Math.abs(dragNow.getY() - dragStart.getY()));
        }
        g.restore();
        lastDrawNanos = System.nanoTime() - t0;
    }

    private void drawAxes(GraphicsContext g) {
        g.setFont(Font.font(11));
        g.setLineWidth(1);
        double lastLabel = Double.NEGATIVE_INFINITY;
        for (double[] t : ticks(x0, x1, logX)) {
            double px = sx(t[0]);
            g.setStroke(grid);
            g.strokeLine(px, TOP, px, TOP + plotH());
            if (px - lastLabel > 44) { // crowded ticks keep their grid line, not their label
                g.setFill(foreground);
                g.fillText(label(t[0], logX), px - 12, TOP + plotH() + 16);
                lastLabel = px;
            }
        }
        g.setTextAlign(javafx.scene.text.TextAlignment.RIGHT);
        for (double[] t : ticks(y0, y1, logY)) {
            double py = sy(t[0]);
            g.setStroke(grid);
            g.strokeLine(LEFT, py, LEFT + plotW(), py);
            g.setFill(foreground);
            g.fillText(label(t[0], logY), LEFT - 6, py + 4);
        }
        g.setTextAlign(javafx.scene.text.TextAlignment.LEFT);
        g.setStroke(foreground);
        g.strokeRect(LEFT, TOP, plotW(), plotH());
        g.setFill(foreground);
        g.setFont(Font.font(12));
        g.fillText(xLabel + (logX ? " (log)" : ""), LEFT + plotW() / 2 - 30, getHeight() - 8);
        g.save();
        g.translate(13, TOP + plotH() / 2 + 60);
        g.rotate(-90);
        g.fillText(yLabel + (logY ? " (log)" : ""), 0, 0);
        g.restore();
    }

    private static List<double[]> ticks(double lo, double hi, boolean log) {
        List<double[]> out = new ArrayList<>();
        double span = hi - lo;
        if (!(span > 0)) {
            return out;
        }
        if (log && span < 2.5) {
            // under a few decades, 1-2-5 ticks within each decade
            for (double decade = Math.floor(lo); decade <= hi; decade++) {
                for (double m : new double[] {1, 2, 5}) {
                    double t = decade + Math.log10(m);
                    if (t >= lo && t <= hi) {
                        out.add(new double[] {t});
                    }
                }
            }
            return out;
        }
        double step = log ? Math.max(1, Math.ceil(span / 8)) : niceStep(span / 6);
        for (double t = Math.ceil(lo / step) * step; t <= hi; t += step) {
            out.add(new double[] {t});
        }
        return out;
    }

    private static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double m = raw / p;
        return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
    }

    private static String label(double t, boolean log) {
        if (log) {
            double v = Math.pow(10, t);
            if (v >= 1 && v < 1e5) {
                return String.format(Locale.ROOT, "%.0f", v);
            }
            double mant = v / Math.pow(10, Math.floor(t + 1e-9));
            return Math.abs(mant - 1) < 1e-6 ? String.format(Locale.ROOT, "1e%.0f", Math.floor(t + 1e-9))
                    : String.format(Locale.ROOT, "%.0fe%.0f", mant, Math.floor(t + 1e-9));
        }
        if (Math.abs(t) < 1e-12) {
            return "0";
        }
        return Math.abs(t) >= 1e4 || Math.abs(t) < 1e-2 ? String.format(Locale.ROOT, "%.1e", t) : String.format(Locale.ROOT, "%.3g", t);
    }

    // ---------------------------------------------------------------- export

    /** The plot as it is now, as a PNG. */
    public void exportPng(Path file) throws IOException {
        javafx.scene.image.WritableImage img = canvas.snapshot(null, null);
        javax.imageio.ImageIO.write(javafx.embed.swing.SwingFXUtils.fromFXImage(img, null), "png", file.toFile());
    }

    /** The plot as SVG: the same points, axes and labels as vector shapes. */
    public void exportSvg(Path file) throws IOException {
        StringBuilder s = new StringBuilder();
        double w = getWidth(), h = getHeight();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">%n", w, h, w, h));
        s.append(String.format(Locale.ROOT, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"%s\"/>%n", w, h, hex(background)));
        for (double[] t : ticks(x0, x1, logX)) {
            double px = sx(t[0]);
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>%n", px, TOP, px, TOP + plotH(), hex(grid)));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"%s\">%s</text>%n", px - 12, TOP + plotH() + 16, hex(foreground), label(t[0], logX)));
        }
        for (double[] t : ticks(y0, y1, logY)) {
            double py = sy(t[0]);
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>%n", LEFT, py, LEFT + plotW(), py, hex(grid)));
            s.append(String.format(Locale.ROOT, "<text x=\"6\" y=\"%.1f\" font-size=\"11\" fill=\"%s\">%s</text>%n", py + 4, hex(foreground), label(t[0], logY)));
        }
        s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"%s\"/>%n", LEFT, TOP, plotW(), plotH(), hex(foreground)));
        double r = points.size() > 2000 ? 2.5 : 5;
        for (Point p : points) {
            double px = sx(tx(p.x())), py = sy(ty(p.y()));
            if (Double.isFinite(px) && Double.isFinite(py) && px >= LEFT && px <= LEFT + plotW() && py >= TOP && py <= TOP + plotH()) {
                s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\"><title>%s</title></circle>%n", px, py, r,
                        hex(p.color()), escape(p.label())));
            }
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" fill=\"%s\">%s</text>%n", LEFT + plotW() / 2 - 30, h - 8,
                hex(foreground), escape(xLabel + (logX ? " (log)" : ""))));
        s.append(String.format(Locale.ROOT, "<text transform=\"translate(14 %.1f) rotate(-90)\" font-size=\"12\" fill=\"%s\">%s</text>%n",
                TOP + plotH() / 2 + 30, hex(foreground), escape(yLabel + (logY ? " (log)" : ""))));
        s.append("</svg>\n");
        org.sparsescope.compute.tensor.AtomicFile.writeString(file, s.toString());
    }

    private static String hex(Color c) {
        return String.format("#%02x%02x%02x", (int) Math.round(c.getRed() * 255), (int) Math.round(c.getGreen() * 255), (int) Math.round(c.getBlue() * 255));
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
