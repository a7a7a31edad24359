package org.sparsescope.app.ui;

import javafx.geometry.Insets;
import javafx.scene.control.ButtonType;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.PasswordField;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.stage.Window;
import org.sparsescope.viewmodels.MainViewModel;
import org.sparsescope.viewmodels.autointerp.AutointerpViewModel;

/** The form of an autointerp run, laid out and bound; the view-model checks it and runs it in the background. */
final class AutointerpDialog {
    private AutointerpDialog() {}

    static Dialog<ButtonType> dialog(Window owner, MainViewModel vm) {
        AutointerpViewModel f = vm.autointerp();
        Dialog<ButtonType> dialog = new Dialog<>();
        dialog.initOwner(owner);
        dialog.setTitle("Autointerp");
        dialog.setHeaderText("Explain features of "
                + (vm.openDictionary() == null
                        ? "the open dictionary"
                        : vm.openDictionary().name())
                + " with a language model, and score the explanations\n(detection and fuzzing on held-out examples, "
                + "delphi's recipe). Results are stored in the workspace and reused.");
        GridPane grid = new GridPane();
        grid.setHgap(8);
        grid.setVgap(6);
        grid.setPadding(new Insets(8));
        ComboBox<AutointerpViewModel.Backend> backend =
                Controls.choice(AutointerpViewModel.Backend.values(), AutointerpViewModel.Backend::label);
        backend.valueProperty().bindBidirectional(f.backend);
        TextField url = text(f.serverUrl, 26), model = text(f.serverModel, 26), local = text(f.localModel, 26);
        PasswordField key = new PasswordField();
        key.textProperty().bindBidirectional(f.apiKey);
        key.setPromptText("none, or $SPARSESCOPE_API_KEY");
        model.setPromptText("e.g. qwen2.5:7b");
        local.setPromptText("folder of an instruct model");
        var isServer = backend.valueProperty().isEqualTo(AutointerpViewModel.Backend.SERVER);
        url.disableProperty().bind(isServer.not());
        model.disableProperty().bind(isServer.not());
        key.disableProperty().bind(isServer.not());
        local.disableProperty().bind(isServer);
        ComboBox<AutointerpViewModel.Target> target =
                Controls.choice(AutointerpViewModel.Target.values(), AutointerpViewModel.Target::label);
        target.valueProperty().bindBidirectional(f.target);
        ComboBox<AutointerpViewModel.Which> which =
                Controls.choice(AutointerpViewModel.Which.values(), AutointerpViewModel.Which::label);
        which.valueProperty().bindBidirectional(f.which);
        TextField count = text(f.count, 6), seed = text(f.seed, 6), examples = text(f.examples, 6);
        count.disableProperty().bind(which.valueProperty().isNotEqualTo(AutointerpViewModel.Which.RANDOM));
        ComboBox<AutointerpViewModel.Sampling> sampling =
                Controls.choice(AutointerpViewModel.Sampling.values(), AutointerpViewModel.Sampling::label);
        sampling.valueProperty().bindBidirectional(f.sampling);
        CheckBox logprobs = new CheckBox("ask for log-probabilities (ROC-AUC)");
        logprobs.selectedProperty().bindBidirectional(f.logprobs);
        Object[][] rows = {
            {"explainer", backend},
            {"server URL", url},
            {"model name", model},
            {"API key (kept in memory only)", key},
            {"local model folder", local},
            {"explain", target},
            {"features", which},
            {"how many (random)", count},
            {"seed", seed},
            {"explainer's examples", examples},
            {"sampled from", sampling},
            {"", logprobs}
        };
        for (int i = 0; i < rows.length; i++) {
            grid.addRow(i, new Label((String) rows[i][0]), (javafx.scene.Node) rows[i][1]);
        }
        dialog.getDialogPane().setContent(grid);
        dialog.getDialogPane().setId("autointerpDialog");
        dialog.getDialogPane().getButtonTypes().addAll(ButtonType.OK, ButtonType.CANCEL);
        ((javafx.scene.control.Button) dialog.getDialogPane().lookupButton(ButtonType.OK)).setText("Run");
        return dialog;
    }

    static void ask(Window owner, MainViewModel vm) {
        dialog(owner, vm).showAndWait().filter(b -> b == ButtonType.OK).ifPresent(b -> vm.runAutointerp());
    }

    private static TextField text(javafx.beans.property.StringProperty p, int columns) {
        TextField t = new TextField();
        t.textProperty().bindBidirectional(p);
        t.setPrefColumnCount(columns);
        return t;
    }
}
