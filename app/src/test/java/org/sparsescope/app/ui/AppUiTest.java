package org.sparsescope.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import javafx.geometry.Point2D;
import javafx.scene.control.TableView;
import javafx.stage.Stage;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.sparsescope.app.Resources;
import org.sparsescope.app.Sparsescope;
import org.sparsescope.viewmodels.features.FeatureRow;
import org.sparsescope.viewmodels.frontier.FrontierPoint;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The real window, headless (Monocle), on the embedded demo: the flows a researcher goes through. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AppUiTest extends WindowTest {
    private static Path workspace;

    @Start
    void start(Stage stage) throws Exception {
        // one window for the whole class: the tests follow one researcher's session
        if (app == null) {
            workspace = Files.createTempDirectory("sparsescope-ui");
        }
        openOnce(stage, workspace, List.of(), 40_000, 1400, 880);
    }

    private void openDemoAndWait() throws Exception {
        waitFor(
                "both demo dictionaries on the frontier",
                180,
                () -> app.vm().frontier().points().size() >= 2);
    }

    @Test
    @Order(1)
    void theDemoWorkspaceOpensWithItsDictionariesOnTheFrontier(FxRobot robot) throws Exception {
        openDemoAndWait();
        TableView<?> table = robot.lookup("#dictionaryTable").queryAs(TableView.class);
        assertEquals(2, table.getItems().size());
        assertTrue(Files.exists(app.vm().workspace().activationsProperty().get().resolve("manifest.json")));
    }

    @Test
    @Order(2)
    void draggingARectangleOnTheFrontierSelectsBothPoints(FxRobot robot) throws Exception {
        openDemoAndWait();
        // the baselines re-fit the plot when they arrive: points move then, so drag only after
        waitFor(
                "the frontier's baselines",
                180,
                () -> app.vm().frontier().baselineProperty().get() != null);
        WaitForAsyncUtils.waitForFxEvents();
        var plot = app.window().frontier.plot;
        robot.clickOn("Frontier");
        WaitForAsyncUtils.waitForFxEvents();
        List<FrontierPoint> pts = List.copyOf(app.vm().frontier().points());
        Point2D a = plot.localToScreen(plot.screenPosition(pts.get(0).id()));
        Point2D b = plot.localToScreen(plot.screenPosition(pts.get(1).id()));
        Point2D from = new Point2D(Math.min(a.getX(), b.getX()) - 20, Math.min(a.getY(), b.getY()) - 20);
        Point2D to = new Point2D(Math.max(a.getX(), b.getX()) + 20, Math.max(a.getY(), b.getY()) + 20);
        robot.drag(from).moveTo(to).release(javafx.scene.input.MouseButton.PRIMARY);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(2, app.vm().frontier().selection().size());
        TableView<?> table = robot.lookup("#dictionaryTable").queryAs(TableView.class);
        assertEquals(
                2,
                table.getSelectionModel().getSelectedItems().size(),
                "the dictionary table shows the same selection");
    }

    private String sparseId() {
        return app.vm().frontier().points().stream()
                .max(Comparator.comparingDouble(FrontierPoint::fvu))
                .orElseThrow()
                .id();
    }

    @Test
    @Order(3)
    void sortingTheFeatureTableByKurtosisPutsTheMaximumFirst(FxRobot robot) throws Exception {
        openDemoAndWait();
        robot.interact(() -> app.vm().open(sparseId()));
        waitFor("the feature table", 180, () -> app.vm().features().rows().size() == 1024);
        // the header as it is on screen: a header the table has just rebuilt can still match the id without a scene
        javafx.scene.Node header = robot.lookup("#column-kurtosis")
                .match(n -> n.getScene() != null
                        && n.isVisible()
                        && n.getScene().getWindow() != null
                        && n.getScene().getWindow().isShowing())
                .query();
        robot.clickOn(header);
        robot.clickOn(header); // the second click sorts descending
        WaitForAsyncUtils.waitForFxEvents();
        @SuppressWarnings("unchecked")
        TableView<FeatureRow> table = robot.lookup("#featureTable").queryAs(TableView.class);
        double max = app.vm().features().rows().stream()
                .mapToDouble(FeatureRow::kurtosis)
                .filter(v -> !Double.isNaN(v))
                .max()
                .orElseThrow();
        assertEquals(max, table.getItems().get(0).kurtosis());
    }

    @Test
    @Order(4)
    void clickingAFeatureShowsItsExamples(FxRobot robot) throws Exception {
        @SuppressWarnings("unchecked")
        TableView<FeatureRow> table = robot.lookup("#featureTable").queryAs(TableView.class);
        FeatureRow first = table.getItems().get(0);
        // the row that shows the first item: the virtual flow keeps spare cells, and the first cell in the scene graph
        // may be one of them, off screen or empty, where a click selects nothing
        WaitForAsyncUtils.waitForFxEvents();
        javafx.scene.Node row = robot.lookup("#featureTable .table-row-cell")
                .match(n -> n instanceof javafx.scene.control.TableRow<?> r
                        && r.getIndex() == 0
                        && r.getItem() != null
                        && r.isVisible()
                        && r.localToScene(r.getBoundsInLocal()).getMinY() >= 0)
                .query();
        robot.clickOn(row);
        try {
            waitFor(
                    "examples of the clicked feature",
                    120,
                    () -> !app.vm().detail().topExamples().isEmpty());
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; DIAG feature "
                    + app.vm().features().selectedFeatureProperty().get() + " detail "
                    + app.vm().detail().featureProperty().get() + " jobs "
                    + app.background().jobs().stream().map(j -> j.title()).toList()
                    + " first " + first.index() + " tab "
                    + app.window().tabs.getSelectionModel().getSelectedIndex());
        }
        assertEquals(first.index(), app.vm().detail().featureProperty().get());
        javafx.scene.layout.VBox examples = robot.lookup("#topExamples").queryAs(javafx.scene.layout.VBox.class);
        assertFalse(examples.getChildren().isEmpty(), "token-highlighted examples are shown");
    }

    @Test
    @Order(5)
    void anAblationShowsThePerplexityChangeTheCommandLinePrints(FxRobot robot) throws Exception {
        robot.interact(() -> app.vm().open(sparseId()));
        waitFor("the feature table", 180, () -> app.vm().features().rows().size() == 1024);
        robot.clickOn("Ablation");
        assertEquals(
                org.sparsescope.viewmodels.MainViewModel.View.ABLATION,
                app.vm().shownViewProperty().get(),
                "the view-model knows the shown view");
        robot.interact(() -> app.vm().ablation().windowsProperty().set(4));
        robot.doubleClickOn("#ablationFeatures").eraseText(8).write("519");
        robot.clickOn("#ablationRun");
        waitFor(
                "the ablation result",
                180,
                () -> !app.vm().ablation().runningProperty().get()
                        && !Double.isNaN(
                                app.vm().ablation().deltaPerplexityProperty().get()));
        double shown = app.vm().ablation().deltaPerplexityProperty().get();
        double shownCe = app.vm().ablation().deltaCeProperty().get();
        String label = robot.lookup("#ablationDelta").queryLabeled().getText();
        assertEquals(
                org.sparsescope.viewmodels.Numbers.signed(shownCe, 4) + " nats  (ppl "
                        + org.sparsescope.viewmodels.Numbers.signed(shown, 3) + ")",
                label);

        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = Sparsescope.run(
                    "ablate",
                    "--workspace",
                    workspace.toString(),
                    "--model",
                    Resources.demo().model().toString(),
                    "--dict",
                    sparseId(),
                    "--features",
                    "519",
                    "--text",
                    Resources.demo().corpus().toString(),
                    "--windows",
                    "4",
                    "--json");
        } finally {
            System.setOut(old);
        }
        assertEquals(0, status);
        var printed =
                JsonParser.parseString(buf.toString(StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals(printed.get("delta_perplexity").getAsDouble(), shown, 1e-9);
        assertEquals(printed.get("delta_ce").getAsDouble(), shownCe, 1e-9);
    }

    @Test
    @Order(6)
    void aTinyTrainingRunStartsAndCancels(FxRobot robot) throws Exception {
        robot.clickOn("Training");
        robot.interact(() -> {
            app.vm().training().l1ValuesProperty().set("4e-3");
            app.vm().training().ratiosProperty().set("1");
            app.vm().training().epochsProperty().set(20);
        });
        robot.clickOn("#trainStart");
        waitFor(
                "training to run",
                60,
                () -> app.vm().training().runningProperty().get()
                        && !app.vm().training().points().isEmpty());
        robot.clickOn("#trainCancel");
        waitFor(
                "training to stop",
                60,
                () -> !app.vm().training().runningProperty().get());
        assertTrue(
                app.vm().training().statusProperty().get().startsWith("cancelled"),
                app.vm().training().statusProperty().get());
        assertTrue(
                app.vm().frontier().points().stream().noneMatch(FrontierPoint::live), "live points leave with the run");
    }
}
