package org.sparsescope.app.ui;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.prefs.Preferences;
import javafx.beans.binding.Bindings;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.collections.ListChangeListener;
import javafx.geometry.Orientation;
import javafx.scene.Scene;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.SelectionMode;
import javafx.scene.control.Separator;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.ToolBar;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.TransferMode;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.VBox;
import javafx.stage.DirectoryChooser;
import javafx.stage.FileChooser;
import javafx.stage.Stage;
import org.controlsfx.control.StatusBar;
import org.kordamp.ikonli.javafx.FontIcon;
import org.sparsescope.app.plot.ScatterPlot;
import org.sparsescope.viewmodels.Background;
import org.sparsescope.viewmodels.MainViewModel;
import org.sparsescope.viewmodels.workspace.DictionaryEntry;
import org.sparsescope.viewmodels.workspace.WorkspaceViewModel;

/**
 * The main window: dictionaries on the left, the frontier, features, ablation and training in tabs, the selected
 * feature on the right, background jobs in the status bar. Views bind to the view-model and lay out; nothing here
 * computes.
 */
public final class MainWindow {
    private final MainViewModel vm;
    private final Stage stage;
    final BorderPane root = new BorderPane();
    final TabPane tabs = new TabPane();
    final TableView<DictionaryEntry> dictionaries = new TableView<>();
    final FrontierPane frontier;
    final FeaturesPane features;
    final FeatureDetailPane detail;
    final AblationPane ablation;
    final TrainingPane training;
    /** Analysis → Autointerp…: the form of a run on the open dictionary. */
    final MenuItem autointerpItem = new MenuItem("Autointerp: explain and score features…");

    final McsPane mcs;
    final GraphPane graph;
    final PromptPane prompt;
    private final Preferences prefs = Preferences.userNodeForPackage(MainWindow.class);
    private boolean dark;
    private boolean syncingSelection;
    private boolean rowsChanging; // the list's rows are being replaced or added, not selected by the user

    public MainWindow(MainViewModel vm, Stage stage) {
        this.vm = vm;
        this.stage = stage;
        frontier = new FrontierPane(vm);
        features = new FeaturesPane(vm);
        detail = new FeatureDetailPane(vm);
        ablation = new AblationPane(vm);
        training = new TrainingPane(vm);
        mcs = new McsPane(vm);
        graph = new GraphPane(vm);
        prompt = new PromptPane(vm);
        detail.onInspect(vm, () -> {
            tabs.getSelectionModel()
                    .select(tabs.getTabs().stream()
                            .filter(t -> t.getContent() == prompt)
                            .findFirst()
                            .orElseThrow());
            prompt.views.getSelectionModel().select(0);
        });
        buildDictionaryTable();
        tabs.getTabs()
                .addAll(
                        tab("Frontier", "mdi2c-chart-scatter-plot", frontier, MainViewModel.View.FRONTIER),
                        tab("Features", "mdi2t-table", features, MainViewModel.View.FEATURES),
                        tab("MCS", "mdi2g-grid", mcs, MainViewModel.View.MCS),
                        tab("Ablation", "mdi2c-content-cut", ablation, MainViewModel.View.ABLATION),
                        tab("Training", "mdi2s-school", training, MainViewModel.View.TRAINING),
                        tab("Circuits", "mdi2s-sitemap", graph, MainViewModel.View.CIRCUITS),
                        tab("Prompt", "mdi2c-card-text-outline", prompt, MainViewModel.View.PROMPT));
        // the view-model knows which view is shown; exports of "the current plot" follow it, not a tab's index
        tabs.getSelectionModel()
                .selectedItemProperty()
                .addListener((o, a, b) -> vm.shownViewProperty().set((MainViewModel.View) b.getUserData()));
        tabs.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
        tabs.setId("tabs");
        SplitPane split = new SplitPane(dictionaries, tabs, detail);
        split.setOrientation(Orientation.HORIZONTAL);
        split.setDividerPositions(prefs.getDouble("divider0", 0.25), prefs.getDouble("divider1", 0.75));
        split.getDividers()
                .forEach(d -> d.positionProperty()
                        .addListener((o, a, b) ->
                                prefs.putDouble("divider" + split.getDividers().indexOf(d), b.doubleValue())));
        root.setTop(new VBox(menus(), toolbar()));
        root.setCenter(split);
        root.setBottom(statusBar());
        vm.workspace().errorProperty().addListener((o, a, b) -> {
            if (b != null) {
                Alert alert = new Alert(Alert.AlertType.ERROR, b);
                alert.setHeaderText(vm.workspace().errorTitleProperty().get());
                alert.initOwner(stage);
                alert.show();
            }
        });
        vm.workspace().provenanceRequestProperty().addListener((o, a, r) -> {
            if (r != null) {
                javafx.application.Platform.runLater(
                        () -> new ProvenanceDialog(vm.workspace(), r, stage).showAndAnswer());
            }
        });
        vm.openDictionaryProperty().addListener((o, a, b) -> {
            stage.setTitle("Sparsescope — " + (b == null ? "" : b.name()));
            tabs.getSelectionModel().select(1);
        });
        root.setOnDragOver(e -> {
            if (e.getDragboard().hasFiles()) {
                e.acceptTransferModes(TransferMode.COPY_OR_MOVE);
            }
            e.consume();
        });
        root.setOnDragDropped(e -> {
            openDropped(e.getDragboard().getFiles().stream().map(File::toPath).toList());
            e.setDropCompleted(true);
            e.consume();
        });
    }

    /** The window's scene, styled, with keyboard shortcuts; the stage's size and place as last time. */
    public Scene scene() {
        java.util.List<javafx.geometry.Rectangle2D> screens = new java.util.ArrayList<>();
        screens.add(javafx.stage.Screen.getPrimary().getVisualBounds());
        javafx.stage.Screen.getScreens().stream()
                .map(javafx.stage.Screen::getVisualBounds)
                .filter(b -> !b.equals(screens.get(0)))
                .forEach(screens::add);
        javafx.geometry.Rectangle2D at = WindowPlacement.place(
                prefs.getDouble("width", 1400),
                prefs.getDouble("height", 860),
                prefs.getDouble("x", Double.NaN),
                prefs.getDouble("y", Double.NaN),
                screens);
        stage.setX(at.getMinX());
        stage.setY(at.getMinY());
        Scene scene = new Scene(root, at.getWidth(), at.getHeight());
        dark = prefs.getBoolean("dark", false);
        applyTheme(scene);
        // Ctrl+O, Ctrl+E and Ctrl+T are the menu items' own accelerators; these have no menu item
        scene.getAccelerators().put(new KeyCodeCombination(KeyCode.R, KeyCombination.SHORTCUT_DOWN), vm::runAblation);
        for (int i = 0; i < tabs.getTabs().size(); i++) {
            int tab = i;
            scene.getAccelerators()
                    .put(
                            new KeyCodeCombination(
                                    KeyCode.getKeyCode(Integer.toString(i + 1)), KeyCombination.SHORTCUT_DOWN),
                            () -> tabs.getSelectionModel().select(tab));
        }
        stage.widthProperty().addListener((o, a, b) -> prefs.putDouble("width", b.doubleValue()));
        stage.heightProperty().addListener((o, a, b) -> prefs.putDouble("height", b.doubleValue()));
        stage.xProperty().addListener((o, a, b) -> prefs.putDouble("x", b.doubleValue()));
        stage.yProperty().addListener((o, a, b) -> prefs.putDouble("y", b.doubleValue()));
        return scene;
    }

    private void applyTheme(Scene scene) {
        scene.getStylesheets()
                .setAll(MainWindow.class
                        .getResource(dark ? "dark.css" : "light.css")
                        .toExternalForm());
        javafx.scene.paint.Color bg = dark ? javafx.scene.paint.Color.rgb(34, 36, 40) : javafx.scene.paint.Color.WHITE;
        javafx.scene.paint.Color fg =
                dark ? javafx.scene.paint.Color.rgb(220, 220, 220) : javafx.scene.paint.Color.rgb(40, 40, 40);
        javafx.scene.paint.Color grid =
                dark ? javafx.scene.paint.Color.rgb(60, 62, 68) : javafx.scene.paint.Color.rgb(228, 228, 228);
        frontier.plot.setColors(bg, fg, grid);
        features.plot.setColors(bg, fg, grid);
        mcs.heatmap.setForeground(fg);
        graph.plot.setColors(bg, fg);
    }

    void toggleTheme() {
        dark = !dark;
        prefs.putBoolean("dark", dark);
        applyTheme(root.getScene());
    }

    boolean darkTheme() {
        return dark;
    }

    /** The theme chosen outright (the screenshot tours shoot both). */
    void setDarkTheme(boolean wanted) {
        if (dark != wanted) {
            toggleTheme();
        }
    }

    private Tab tab(String name, String icon, javafx.scene.Node content, MainViewModel.View view) {
        Tab t = new Tab(name, content);
        t.setGraphic(new FontIcon(icon));
        t.setUserData(view);
        return t;
    }

    private void buildDictionaryTable() {
        dictionaries.setId("dictionaryTable");
        // a row replaced by a background update (measured, scored) loses its table selection without anyone asking:
        // registered before the table's own listener, this marks such changes so that the loss is not passed on to
        // the frontier, whose selection is then shown again
        vm.workspace().dictionaries().addListener((ListChangeListener<DictionaryEntry>) c -> {
            rowsChanging = true;
            javafx.application.Platform.runLater(() -> {
                rowsChanging = false;
                showFrontierSelection();
            });
        });
        dictionaries.setItems(vm.workspace().dictionaries());
        dictionaries.getSelectionModel().setSelectionMode(SelectionMode.MULTIPLE);
        TableColumn<DictionaryEntry, DictionaryEntry> name = new TableColumn<>("dictionary · hook · model");
        name.setCellValueFactory(cell -> new ReadOnlyObjectWrapper<>(cell.getValue()));
        name.setCellFactory(c -> new javafx.scene.control.TableCell<>() {
            private final javafx.scene.control.Label title = new javafx.scene.control.Label();
            private final javafx.scene.control.Label site = new javafx.scene.control.Label();
            private final VBox box = new VBox(0, title, site);

            {
                site.getStyleClass().add("row-site");
                // the hook first, so its layer always reads; a long model id is cut at its end (the tooltip has both
                // whole)
                site.setTextOverrun(javafx.scene.control.OverrunStyle.ELLIPSIS);
                site.maxWidthProperty().bind(widthProperty().subtract(10));
                title.maxWidthProperty().bind(widthProperty().subtract(10));
            }

            @Override
            protected void updateItem(DictionaryEntry e, boolean empty) {
                super.updateItem(e, empty);
                if (empty || e == null) {
                    setGraphic(null);
                    return;
                }
                title.setText(vm.workspace().listedName(e));
                site.setText(e.hookName() + " · " + e.model());
                setGraphic(box);
            }
        });
        name.setPrefWidth(230);
        dictionaries.getColumns().add(name);
        dictionaries
                .getColumns()
                .add(col(
                        "L0", e -> Double.isNaN(e.l0()) ? pending(e) : String.format(Locale.ROOT, "%.1f", e.l0()), 50));
        dictionaries
                .getColumns()
                .add(col(
                        "FVU",
                        e -> Double.isNaN(e.fvu()) ? pending(e) : String.format(Locale.ROOT, "%.4f", e.fvu()),
                        58));
        // the rest of the scorecard (SAELens's, SAEBench's), on the same held-out rows; CE recovered shown, the rest
        // chosen in the table's column menu (+ at the header's right)
        String[][] card = {
            {"CE rec.", "true"},
            {"KL score", "false"},
            {"KL", "false"},
            {"L1", "false"},
            {"cos", "false"},
            {"L2 ratio", "false"},
            {"rel. bias", "false"}
        };
        for (String[] c : card) {
            var column = col(c[0], e -> scoreText(e, c[0]), 68);
            column.setVisible(Boolean.parseBoolean(c[1]));
            dictionaries.getColumns().add(column);
            if (c[0].equals("CE rec.") || c[0].startsWith("KL")) {
                Controls.headerTip(
                        column,
                        "run through the dictionary's model on " + WorkspaceViewModel.SPLICE_WINDOWS
                                + " windows spread across its "
                                + "activation set (as `eval`); a row's tooltip gives CE loss recovered ± its standard error over those windows");
            }
        }
        // autointerp: the mean balanced accuracy over a dictionary's explained features, once it was explained
        for (String kind : new String[] {"detection", "fuzzing"}) {
            var column = col(
                    kind.equals("detection") ? "det." : "fuzz.",
                    e -> {
                        var sc = vm.autointerpScores().of(e.id());
                        double v = sc == null
                                ? Double.NaN
                                : kind.equals("detection") ? sc.detectionMean() : sc.fuzzingMean();
                        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.3f", v);
                    },
                    52);
            column.setVisible(kind.equals("detection"));
            dictionaries.getColumns().add(column);
            Controls.headerTip(
                    column,
                    "autointerp " + kind + " score: balanced accuracy, mean over the dictionary's explained features"
                            + " (Analysis → Autointerp; `sparsescope autointerp`)");
        }
        vm.autointerpScores().updatesProperty().addListener((o, a, b) -> dictionaries.refresh());
        Controls.headerTip(
                dictionaries.getColumns().get(2),
                "FVU on the set's held-out rows: its last tenth, at most "
                        + String.format(Locale.ROOT, "%,d", WorkspaceViewModel.MAX_HELD_OUT_ROWS)
                        + " (the rows training leaves out; as `eval`)");
        dictionaries.setTableMenuButtonVisible(true);
        dictionaries.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY);
        dictionaries.setPlaceholder(new javafx.scene.control.Label("Open a dictionary (Ctrl+O) or drop one here"));
        dictionaries.setRowFactory(t -> {
            var row = new javafx.scene.control.TableRow<DictionaryEntry>();
            row.setOnMouseClicked(e -> {
                if (e.getClickCount() == 2 && row.getItem() != null) {
                    vm.open(row.getItem().id());
                }
            });
            row.itemProperty().addListener((o, a, b) -> {
                row.setTooltip(
                        b == null
                                ? null
                                : new Tooltip(b.path() + "\nmodel " + b.model()
                                        + (b.modelFolder() == null ? "" : " (" + b.modelFolder() + ")")
                                        + "\nhook " + b.hookName() + "\n" + b.architecture() + ", " + b.dSae()
                                        + " features, read as " + b.source()
                                        + (b.activations() == null
                                                ? ""
                                                : "\nmeasured on "
                                                        + b.activations().getFileName())
                                        + scorecardSample(b)
                                        + (b.statusMessage() == null
                                                        || b.statusMessage().isEmpty()
                                                ? ""
                                                : "\n" + b.statusMessage())));
                row.pseudoClassStateChanged(WAITING, b != null && b.status() != DictionaryEntry.Status.MEASURED);
            });
            return row;
        });
        dictionaries.getSelectionModel().getSelectedItems().addListener((ListChangeListener<DictionaryEntry>) c -> {
            if (!syncingSelection && !rowsChanging) {
                syncingSelection = true;
                vm.frontier()
                        .select(dictionaries.getSelectionModel().getSelectedItems().stream()
                                .map(DictionaryEntry::id)
                                .toList());
                syncingSelection = false;
            }
        });
        vm.frontier().selection().addListener((ListChangeListener<String>) c -> {
            if (!syncingSelection) {
                showFrontierSelection();
            }
        });
    }

    /** The table's selection made the frontier's. */
    private void showFrontierSelection() {
        syncingSelection = true;
        dictionaries.getSelectionModel().clearSelection();
        for (int i = 0; i < dictionaries.getItems().size(); i++) {
            if (vm.frontier()
                    .selection()
                    .contains(dictionaries.getItems().get(i).id())) {
                dictionaries.getSelectionModel().select(i);
            }
        }
        syncingSelection = false;
    }

    private static final javafx.css.PseudoClass WAITING = javafx.css.PseudoClass.getPseudoClass("waiting");

    /** What a row without numbers waits for, in a word (the tooltip says the whole of it). */
    private static String pending(DictionaryEntry e) {
        return switch (e.status()) {
            case PREPARING -> "…";
            case NEEDS_PROVENANCE -> "ask";
            case MODEL_MISSING -> "no model";
            case FAILED -> "failed";
            case MEASURED -> "";
        };
    }

    /** The sample behind a row's figures, with CE loss recovered's standard error. */
    private static String scorecardSample(DictionaryEntry e) {
        DictionaryEntry.Scorecard c = e.scorecard();
        if (c == null) {
            return "";
        }
        String rows = String.format(
                Locale.ROOT, "\nFVU %.4f, L0 %.1f on its last %,d rows", e.fvu(), e.l0(), c.heldOutRows());
        return Double.isNaN(c.ceLossRecovered())
                ? rows
                : rows
                        + String.format(
                                Locale.ROOT,
                                "\nCE loss recovered %.3f ± %.3f, KL score %.3f on %d windows " + "across the set",
                                c.ceLossRecovered(),
                                c.ceLossRecoveredStandardError(),
                                c.klScore(),
                                c.spliceWindows());
    }

    /** A scorecard figure as the list shows it: "…" while measuring, "–" where it cannot be had (no tokens, no model). */
    private static String scoreText(DictionaryEntry e, String column) {
        DictionaryEntry.Scorecard c = e.scorecard();
        if (c == null) {
            return e.measured() ? "–" : "…";
        }
        double v = switch (column) {
            case "CE rec." -> c.ceLossRecovered();
            case "KL score" -> c.klScore();
            case "KL" -> c.klSpliced();
            case "L1" -> c.l1();
            case "cos" -> c.cosine();
            case "L2 ratio" -> c.l2Ratio();
            default -> c.relativeBias();
        };
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, column.equals("L1") ? "%.1f" : "%.3f", v);
    }

    private static TableColumn<DictionaryEntry, String> col(
            String name, java.util.function.Function<DictionaryEntry, String> f, double width) {
        TableColumn<DictionaryEntry, String> c = new TableColumn<>(name);
        c.setCellValueFactory(cell -> new ReadOnlyObjectWrapper<>(f.apply(cell.getValue())));
        c.setPrefWidth(width);
        c.setMinWidth(width); // a figure's header and its value stay whole; the name column gives way
        return c;
    }

    private MenuBar menus() {
        MenuItem open = new MenuItem("Open dictionary…");
        open.setAccelerator(new KeyCodeCombination(KeyCode.O, KeyCombination.SHORTCUT_DOWN));
        open.setOnAction(e -> openDictionaryDialog());
        MenuItem openSet = new MenuItem("Use activation set…");
        openSet.setOnAction(e -> {
            DirectoryChooser c = new DirectoryChooser();
            c.setTitle("Activation set folder");
            File f = c.showDialog(stage);
            if (f != null) {
                vm.workspace().useActivations(f.toPath());
            }
        });
        MenuItem watchRun = new MenuItem("Watch a cluster run's folder…");
        watchRun.setId("watchRun");
        watchRun.setOnAction(e -> {
            DirectoryChooser c = new DirectoryChooser();
            c.setTitle("Folder where a run's checkpoints arrive (sparsify or SAELens)");
            File f = c.showDialog(stage);
            if (f != null) {
                vm.runWatch().watch(f.toPath());
            }
        });
        MenuItem measureOn = new MenuItem("Measure open dictionary on an activation set…");
        measureOn.setId("measureOn");
        measureOn.disableProperty().bind(vm.openDictionaryProperty().isNull());
        measureOn.setOnAction(e -> {
            DirectoryChooser c = new DirectoryChooser();
            c.setTitle("Activation set folder (it must hold the dictionary's own model and hook)");
            File f = c.showDialog(stage);
            if (f != null && vm.openDictionaryProperty().get() != null) {
                vm.workspace().measureOn(vm.openDictionaryProperty().get().id(), f.toPath());
            }
        });
        Menu recent = new Menu("Open recent");
        recentMenu = recent;
        Runnable fillRecent = () -> recent.getItems()
                .setAll(vm.workspace().recentFiles().stream()
                        .map(p -> {
                            MenuItem m = new MenuItem(p.toString());
                            m.setOnAction(e -> vm.workspace().openDictionary(p));
                            return m;
                        })
                        .toList());
        vm.workspace().recentFiles().addListener((ListChangeListener<Path>) c -> fillRecent.run());
        fillRecent.run();
        MenuItem png = new MenuItem("Export plot as PNG…");
        png.setAccelerator(new KeyCodeCombination(KeyCode.E, KeyCombination.SHORTCUT_DOWN));
        png.setOnAction(e -> exportPlot("png"));
        MenuItem svg = new MenuItem("Export plot as SVG…");
        svg.setOnAction(e -> exportPlot("svg"));
        MenuItem csv = new MenuItem("Export feature table as CSV…");
        csv.setOnAction(e -> exportFeatures("csv"));
        MenuItem html = new MenuItem("Export dashboards as HTML (selected feature, else the table's first 20)…");
        html.setOnAction(e -> exportFeatures("html"));
        MenuItem neuronpedia = new MenuItem("Export for Neuronpedia…");
        neuronpedia.setOnAction(e -> exportFeatures("neuronpedia"));
        Menu cluster = new Menu("Export for the cluster");
        MenuItem saeLensCache = new MenuItem("Activation set as SAELens cached activations…");
        saeLensCache.setOnAction(e -> exportForCluster("saelens"));
        MenuItem sparsify = new MenuItem("Dictionary for sparsify (--finetune)…");
        sparsify.setOnAction(e -> exportForCluster("sparsify"));
        MenuItem delphi = new MenuItem("Codes as delphi's latent cache…");
        delphi.setOnAction(e -> exportForCluster("delphi"));
        cluster.getItems().addAll(saeLensCache, sparsify, delphi);
        cluster.disableProperty().bind(vm.openDictionaryProperty().isNull());
        autointerpItem.setOnAction(e -> AutointerpDialog.ask(stage, vm));
        autointerpItem.disableProperty().bind(vm.openDictionaryProperty().isNull());
        MenuItem quit = new MenuItem("Quit");
        quit.setAccelerator(new KeyCodeCombination(KeyCode.Q, KeyCombination.SHORTCUT_DOWN));
        quit.setOnAction(e -> stage.close());
        MenuItem theme = new MenuItem("Light / dark theme");
        theme.setAccelerator(new KeyCodeCombination(KeyCode.T, KeyCombination.SHORTCUT_DOWN));
        theme.setOnAction(e -> toggleTheme());
        MenuItem about = new MenuItem("About Sparsescope");
        about.setOnAction(e -> showAbout());
        return new MenuBar(
                new Menu(
                        "File",
                        null,
                        open,
                        openSet,
                        measureOn,
                        watchRun,
                        recent,
                        png,
                        svg,
                        csv,
                        html,
                        neuronpedia,
                        cluster,
                        quit),
                new Menu("Analysis", null, autointerpItem),
                new Menu("View", null, theme),
                new Menu("Help", null, about));
    }

    /** The window's stage, which dialogs belong to. */
    Stage stage() {
        return stage;
    }

    /** The About box, shown: what computes, the C heap, the workspace. */
    Alert showAbout() {
        Alert a = new Alert(
                Alert.AlertType.INFORMATION,
                "What sparse autoencoders learned inside language models.\n\nCompute: " + vm.computeDescription() + "\n"
                        + vm.heapDescription() + "\nWorkspace: "
                        + vm.workspace().workspaceDirProperty().get());
        a.setTitle("About Sparsescope");
        a.setHeaderText("Sparsescope 0.1.0");
        a.show();
        return a;
    }

    private ToolBar toolbar() {
        Button open = new Button("Open", new FontIcon("mdi2f-folder-open"));
        open.setOnAction(e -> openDictionaryDialog());
        Button export = new Button("Export plot", new FontIcon("mdi2i-image"));
        export.setOnAction(e -> exportPlot("png"));
        Button theme = new Button("Theme", new FontIcon("mdi2t-theme-light-dark"));
        theme.setOnAction(e -> toggleTheme());
        return new ToolBar(open, export, theme);
    }

    private StatusBar statusBar() {
        StatusBar bar = new StatusBar();
        bar.setId("statusBar");
        ObservableJobs jobs = new ObservableJobs(vm.background());
        bar.textProperty().bind(jobs.text);
        bar.progressProperty().bind(jobs.progress);
        Label device =
                new Label(); // where compute runs, always in sight; asking the engine may load it, so not on this
        // thread
        device.setId("statusDevice");
        vm.background()
                .submit(
                        "Starting the compute engine",
                        (p, c) -> vm.computeDescription(),
                        device::setText,
                        e -> device.setText("compute engine unavailable: " + e.getMessage()));
        device.getStyleClass().add("hint");
        Label models = new Label();
        models.setId("statusModels");
        models.getStyleClass().add("hint");
        models.textProperty().bind(vm.loadedModelsProperty());
        models.visibleProperty().bind(vm.loadedModelsProperty().isNotEmpty());
        models.managedProperty().bind(models.visibleProperty());
        models.setTooltip(new Tooltip("What each loaded model computes in. float32: the reference path. bf16 products:"
                + " weights held in bf16 and multiplied in bf16 (as PyTorch runs a bf16 model), float32 between"
                + " products; numbers within bf16 rounding of float32, about four times faster on CPUs with AVX-512"
                + " BF16. 16-bit weights, float32 products: half the memory of float32, float32's numbers. A model too"
                + " large for float32 gets bf16 products where they are faster on this CPU, 16-bit weights elsewhere;"
                + " SPARSESCOPE_WEIGHTS=float32|compact|bf16|auto sets it before starting."));
        Separator between = new Separator(javafx.geometry.Orientation.VERTICAL);
        between.visibleProperty().bind(models.visibleProperty());
        between.managedProperty().bind(models.visibleProperty());
        bar.getRightItems().addAll(models, between, device);
        return bar;
    }

    /** A summary of running jobs for the status bar. */
    private static final class ObservableJobs {
        final javafx.beans.property.StringProperty text = new javafx.beans.property.SimpleStringProperty("Ready");
        final javafx.beans.property.DoubleProperty progress = new javafx.beans.property.SimpleDoubleProperty(0);

        ObservableJobs(Background background) {
            background.jobs().addListener((ListChangeListener<Background.Job>) c -> rebind(background));
        }

        private void rebind(Background background) {
            text.unbind();
            progress.unbind();
            List<Background.Job> jobs = List.copyOf(background.jobs());
            if (jobs.isEmpty()) {
                text.set("Ready");
                progress.set(0);
                return;
            }
            Background.Job first = jobs.get(0);
            // the message starts as the title: written once, and only when it says more
            text.bind(Bindings.createStringBinding(
                    () -> {
                        String m = first.messageProperty().get();
                        return (jobs.size() > 1 ? "(" + jobs.size() + " jobs) " : "")
                                + first.title()
                                + (m == null || m.isBlank() || m.equals(first.title()) ? "" : ": " + m);
                    },
                    first.messageProperty()));
            progress.bind(first.progressProperty());
        }
    }

    /** Files dropped on the window: each opened as a dictionary (a bad one is reported, the rest still open). */
    void openDropped(java.util.List<java.nio.file.Path> files) {
        for (java.nio.file.Path f : files) {
            vm.workspace().openDictionary(f);
        }
    }

    /** The "Open recent" menu, as built (for a test to click an entry). */
    Menu recentMenu() {
        return recentMenu;
    }

    private Menu recentMenu;

    void openDictionaryDialog() {
        FileChooser c = new FileChooser();
        c.setTitle("Open a dictionary (cfg.json, sae_weights.safetensors, sae.safetensors, ae.pt, learned_dicts.pt)");
        File f = c.showOpenDialog(stage);
        if (f != null) {
            vm.workspace().openDictionary(f.toPath());
        }
    }

    /** The open dictionary's features written out, in the background (the status bar shows the job). */
    private void exportFeatures(String kind) {
        var source = vm.exportSource();
        if (source == null) {
            return;
        }
        File f;
        if (kind.equals("neuronpedia")) {
            javafx.stage.DirectoryChooser c = new javafx.stage.DirectoryChooser();
            c.setTitle("Folder for the Neuronpedia export");
            f = c.showDialog(stage);
        } else {
            FileChooser c = new FileChooser();
            c.setInitialFileName(source.name() + (kind.equals("csv") ? "-features.csv" : "-dashboards.html"));
            f = c.showSaveDialog(stage);
        }
        if (f == null) {
            return;
        }
        switch (kind) {
            case "csv" -> vm.exports().csv(source, f.toPath(), vm.workspace()::fail);
            case "html" -> {
                int selected = vm.features().selectedFeatureProperty().get();
                int[] shown = selected >= 0
                        ? new int[] {selected}
                        : features.table.getItems().stream()
                                .limit(20)
                                .mapToInt(org.sparsescope.viewmodels.features.FeatureRow::index)
                                .toArray();
                vm.exports().html(source, f.toPath(), shown, vm.workspace()::fail);
            }
            default -> vm.exports().neuronpedia(source, f.toPath(), source.modelName(), vm.workspace()::fail);
        }
    }

    /** The open dictionary, its set or its codes in a cluster engine's own files (the status bar shows the job). */
    private void exportForCluster(String kind) {
        var source = vm.exportSource();
        if (source == null) {
            return;
        }
        javafx.stage.DirectoryChooser c = new javafx.stage.DirectoryChooser();
        c.setTitle(
                switch (kind) {
                    case "saelens" -> "New folder for SAELens's cached activations";
                    case "sparsify" -> "sparsify run folder (its hookpoint folder is made inside)";
                    default -> "Folder for delphi's latent cache (latents/)";
                });
        File f = c.showDialog(stage);
        if (f == null) {
            return;
        }
        switch (kind) {
            case "saelens" -> vm.exports().saeLensCache(source, f.toPath(), vm.workspace()::fail);
            case "sparsify" -> {
                String k = "";
                if (vm.exports().sparsifyNeedsK(source)) {
                    javafx.scene.control.TextInputDialog ask = new javafx.scene.control.TextInputDialog(
                            Integer.toString(vm.exports().suggestedK(source)));
                    ask.initOwner(stage);
                    ask.setHeaderText(
                            "sparsify trains TopK only: fine-tune this ReLU dictionary keeping the k largest codes"
                                    + " of each token (offered: its mean L0). This changes which features fire.");
                    ask.setContentText("k");
                    var answer = ask.showAndWait();
                    if (answer.isEmpty()) {
                        return;
                    }
                    k = answer.get();
                }
                vm.exports().sparsify(source, f.toPath(), k, vm.workspace()::fail);
            }
            default -> vm.exports().delphi(source, f.toPath(), vm.workspace()::fail);
        }
    }

    private void exportPlot(String kind) {
        MainViewModel.View shown = vm.shownViewProperty().get().plotShown();
        boolean isGraph = shown == MainViewModel.View.CIRCUITS;
        ScatterPlot plot = shown == MainViewModel.View.FEATURES ? features.plot : frontier.plot;
        FileChooser c = new FileChooser();
        c.setInitialFileName((isGraph ? "sparsescope-graph." : "sparsescope-plot.") + kind);
        File f = c.showSaveDialog(stage);
        if (f == null) {
            return;
        }
        try {
            if (isGraph) {
                if (kind.equals("svg")) {
                    graph.plot.exportSvg(f.toPath());
                } else {
                    graph.plot.exportPng(f.toPath());
                }
            } else if (kind.equals("svg")) {
                plot.exportSvg(f.toPath());
            } else {
                plot.exportPng(f.toPath());
            }
        } catch (java.io.IOException e) {
            vm.workspace().fail(new java.io.IOException(f + ": " + e.getMessage(), e));
        }
    }
}
