package org.sparsescope.app.ui;

import javafx.geometry.Insets;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.TextArea;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.stage.Window;
import org.sparsescope.viewmodels.autointerp.AutointerpViewModel;

/**
 * Every request autointerp made for one feature and the model's raw answer, as sent and as received: researchers
 * distrust autointerp and want to see what was asked.
 */
final class ExchangesDialog {
    private ExchangesDialog() {}

    static Dialog<ButtonType> dialog(Window owner, AutointerpViewModel.FeatureResult r) {
        Dialog<ButtonType> dialog = new Dialog<>();
        dialog.initOwner(owner);
        dialog.setResizable(true);
        dialog.setTitle("Feature " + r.feature() + ": prompts and answers");
        dialog.setHeaderText((r.explanation().isEmpty() ? "No explanation" : "“" + r.explanation() + "”") + "\n"
                + r.scores() + " · explainer " + r.explainer());
        ListView<AutointerpViewModel.ExchangeView> list = new ListView<>();
        list.getItems().setAll(r.exchanges());
        list.setCellFactory(v -> new javafx.scene.control.ListCell<>() {
            @Override
            protected void updateItem(AutointerpViewModel.ExchangeView e, boolean empty) {
                super.updateItem(e, empty);
                setText(
                        empty || e == null
                                ? null
                                : (getIndex() + 1) + ". " + e.purpose() + (e.failure() == null ? "" : " — failed"));
            }
        });
        list.setPrefWidth(170);
        TextArea prompt = area(), answer = area();
        answer.setPrefRowCount(6);
        Label failure = new Label();
        failure.setWrapText(true);
        failure.getStyleClass().add("warning");
        list.getSelectionModel().selectedItemProperty().addListener((o, a, e) -> {
            prompt.setText(e == null ? "" : e.prompt());
            answer.setText(e == null ? "" : e.answer());
            failure.setText(e == null || e.failure() == null ? "" : "Not usable: " + e.failure());
        });
        VBox right =
                new VBox(4, new Label("Prompt (as sent)"), prompt, new Label("Answer (as received)"), answer, failure);
        VBox.setVgrow(prompt, Priority.ALWAYS);
        HBox.setHgrow(right, Priority.ALWAYS);
        HBox content = new HBox(8, list, right);
        content.setPadding(new Insets(8));
        content.setPrefSize(900, 560);
        dialog.getDialogPane().setContent(content);
        dialog.getDialogPane().setId("exchangesDialog");
        dialog.getDialogPane().getButtonTypes().add(ButtonType.CLOSE);
        list.getSelectionModel().selectFirst();
        return dialog;
    }

    private static TextArea area() {
        TextArea a = new TextArea();
        a.setEditable(false);
        a.setWrapText(true);
        a.getStyleClass().add("mono");
        return a;
    }
}
