package org.sparsescope.app.plot;

import javafx.scene.canvas.Canvas;
import javafx.scene.layout.Region;

/** A region drawn on one canvas that fills it: the canvas follows the region's size and is redrawn when it changes. */
public abstract class CanvasRegion extends Region {
    protected final Canvas canvas = new Canvas();

    protected CanvasRegion() {
        getChildren().add(canvas);
    }

    public abstract void redraw();

    @Override
    protected void layoutChildren() {
        if (canvas.getWidth() != getWidth() || canvas.getHeight() != getHeight()) {
            canvas.setWidth(getWidth());
            canvas.setHeight(getHeight());
            redraw();
        }
    }
}
