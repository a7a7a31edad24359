package org.sparsescope.app.plot;

import java.util.Locale;
import javafx.scene.paint.Color;

/** A plot painted as an SVG document, shape for shape as on the canvas. */
final class SvgSurface implements PlotSurface {
    private final StringBuilder s = new StringBuilder();
    private int clips;
    private int open;

    SvgSurface(double width, double height) {
        s.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\""
                        + " font-family=\"sans-serif\">%n",
                width,
                height,
                width,
                height));
    }

    String document() {
        StringBuilder out = new StringBuilder(s);
        out.append("</g>\n".repeat(open)).append("</svg>\n");
        return out.toString();
    }

    @Override
    public void fillRect(Color c, double x, double y, double w, double h) {
        s.append(String.format(
                Locale.ROOT,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"%s/>%n",
                x,
                y,
                w,
                h,
                hex(c),
                opacity("fill", c)));
    }

    @Override
    public void strokeRect(Color c, double width, double x, double y, double w, double h) {
        s.append(String.format(
                Locale.ROOT,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"/>%n",
                x,
                y,
                w,
                h,
                hex(c),
                width));
    }

    @Override
    public void line(Color c, double width, double x1, double y1, double x2, double y2) {
        s.append(String.format(
                Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%.1f\"/>%n",
                x1,
                y1,
                x2,
                y2,
                hex(c),
                width));
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
        s.append(String.format(
                Locale.ROOT,
                "<path d=\"M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"none\" stroke=\"%s\"%s stroke-width=\"%.2f\"/>%n",
                x1,
                y1,
                cx1,
                cy1,
                cx2,
                cy2,
                x2,
                y2,
                hex(c),
                opacity("stroke", c),
                width));
    }

    @Override
    public void dot(Color c, double cx, double cy, double r, String title) {
        s.append(String.format(
                Locale.ROOT,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\"%s>%s</circle>%n",
                cx,
                cy,
                r,
                hex(c),
                opacity("fill", c),
                title == null || title.isEmpty() ? "" : "<title>" + escape(title) + "</title>"));
    }

    @Override
    public void ring(Color c, double width, double cx, double cy, double r) {
        s.append(String.format(
                Locale.ROOT,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"/>%n",
                cx,
                cy,
                r,
                hex(c),
                width));
    }

    @Override
    public void triangle(Color c, double cx, double cy, double r, String title) {
        s.append(String.format(
                Locale.ROOT,
                "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"%s\">%s</polygon>%n",
                cx - r,
                cy + r,
                cx + r,
                cy + r,
                cx,
                cy - r,
                hex(c),
                title == null || title.isEmpty() ? "" : "<title>" + escape(title) + "</title>"));
    }

    @Override
    public void text(Color c, double size, double x, double y, String text, Align align) {
        String anchor = switch (align) {
            case LEFT -> "start";
            case CENTER -> "middle";
            case RIGHT -> "end";
        };
        s.append(String.format(
                Locale.ROOT,
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.0f\" text-anchor=\"%s\" fill=\"%s\">%s</text>%n",
                x,
                y,
                size,
                anchor,
                hex(c),
                escape(text)));
    }

    @Override
    public void textUp(Color c, double size, double x, double y, String text) {
        s.append(String.format(
                Locale.ROOT,
                "<text transform=\"translate(%.1f %.1f) rotate(-90)\" font-size=\"%.0f\" text-anchor=\"middle\" fill=\"%s\">%s</text>%n",
                x,
                y,
                size,
                hex(c),
                escape(text)));
    }

    @Override
    public double textWidth(String text, double size) {
        return text.length() * size * 0.55; // the canvas measures; an SVG viewer lays out its own text
    }

    @Override
    public void clip(double x, double y, double w, double h) {
        int id = ++clips;
        s.append(String.format(
                Locale.ROOT,
                "<clipPath id=\"c%d\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/></clipPath><g clip-path=\"url(#c%d)\">%n",
                id,
                x,
                y,
                w,
                h,
                id));
        open++;
    }

    @Override
    public void unclip() {
        if (open > 0) {
            s.append("</g>\n");
            open--;
        }
    }

    private static String hex(Color c) {
        return String.format(
                "#%02x%02x%02x",
                (int) Math.round(c.getRed() * 255), (int) Math.round(c.getGreen() * 255), (int)
                        Math.round(c.getBlue() * 255));
    }

    private static String opacity(String what, Color c) {
        return c.getOpacity() < 1 ? String.format(Locale.ROOT, " %s-opacity=\"%.2f\"", what, c.getOpacity()) : "";
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
