package org.sparsescope.app.ui;

import java.util.Locale;
import javafx.geometry.Insets;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.Background;
import javafx.scene.layout.BackgroundFill;
import javafx.scene.layout.CornerRadii;
import javafx.scene.paint.Color;
import javafx.scene.text.TextFlow;
import javafx.util.Duration;

/** Token-highlighted text: each token a label whose background colour grows with its value; hover shows token and value. */
final class TokenText {
    private TokenText() {}

    /**
     * @param scale     the value of full colour (values are clipped to ±scale)
     * @param signed    red for positive and blue for negative values (loss changes); otherwise one hue
     * @param emphasise index of the token to underline, or -1
     */
    static TextFlow of(String[] tokens, float[] values, double scale, boolean signed, int emphasise) {
        return of(tokens, values, scale, signed, emphasise, null, null);
    }

    /**
     * @param tips    each token's hover text (null: the token and its value)
     * @param onClick called with a clicked token's index (null: none)
     */
    static TextFlow of(
            String[] tokens,
            float[] values,
            double scale,
            boolean signed,
            int emphasise,
            String[] tips,
            java.util.function.IntConsumer onClick) {
        TextFlow flow = new TextFlow();
        flow.getStyleClass().add("token-text");
        // with hover texts given, one tooltip for the whole text whose words follow the mouse: a tooltip per token
        // costs more to make and lay out than the token itself, on every edit of a prompt
        Tooltip shared = tips == null ? null : new Tooltip();
        if (shared != null) {
            shared.setShowDelay(Duration.millis(80));
            Tooltip.install(flow, shared);
        }
        // tokens of one word share a box, so that lines break between words, never inside one ("numer|ous")
        javafx.scene.layout.HBox word = null;
        for (int i = 0; i < tokens.length; i++) {
            String shown = tokens[i].replace("\n", "↵").replace("\t", "⇥");
            javafx.scene.control.Label l = new javafx.scene.control.Label(shown);
            l.getStyleClass().add("token");
            double f = scale > 0 && !Float.isNaN(values[i]) ? Math.max(-1, Math.min(1, values[i] / scale)) : 0;
            Color c = !signed || f >= 0
                    ? Color.rgb(255, 120, 40, Math.abs(f) * 0.85)
                    : Color.rgb(50, 110, 230, Math.abs(f) * 0.85);
            l.setBackground(new Background(new BackgroundFill(c, new CornerRadii(2), Insets.EMPTY)));
            if (i == emphasise) {
                l.getStyleClass().add("token-focus");
            }
            if (shared != null) {
                String tip = tips[i];
                l.setOnMouseEntered(e -> shared.setText(tip));
            } else {
                Tooltip t =
                        new Tooltip(String.format(Locale.ROOT, "%s  %+.4f", tokens[i].replace("\n", "\\n"), values[i]));
                t.setShowDelay(Duration.millis(80));
                l.setTooltip(t);
            }
            if (onClick != null) {
                int at = i;
                l.setOnMouseClicked(e -> onClick.accept(at));
            }
            boolean startsWord = word == null
                    || tokens[i].isEmpty()
                    || Character.isWhitespace(tokens[i].charAt(0))
                    || Character.isWhitespace(
                            tokens[i - 1].isEmpty() ? ' ' : tokens[i - 1].charAt(tokens[i - 1].length() - 1));
            if (startsWord) {
                word = new javafx.scene.layout.HBox();
                flow.getChildren().add(word);
            }
            word.getChildren().add(l);
        }
        return flow;
    }
}
