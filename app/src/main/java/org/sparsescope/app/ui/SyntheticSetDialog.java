package org.sparsescope.app.ui;

import javafx.geometry.Insets;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.stage.Window;
import org.sparsescope.viewmodels.MainViewModel;
import org.sparsescope.viewmodels.workspace.SyntheticSetForm;

/** The fields of a synthetic activation set, laid out; the view-model parses them and makes the set. */
final class SyntheticSetDialog {
    private SyntheticSetDialog() {}

    static void ask(Window owner, MainViewModel vm) {
        SyntheticSetForm form = new SyntheticSetForm();
        Dialog<ButtonType> dialog = new Dialog<>();
        dialog.initOwner(owner);
        dialog.setTitle("Synthetic activation set");
        dialog.setHeaderText("Rows are sparse sums of known random directions; the truth is saved beside them.");
        GridPane grid = new GridPane();
        grid.setHgap(8);
        grid.setVgap(6);
        grid.setPadding(new Insets(8));
        Object[][] fields = {
            {"d (row width)", form.d},
            {"true features", form.features},
            {"active per row (mean)", form.active},
            {"frequency decay per index", form.decay},
            {"correlation rank (0: independent)", form.correlationRank},
            {"correlation scale (0–1)", form.correlationScale},
            {"noise σ per dimension", form.noise},
            {"magnitudes (uniform-product or MEAN,STD)", form.magnitudes},
            {"rows", form.rows},
            {"seed", form.seed}
        };
        for (int i = 0; i < fields.length; i++) {
            TextField f = new TextField();
            f.textProperty().bindBidirectional((javafx.beans.property.StringProperty) fields[i][1]);
            f.setPrefColumnCount(14);
            grid.addRow(i, new Label((String) fields[i][0]), f);
        }
        dialog.getDialogPane().setContent(grid);
        dialog.getDialogPane().setId("syntheticDialog");
        dialog.getDialogPane().getButtonTypes().addAll(ButtonType.OK, ButtonType.CANCEL);
        dialog.showAndWait()
                .filter(b -> b == ButtonType.OK)
                .ifPresent(b -> vm.workspace().synthesize(form));
    }
}
