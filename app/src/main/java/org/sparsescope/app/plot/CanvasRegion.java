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

    /** The canvas as drawn, as a PNG file. */
    public void exportPng(java.nio.file.Path file) throws java.io.IOException {
        javafx.scene.image.WritableImage img = canvas.snapshot(null, null);
        javax.imageio.ImageIO.write(javafx.embed.swing.SwingFXUtils.fromFXImage(img, null), "png", file.toFile());
    }

    @Override
    protected void layoutChildren() {
        if (canvas.getWidth() != getWidth() || canvas.getHeight() != getHeight()) {
            canvas.setWidth(getWidth());
            canvas.setHeight(getHeight());
            redraw();
        }
    }
}
