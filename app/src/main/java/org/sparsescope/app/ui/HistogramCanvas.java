package org.sparsescope.app.ui;

import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;
import org.sparsescope.app.plot.Axis;
import org.sparsescope.viewmodels.Bins;

/**
 * A histogram as bars over [lo, hi] with both axes: the quantity below (linear ticks), count on a log scale at the
 * left, so that heavy tails stay visible and can be read. One painter for a feature's activations and a dictionary's
 * capacities.
 */
final class HistogramCanvas extends Canvas {
    private final String quantity;

    HistogramCanvas(double width, double height, String quantity) {
        super(width, height);
        this.quantity = quantity;
        draw(null);
    }

    void draw(Bins h) {
        GraphicsContext g = getGraphicsContext2D();
        double w = getWidth(), hh = getHeight();
        double left = 42, bottom = 34, top = 6, right = 8;
        double pw = w - left - right, ph = hh - top - bottom;
        g.clearRect(0, 0, w, hh);
        g.setStroke(Color.GRAY);
        g.strokeRect(left, top, pw, ph);
        if (h == null || !(h.hi() > h.lo())) {
            return;
        }
        long max = 1;
        for (long c : h.counts()) {
            max = Math.max(max, c);
        }
        double yHi = Math.log10(max) + 0.05;
        g.setFont(Font.font(10));
        g.setFill(Color.GRAY);
        g.setTextAlign(TextAlignment.RIGHT);
        double lastY = Double.POSITIVE_INFINITY;
        for (Axis.Tick t : new Axis(0, yHi, true).ticks()) {
            double py = top + ph * (1 - t.at() / yHi);
            if (t.major() && lastY - py > 12) {
                g.fillText(t.label(), left - 4, py + 3);
                g.strokeLine(left - 3, py, left, py);
                lastY = py;
            }
        }
        g.setTextAlign(TextAlignment.CENTER);
        double lastX = Double.NEGATIVE_INFINITY;
        double span = h.hi() - h.lo();
        for (Axis.Tick t : new Axis(h.lo(), h.hi(), false).ticks()) {
            double px = left + pw * (t.at() - h.lo()) / span;
            if (px - lastX > 34) {
                g.fillText(t.label(), px, top + ph + 12);
                g.strokeLine(px, top + ph, px, top + ph + 3);
                lastX = px;
            }
        }
        g.fillText(quantity, left + pw / 2, hh - 4);
        g.save();
        g.translate(10, top + ph / 2);
        g.rotate(-90);
        g.fillText("count (log)", 0, 0);
        g.restore();
        g.setTextAlign(TextAlignment.LEFT);
        double bw = pw / h.bins();
        g.setFill(Color.rgb(255, 120, 40, 0.85));
        for (int i = 0; i < h.bins(); i++) {
            double f = h.counts()[i] == 0 ? 0 : Math.log10(h.counts()[i] + 1) / yHi;
            g.fillRect(left + i * bw + 1, top + ph * (1 - f), Math.max(1, bw - 2), ph * f);
        }
    }
}
