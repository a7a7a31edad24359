package org.sparsescope.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import javafx.geometry.Rectangle2D;
import org.junit.jupiter.api.Test;

class WindowPlacementTest {
    private static final Rectangle2D LAPTOP = new Rectangle2D(0, 0, 1366, 740); // 1366×768 less a 28 px panel

    @Test
    void theDefaultWindowFitsA1366By768Screen() {
        Rectangle2D r = WindowPlacement.place(1440, 900, Double.NaN, Double.NaN, List.of(LAPTOP));
        assertTrue(LAPTOP.contains(r), r.toString());
        assertEquals(1366, r.getWidth());
        assertEquals(740, r.getHeight());
    }

    @Test
    void aRememberedPlaceOffEveryScreenIsDroppedAndOneOnAScreenIsKept() {
        Rectangle2D gone = WindowPlacement.place(1200, 700, 2500, 100, List.of(LAPTOP));
        assertEquals(new Rectangle2D(83, 20, 1200, 700), gone, "centred on the primary screen");
        Rectangle2D second = new Rectangle2D(1366, 0, 1920, 1080);
        Rectangle2D kept = WindowPlacement.place(1200, 700, 1500, 100, List.of(LAPTOP, second));
        assertEquals(new Rectangle2D(1500, 100, 1200, 700), kept);
        Rectangle2D nudged = WindowPlacement.place(1200, 700, 3000, 600, List.of(LAPTOP, second));
        assertTrue(second.contains(nudged), "moved back in to show it whole: " + nudged);
    }
}
