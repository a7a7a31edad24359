package org.sparsescope.app.ui;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.layout.GridPane;
import javafx.stage.DirectoryChooser;
import javafx.stage.Stage;
import org.sparsescope.viewmodels.workspace.ProvenanceRequest;
import org.sparsescope.viewmodels.workspace.WorkspaceViewModel;

/**
 * Asks which model and hook a dictionary (or a foreign activation set) reads, or where the model it names is;
 * the answer goes to the view-model, which remembers it in the workspace.
 */
final class ProvenanceDialog {
    private final WorkspaceViewModel vm;
    private final ProvenanceRequest request;
    private final Dialog<ButtonType> dialog = new Dialog<>();
    private final ComboBox<String> model = new ComboBox<>();
    private final ComboBox<String> hook = new ComboBox<>();

    ProvenanceDialog(WorkspaceViewModel vm, ProvenanceRequest request, Stage owner) {
        this.vm = vm;
        this.request = request;
        dialog.initOwner(owner);
        dialog.setTitle(request.wantedModel() != null ? "Where is the model?" : "Which model and hook?");
        dialog.setHeaderText(request.name());
        dialog.getDialogPane().setId("provenanceDialog");
        Label question = new Label(request.question());
        question.setWrapText(true);
        question.setMaxWidth(520);
        model.setEditable(true);
        model.setId("provenanceModel");
        model.getItems().setAll(request.knownModels());
        model.setPrefWidth(360);
        model.setPromptText(
                request.wantedModel() != null
                        ? "folder of " + request.wantedModel()
                        : "a model folder or a known name");
        hook.setEditable(true);
        hook.setId("provenanceHook");
        hook.setPrefWidth(360);
        hook.setPromptText("e.g. blocks.2.hook_resid_post");
        if (request.knownHook() != null) {
            hook.setValue(request.knownHook());
        }
        Button browse = new Button("Folder…");
        browse.setOnAction(e -> {
            DirectoryChooser c = new DirectoryChooser();
            c.setTitle("Model folder (config.json, model.safetensors, tokenizer.json)");
            File f = c.showDialog(owner);
            if (f != null) {
                model.setValue(f.getAbsolutePath());
            }
        });
        model.valueProperty().addListener((o, a, b) -> fillHooks(b));
        GridPane grid = new GridPane();
        grid.setHgap(8);
        grid.setVgap(8);
        grid.setPadding(new Insets(12));
        grid.add(question, 0, 0, 3, 1);
        grid.addRow(1, new Label(request.wantedModel() != null ? "folder" : "model"), model, browse);
        if (request.wantedModel() == null) {
            grid.addRow(2, new Label("hook"), hook);
        }
        dialog.getDialogPane().setContent(grid);
        dialog.getDialogPane().getButtonTypes().setAll(ButtonType.OK, ButtonType.CANCEL);
    }

    /** The hooks of the chosen model, when it names a folder; typed names stay possible. */
    private void fillHooks(String chosen) {
        if (chosen == null || chosen.isBlank()) {
            return;
        }
        Path folder = Path.of(chosen);
        if (Files.isRegularFile(folder.resolve("config.json"))) {
            String keep = hook.getValue();
            hook.getItems().setAll(vm.hookNames(folder));
            hook.setValue(keep);
        }
    }

    void showAndAnswer() {
        dialog.showAndWait()
                .filter(b -> b == ButtonType.OK)
                .ifPresentOrElse(b -> vm.answer(request, value(model), value(hook)), () -> vm.dismiss(request));
    }

    private static String value(ComboBox<String> box) {
        String typed = box.getEditor().getText();
        return typed != null && !typed.isBlank() ? typed.strip() : box.getValue();
    }
}
