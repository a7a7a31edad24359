package org.sparsescope.app.plot;

import javafx.scene.canvas.GraphicsContext;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.Text;
import javafx.scene.text.TextAlignment;

/** A plot painted onto a JavaFX canvas. */
final class FxSurface implements PlotSurface {
    private final GraphicsContext g;

    FxSurface(GraphicsContext g) {
        this.g = g;
    }

    @Override
    public void fillRect(Color c, double x, double y, double w, double h) {
        g.setFill(c);
        g.fillRect(x, y, w, h);
    }

    @Override
    public void strokeRect(Color c, double width, double x, double y, double w, double h) {
        g.setStroke(c);
        g.setLineWidth(width);
        g.strokeRect(x, y, w, h);
    }

    @Override
    public void line(Color c, double width, double x1, double y1, double x2, double y2) {
        g.setStroke(c);
        g.setLineWidth(width);
        g.strokeLine(x1, y1, x2, y2);
    }

    @Override
    public void curve(
            Color c,
            double width,
            double x1,
            double y1,
            double cx1,
            double cy1,
            double cx2,
            double cy2,
            double x2,
            double y2) {
        g.setStroke(c);
        g.setLineWidth(width);
        g.beginPath();
        g.moveTo(x1, y1);
        g.bezierCurveTo(cx1, cy1, cx2, cy2, x2, y2);
        g.stroke();
    }

    @Override
    public void dot(Color c, double cx, double cy, double r, String title) {
        g.setFill(c);
        g.fillOval(cx - r, cy - r, 2 * r, 2 * r);
    }

    @Override
    public void ring(Color c, double width, double cx, double cy, double r) {
        g.setStroke(c);
        g.setLineWidth(width);
        g.strokeOval(cx - r, cy - r, 2 * r, 2 * r);
    }

    @Override
    public void triangle(Color c, double cx, double cy, double r, String title) {
        g.setFill(c);
        g.fillPolygon(new double[] {cx - r, cx + r, cx}, new double[] {cy + r, cy + r, cy - r}, 3);
    }

    @Override
    public void text(Color c, double size, double x, double y, String s, Align align) {
        g.setFill(c);
        g.setFont(Font.font(size));
        g.setTextAlign(
                switch (align) {
                    case LEFT -> TextAlignment.LEFT;
                    case CENTER -> TextAlignment.CENTER;
                    case RIGHT -> TextAlignment.RIGHT;
                });
        g.fillText(s, x, y);
        g.setTextAlign(TextAlignment.LEFT);
    }

    @Override
    public void textUp(Color c, double size, double x, double y, String s) {
        g.save();
        g.translate(x, y);
        g.rotate(-90);
        text(c, size, 0, 0, s, Align.CENTER);
        g.restore();
    }

    @Override
    public double textWidth(String s, double size) {
        Text t = new Text(s);
        t.setFont(Font.font(size));
        return t.getLayoutBounds().getWidth();
    }

    @Override
    public void clip(double x, double y, double w, double h) {
        g.save();
        g.beginPath();
        g.rect(x, y, w, h);
        g.clip();
    }

    @Override
    public void unclip() {
        g.restore();
    }
}
