package org.sparsescope.app.plot;

import javafx.scene.paint.Color;

/**
 * Where a plot is painted: the window's canvas or an SVG document. {@link PlotPainter} draws through this alone,
 * so the plot on screen and its export are one drawing.
 */
interface PlotSurface {
    enum Align {
        LEFT,
        CENTER,
        RIGHT
    }

    void fillRect(Color c, double x, double y, double w, double h);

    void strokeRect(Color c, double width, double x, double y, double w, double h);

    void line(Color c, double width, double x1, double y1, double x2, double y2);

    /** A cubic Bézier from (x1, y1) to (x2, y2) with control points (cx1, cy1) and (cx2, cy2): a graph's edge. */
    void curve(
            Color c,
            double width,
            double x1,
            double y1,
            double cx1,
            double cy1,
            double cx2,
            double cy2,
            double x2,
            double y2);

    /** A filled circle; {@code title} is its hover text where the surface has one (SVG). */
    void dot(Color c, double cx, double cy, double r, String title);

    void ring(Color c, double width, double cx, double cy, double r);

    /** A filled upward triangle: a point beyond the axis, drawn at its edge. */
    void triangle(Color c, double cx, double cy, double r, String title);

    /** Text whose baseline is at y, aligned at x. */
    void text(Color c, double size, double x, double y, String s, Align align);

    /** Text turned a quarter left, centred on (x, y): a y-axis label. */
    void textUp(Color c, double size, double x, double y, String s);

    /** The width of {@code s} at {@code size}, for laying out labels. */
    double textWidth(String s, double size);

    void clip(double x, double y, double w, double h);

    void unclip();
}
