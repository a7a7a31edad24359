package org.sparsescope.app.ui;

import java.util.List;
import javafx.geometry.Rectangle2D;

/**
 * Where the first window goes: its remembered size, shrunk to fit the screen's visual bounds (no menu, status bar
 * or axis off-screen on a 1366×768 laptop), at its remembered place only while that place is on a screen, else
 * centred on the primary one. A pure function of the screens, so it is tested without a display.
 */
final class WindowPlacement {
    private WindowPlacement() {}

    /**
     * @param x, y     the remembered top-left corner, NaN when there is none
     * @param screens  visual bounds of every screen, the primary first
     */
    static Rectangle2D place(double width, double height, double x, double y, List<Rectangle2D> screens) {
        Rectangle2D primary = screens.get(0);
        if (!Double.isNaN(x) && !Double.isNaN(y)) {
            for (Rectangle2D s : screens) {
                if (s.contains(x, y)) {
                    double w = Math.min(width, s.getWidth()), h = Math.min(height, s.getHeight());
                    // on this screen: keep the place, moved back in as far as needed to show the whole window
                    double px = Math.max(s.getMinX(), Math.min(x, s.getMaxX() - w));
                    double py = Math.max(s.getMinY(), Math.min(y, s.getMaxY() - h));
                    return new Rectangle2D(px, py, w, h);
                }
            }
        }
        double w = Math.min(width, primary.getWidth()), h = Math.min(height, primary.getHeight());
        return new Rectangle2D(
                primary.getMinX() + (primary.getWidth() - w) / 2,
                primary.getMinY() + (primary.getHeight() - h) / 2,
                w,
                h);
    }
}
