package org.sparsescope.compute.export;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.sparsescope.compute.stats.ExampleContext;
import org.sparsescope.compute.stats.FeatureNeighbours;
import org.sparsescope.compute.stats.Histogram;
import org.sparsescope.compute.stats.LogitEffects;
import org.sparsescope.compute.tensor.AtomicFile;

/**
 * Feature dashboards as one self-contained HTML file (styles and histograms inline, no script, no network): what
 * the window's feature detail shows, for publishing or mailing. Written by hand: a page of fixed structure needs no
 * template engine.
 */
public final class DashboardHtml {
    private DashboardHtml() {}

    public static void write(Path file, String title, String subtitle, List<FeatureDashboard> dashboards)
            throws IOException {
        write(file, title, subtitle, dashboards, null);
    }

    /** With the dictionary's stored autointerp results (null: none): each explained feature's explanation, scored. */
    public static void write(
            Path file,
            String title,
            String subtitle,
            List<FeatureDashboard> dashboards,
            org.sparsescope.compute.autointerp.AutointerpRun.Stored explained)
            throws IOException {
        AtomicFile.writeString(file, html(title, subtitle, dashboards, explained));
    }

    public static String html(String title, String subtitle, List<FeatureDashboard> dashboards) {
        return html(title, subtitle, dashboards, null);
    }

    public static String html(
            String title,
            String subtitle,
            List<FeatureDashboard> dashboards,
            org.sparsescope.compute.autointerp.AutointerpRun.Stored explained) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(esc(title))
                .append("</title>\n<style>\n")
                .append(
                        "body{font-family:sans-serif;margin:24px;color:#222;max-width:1100px}h1{font-size:20px}h2{font-size:17px;margin-top:36px;")
                .append(
                        "border-top:1px solid #ccc;padding-top:12px}h3{font-size:14px;margin:14px 0 4px}.sub{color:#666;font-size:13px}")
                .append(
                        ".ex{font-family:'DejaVu Sans Mono',monospace;font-size:12px;margin:2px 0;white-space:normal}.ex .v{display:inline-block;")
                .append("width:56px;color:#555}.t{white-space:pre;border-radius:2px}.t.focus{outline:1px solid #c60}")
                .append(
                        "table{border-collapse:collapse;font-size:12px}td{padding:1px 8px 1px 0}.cols{display:flex;gap:32px;flex-wrap:wrap}")
                .append("</style></head><body>\n");
        h.append("<h1>")
                .append(esc(title))
                .append("</h1>\n<p class=\"sub\">")
                .append(esc(subtitle))
                .append("</p>\n");
        for (FeatureDashboard d : dashboards) {
            feature(h, d, explained);
        }
        return h.append("</body></html>\n").toString();
    }

    private static void feature(
            StringBuilder h, FeatureDashboard d, org.sparsescope.compute.autointerp.AutointerpRun.Stored explained) {
        var s = d.stats();
        h.append("<h2 id=\"f")
                .append(d.feature())
                .append("\">Feature ")
                .append(d.feature())
                .append("</h2>\n<p class=\"sub\">")
                .append(String.format(
                        Locale.ROOT,
                        "density %.3g%% · max %.4f · mean %.4g · std %.4g · skew %.3g · kurtosis %.3g · capacity %.3f",
                        100 * s.density(),
                        s.max(),
                        s.mean(),
                        s.std(),
                        s.skew(),
                        s.kurtosis(),
                        d.capacity()))
                .append(d.topTokens().isEmpty() ? "" : " · top tokens: " + esc(d.topTokens()))
                .append("</p>\n");
        String explanation = Explanations.text(explained, d.feature());
        if (!explanation.isEmpty()) {
            String det = Explanations.score(explained, d.feature(), true),
                    fuzz = Explanations.score(explained, d.feature(), false);
            h.append("<p class=\"expl\"><i>“")
                    .append(esc(explanation))
                    .append("”</i> <span class=\"sub\">— explained by ")
                    .append(esc(Explanations.explainer(explained, d.feature())))
                    .append(" (")
                    .append(esc(Explanations.method(explained)))
                    .append("); balanced accuracy: detection ")
                    .append(det.isEmpty() ? "–" : det)
                    .append(", fuzzing ")
                    .append(fuzz.isEmpty() ? "–" : fuzz)
                    .append("</span></p>\n");
        }
        h.append("<div class=\"cols\"><div><h3>Activations (count, log scale)</h3>")
                .append(histogram(d.activations(), "activation"))
                .append("</div>");
        h.append("<div><h3>Direct logit effects (every token)</h3>")
                .append(histogram(d.logits().all(), "logit effect"))
                .append("</div></div>\n");
        h.append("<div class=\"cols\"><div><h3>Raises</h3>")
                .append(logits(d.logits().raised()))
                .append("</div><div><h3>Lowers</h3>")
                .append(logits(d.logits().lowered()))
                .append("</div>");
        h.append("<div><h3>Nearest decoder directions</h3>")
                .append(neighbours(d.nearest(), "cos"))
                .append("</div>");
        if (!d.correlated().isEmpty()) {
            h.append("<div><h3>Most correlated (Pearson)</h3>")
                    .append(neighbours(d.correlated(), "r"))
                    .append("</div>");
        }
        h.append("</div>\n<h3>Top activations</h3>\n");
        float scale = 0;
        for (ExampleContext c : d.top()) {
            for (float a : c.activations()) {
                scale = Math.max(scale, a);
            }
        }
        for (ExampleContext c : d.top()) {
            example(h, c, scale);
        }
        for (FeatureDashboard.Band b : d.bands()) {
            h.append(String.format(Locale.ROOT, "<h3>Band %d: %.3f – %.3f</h3>%n", b.index() + 1, b.lo(), b.hi()));
            for (ExampleContext c : b.examples()) {
                example(h, c, scale);
            }
        }
    }

    private static void example(StringBuilder h, ExampleContext c, float scale) {
        h.append("<div class=\"ex\"><span class=\"v\">")
                .append(String.format(Locale.ROOT, "%.3f", c.activations()[c.position()]))
                .append("</span>");
        for (int i = 0; i < c.tokens().length; i++) {
            double f = scale > 0 ? Math.max(0, Math.min(1, c.activations()[i] / scale)) : 0;
            h.append("<span class=\"t")
                    .append(i == c.position() ? " focus" : "")
                    .append("\" title=\"")
                    .append(esc(String.format(Locale.ROOT, "%s  %.4f", c.tokens()[i], c.activations()[i])))
                    .append("\" style=\"background:rgba(255,120,40,")
                    .append(String.format(Locale.ROOT, "%.2f", 0.85 * f))
                    .append(")\">")
                    .append(esc(c.tokens()[i].replace("\n", "↵")))
                    .append("</span>");
        }
        h.append("</div>\n");
    }

    private static String logits(List<LogitEffects.TokenEffect> effects) {
        StringBuilder t = new StringBuilder("<table>");
        for (LogitEffects.TokenEffect e : effects) {
            t.append(String.format(
                    Locale.ROOT,
                    "<tr><td>%+.3f</td><td class=\"t\">%s</td></tr>",
                    e.logit(),
                    esc(e.text().replace("\n", "↵"))));
        }
        return t.append("</table>").toString();
    }

    private static String neighbours(List<FeatureNeighbours.Neighbour> ns, String what) {
        StringBuilder t = new StringBuilder("<table>");
        for (FeatureNeighbours.Neighbour n : ns) {
            t.append(String.format(
                    Locale.ROOT,
                    "<tr><td><a href=\"#f%d\">%d</a></td><td>%s %.3f</td></tr>",
                    n.feature(),
                    n.feature(),
                    what,
                    n.value()));
        }
        return t.append("</table>").toString();
    }

    /** An inline SVG histogram with both axes: counts on a log scale, the quantity's range below. */
    static String histogram(Histogram hist, String quantity) {
        int w = 320, hh = 130, left = 36, bottom = 28, top = 6;
        double pw = w - left - 8, ph = hh - top - bottom;
        StringBuilder s = new StringBuilder(String.format(
                Locale.ROOT, "<svg width=\"%d\" height=\"%d\" font-size=\"10\" font-family=\"sans-serif\">", w, hh));
        s.append(String.format(
                Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#999\"/>",
                left,
                top,
                pw,
                ph));
        long max = 1;
        for (long c : hist.counts()) {
            max = Math.max(max, c);
        }
        double yHi = Math.log10(max + 1);
        double bw = pw / hist.bins();
        for (int i = 0; i < hist.bins(); i++) {
            double f = hist.counts()[i] == 0 ? 0 : Math.log10(hist.counts()[i] + 1) / yHi;
            s.append(String.format(
                    Locale.ROOT,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#ff7828\"><title>%.4g – %.4g: %d</title></rect>",
                    left + i * bw + 0.5,
                    top + ph * (1 - f),
                    Math.max(0.5, bw - 1),
                    ph * f,
                    hist.lo() + i * hist.binWidth(),
                    hist.lo() + (i + 1) * hist.binWidth(),
                    hist.counts()[i]));
        }
        for (int p = 0; Math.pow(10, p) <= max; p++) {
            double y = top + ph * (1 - Math.log10(Math.pow(10, p) + 1) / yHi);
            s.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
                    left - 3,
                    y + 3,
                    p == 0 ? "1" : "1e" + p));
        }
        s.append(String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"%.0f\">%.3g</text><text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%.3g</text>",
                left,
                top + ph + 12,
                hist.lo(),
                left + pw,
                top + ph + 12,
                hist.hi()));
        s.append(String.format(
                Locale.ROOT,
                "<text x=\"%.0f\" y=\"%d\" text-anchor=\"middle\">%s</text>",
                left + pw / 2,
                hh - 3,
                esc(quantity)));
        return s.append("</svg>").toString();
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
