package org.sparsescope.app.ui;

import java.util.function.Function;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.layout.HBox;
import javafx.util.StringConverter;

/** Small pieces the panes' control rows share. */
final class Controls {
    private Controls() {}

    /** Controls that wrap as one unit in a flow pane, centred on a line. */
    static HBox group(Node... nodes) {
        HBox b = new HBox(5, nodes);
        b.setAlignment(Pos.CENTER_LEFT);
        return b;
    }

    /** A read-only text column, unsortable, whose cut cells read whole on hover. */
    static <R> javafx.scene.control.TableColumn<R, String> textColumn(String name, Function<R, String> f) {
        javafx.scene.control.TableColumn<R, String> c = new javafx.scene.control.TableColumn<>(name);
        c.setCellValueFactory(d -> new javafx.beans.property.ReadOnlyStringWrapper(f.apply(d.getValue())));
        c.setSortable(false);
        c.setCellFactory(col -> new javafx.scene.control.TableCell<>() {
            @Override
            protected void updateItem(String item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty ? null : item);
                setTooltip(empty || item == null || item.isEmpty() ? null : new javafx.scene.control.Tooltip(item));
            }
        });
        return c;
    }

    /**
     * A message that takes the room left in its row and wraps onto more lines rather than losing its end (it holds
     * names and numbers).
     */
    static javafx.scene.control.Label wrapping(javafx.scene.control.Label l) {
        l.setWrapText(true);
        l.setMinWidth(0);
        l.setMaxWidth(Double.MAX_VALUE);
        l.setMinHeight(javafx.scene.layout.Region.USE_PREF_SIZE);
        HBox.setHgrow(l, javafx.scene.layout.Priority.ALWAYS);
        return l;
    }

    /** A column whose header says on hover what its figure means. */
    static void headerTip(javafx.scene.control.TableColumn<?, ?> c, String tip) {
        javafx.scene.control.Label l = new javafx.scene.control.Label(c.getText());
        l.setTooltip(new javafx.scene.control.Tooltip(tip));
        c.setText(null);
        c.setGraphic(l);
    }

    /** How a choice box shows its values (in words); nothing is typed back. */
    static <T> StringConverter<T> converter(Function<T, String> f) {
        return new StringConverter<>() {
            @Override
            public String toString(T t) {
                return t == null ? "" : f.apply(t);
            }

            @Override
            public T fromString(String s) {
                return null;
            }
        };
    }

    /** A choice among {@code values}, each shown in words. */
    static <T> javafx.scene.control.ComboBox<T> choice(T[] values, Function<T, String> words) {
        javafx.scene.control.ComboBox<T> c =
                new javafx.scene.control.ComboBox<>(javafx.collections.FXCollections.observableArrayList(values));
        c.setConverter(converter(words));
        return c;
    }
}
