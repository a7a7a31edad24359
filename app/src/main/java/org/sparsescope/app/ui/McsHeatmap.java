package org.sparsescope.app.ui;

import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;

/**
 * An N×N matrix of values in [0, 1] as coloured cells with their values written in, row and column labels (row →
 * column), a colour bar, and the opened cell outlined; a click reports the cell. Drawn by hand: a few hundred
 * cells need no charting library, and none does a clickable heatmap.
 */
final class McsHeatmap extends org.sparsescope.app.plot.CanvasRegion {
    private List<String> names = List.of();
    private double[][] values = new double[0][0];
    private String caption = "";
    private int openRow = -1, openColumn = -1;
    private BiConsumer<Integer, Integer> onCell = (r, c) -> {};
    private Color foreground = Color.rgb(40, 40, 40);
    private static final double LEFT = 170, TOP = 28, RIGHT = 70, BOTTOM = 120;

    McsHeatmap() {
        canvas.setOnMouseClicked(e -> {
            int[] cell = cellAt(e.getX(), e.getY());
            if (cell != null) {
                onCell.accept(cell[0], cell[1]);
            }
        });
        javafx.scene.control.Tooltip tip = new javafx.scene.control.Tooltip();
        tip.setShowDelay(javafx.util.Duration.millis(100));
        javafx.scene.control.Tooltip.install(canvas, tip);
        canvas.setOnMouseMoved(e -> {
            int[] cell = cellAt(e.getX(), e.getY());
            tip.setText(
                    cell == null
                            ? caption
                            : String.format(
                                    Locale.ROOT,
                                    "%s → %s%n%s %.4f%nclick to see the features matched",
                                    names.get(cell[0]),
                                    names.get(cell[1]),
                                    caption,
                                    values[cell[0]][cell[1]]));
        });
    }

    void setOnCell(BiConsumer<Integer, Integer> c) {
        onCell = c;
    }

    void show(List<String> names, double[][] values, String caption) {
        this.names = List.copyOf(names);
        this.values = values;
        this.caption = caption;
        redraw();
    }

    void setOpen(int row, int column) {
        openRow = row;
        openColumn = column;
        redraw();
    }

    void setForeground(Color c) {
        foreground = c;
        redraw();
    }

    private double cellSize() {
        int n = Math.max(1, names.size());
        return Math.max(4, Math.min((getWidth() - LEFT - RIGHT) / n, (getHeight() - TOP - BOTTOM) / n));
    }

    private int[] cellAt(double x, double y) {
        double s = cellSize();
        int c = (int) Math.floor((x - LEFT) / s), r = (int) Math.floor((y - TOP) / s);
        return x >= LEFT && y >= TOP && r >= 0 && c >= 0 && r < names.size() && c < names.size()
                ? new int[] {r, c}
                : null;
    }

    /** Viridis-like ramp from dark blue (0) through teal to yellow (1), readable in both themes. */
    static Color color(double v) {
        double t = Math.max(0, Math.min(1, v));
        double[][] stops = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
        double at = t * (stops.length - 1);
        int i = Math.min(stops.length - 2, (int) Math.floor(at));
        double f = at - i;
        return Color.rgb(
                (int) (stops[i][0] + f * (stops[i + 1][0] - stops[i][0])),
                (int) (stops[i][1] + f * (stops[i + 1][1] - stops[i][1])),
                (int) (stops[i][2] + f * (stops[i + 1][2] - stops[i][2])));
    }

    @Override
    public void redraw() {
        GraphicsContext g = canvas.getGraphicsContext2D();
        g.clearRect(0, 0, canvas.getWidth(), canvas.getHeight());
        int n = names.size();
        if (n == 0) {
            return;
        }
        double s = cellSize();
        g.setFont(Font.font(11));
        g.setFill(foreground);
        g.setTextAlign(TextAlignment.LEFT);
        g.fillText("row → column: " + caption, 8, TOP - 10);
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < n; c++) {
                double v = values[r][c];
                g.setFill(color(v));
                g.fillRect(LEFT + c * s, TOP + r * s, s - 1, s - 1);
                if (s >= 17) { // the value written in where it fits; in small cells without its leading zero (".93")
                    g.setFont(Font.font(s >= 34 ? 11 : s >= 26 ? 9.5 : 8.5));
                    g.setFill(v > 0.6 ? Color.rgb(20, 20, 20) : Color.WHITE);
                    g.setTextAlign(TextAlignment.CENTER);
                    String text = String.format(Locale.ROOT, "%.2f", v);
                    if (s < 26 && text.startsWith("0.")) {
                        text = text.substring(1);
                    }
                    g.fillText(text, LEFT + c * s + s / 2, TOP + r * s + s / 2 + (s >= 26 ? 4 : 3));
                }
            }
        }
        if (openRow >= 0 && openRow < n && openColumn < n) {
            g.setStroke(Color.rgb(230, 80, 60));
            g.setLineWidth(3);
            g.strokeRect(LEFT + openColumn * s - 1, TOP + openRow * s - 1, s + 1, s + 1);
        }
        g.setFont(Font.font(11));
        g.setFill(foreground);
        for (int i = 0; i < n; i++) {
            g.setTextAlign(TextAlignment.RIGHT);
            g.fillText(shorten(names.get(i)), LEFT - 6, TOP + i * s + s / 2 + 4);
            g.save();
            // slanted where the columns leave room, upright (a line of text per column) where they are narrow
            g.translate(LEFT + i * s + s / 2 + 4, TOP + n * s + 6);
            g.rotate(s < 24 ? -90 : -60);
            g.setTextAlign(TextAlignment.RIGHT);
            g.fillText(shorten(names.get(i)), 0, 0);
            g.restore();
        }
        // the colour bar, 0 at the bottom
        double bx = LEFT + n * s + 16, bh = n * s;
        for (int y = 0; y < bh; y++) {
            g.setFill(color(1 - y / bh));
            g.fillRect(bx, TOP + y, 12, 1);
        }
        g.setFill(foreground);
        g.setTextAlign(TextAlignment.LEFT);
        g.fillText("1", bx + 16, TOP + 8);
        g.fillText("0.5", bx + 16, TOP + bh / 2 + 4);
        g.fillText("0", bx + 16, TOP + bh);
    }

    private static String shorten(String s) {
        return s.length() <= 24 ? s : s.substring(0, 23) + "…";
    }
}
