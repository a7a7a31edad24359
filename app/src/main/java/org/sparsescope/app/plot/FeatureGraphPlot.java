package org.sparsescope.app.plot;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import javafx.scene.control.Tooltip;
import javafx.scene.input.MouseButton;
import javafx.scene.paint.Color;
import javafx.util.Duration;
import org.sparsescope.viewmodels.circuits.GraphLayout;

/**
 * The feature graph on one canvas: hover a node to light its paths (with its strongest edges in a tooltip), click
 * it to open its feature; export to PNG and SVG through the same painter.
 */
public final class FeatureGraphPlot extends CanvasRegion {
    private final Tooltip tooltip = new Tooltip();
    private GraphLayout layout = GraphLayout.empty();
    private String title = "";
    private GraphLayout.Node hovered;
    private Set<GraphLayout.Edge> highlighted = Set.of();
    private Consumer<GraphLayout.Node> onOpen = n -> {};
    private Color background = Color.WHITE, foreground = Color.rgb(40, 40, 40);

    public FeatureGraphPlot() {
        getStyleClass().add("feature-graph");
        tooltip.setShowDelay(Duration.millis(100));
        canvas.setOnMouseMoved(e ->
                hover(GraphPainter.geometry(getWidth(), getHeight(), layout).at(e.getX(), e.getY())));
        canvas.setOnMouseExited(e -> hover(null));
        canvas.setOnMouseClicked(e -> {
            GraphLayout.Node n =
                    GraphPainter.geometry(getWidth(), getHeight(), layout).at(e.getX(), e.getY());
            if (n != null && e.getButton() == MouseButton.PRIMARY) {
                onOpen.accept(n);
            }
        });
    }

    public void setGraph(GraphLayout layout, String title) {
        this.layout = layout;
        this.title = title;
        hover(null);
        redraw();
    }

    public GraphLayout graphLayout() {
        return layout;
    }

    public void setOnOpen(Consumer<GraphLayout.Node> c) {
        onOpen = c;
    }

    public void setColors(Color background, Color foreground) {
        this.background = background;
        this.foreground = foreground;
        redraw();
    }

    /** Lights the paths through {@code n} (null: none), as the mouse does. */
    public void hover(GraphLayout.Node n) {
        if (n == hovered || (n != null && n.equals(hovered))) {
            return;
        }
        hovered = n;
        highlighted = n == null ? Set.of() : layout.pathsThrough(n);
        if (n == null) {
            Tooltip.uninstall(canvas, tooltip);
        } else {
            tooltip.setText(describe(n));
            Tooltip.install(canvas, tooltip);
        }
        redraw();
    }

    private String describe(GraphLayout.Node n) {
        GraphLayout.Column c = layout.columns().get(n.column());
        StringBuilder b = new StringBuilder(c.nodeName(n) + "  (" + c.name() + " at " + c.hook() + ")");
        if (!n.label().isEmpty()) {
            b.append("\ntop tokens: ").append(n.label());
        }
        boolean any = appendEdges(b, "from", n, false) | appendEdges(b, "to", n, true);
        if (!any && n.row() >= 0) {
            b.append(
                    n.silent()
                            ? "\nno edges: it never fired on these windows (removing or restoring it changes nothing)"
                            : "\nno edges above the threshold (lower it to see this feature's weaker edges)");
        }
        return b.append("\nclick to open it").toString();
    }

    /**
     * The node's strongest visible edges one way, strongest first: by |weight| for an ablation, by |effect| for a
     * restoration (what restoring the feature adds beyond what is left with every feature removed), as they are drawn.
     */
    private boolean appendEdges(StringBuilder b, String word, GraphLayout.Node n, boolean outgoing) {
        List<GraphLayout.Edge> strongest = layout.edges().stream()
                .filter(e -> outgoing ? e.from().equals(n) : e.to().equals(n))
                .sorted((x, y) -> Float.compare(y.strength(), x.strength()))
                .limit(5)
                .toList();
        if (!strongest.isEmpty()) {
            b.append(
                    layout.restoration()
                            ? "\nstrongest " + word + " (by |effect|):"
                            : "\nstrongest " + word + " (by weight):");
        }
        for (GraphLayout.Edge e : strongest) {
            GraphLayout.Node other = outgoing ? e.to() : e.from();
            String name = layout.columns().get(other.column()).nodeName(other);
            b.append(
                    layout.restoration()
                            ? String.format(
                                    Locale.ROOT, "\n  %s: effect %+.3g (weight %.4g)", name, e.effect(), e.weight())
                            : String.format(
                                    Locale.ROOT, "\n  %s: weight %.4g, effect %+.3g", name, e.weight(), e.effect()));
        }
        return !strongest.isEmpty();
    }

    private GraphPainter.Frame frame() {
        return new GraphPainter.Frame(
                getWidth(), getHeight(), layout, title, highlighted, hovered, background, foreground);
    }

    @Override
    public void redraw() {
        GraphPainter.paint(new FxSurface(canvas.getGraphicsContext2D()), frame());
    }

    /** The graph as SVG: painted by the same painter as the window, shape for shape. */
    public void exportSvg(Path file) throws IOException {
        SvgSurface svg = new SvgSurface(getWidth(), getHeight());
        GraphPainter.paint(svg, frame());
        org.sparsescope.viewmodels.SavedFiles.writeString(file, svg.document());
    }
}
