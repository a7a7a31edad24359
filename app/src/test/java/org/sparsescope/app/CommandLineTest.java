package org.sparsescope.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.Reference;

class CommandLineTest {
    @TempDir
    Path tmp;

    record Run(int status, String out, String err) {}

    static Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int status = Sparsescope.run(args);
            return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void perplexityJsonGivesTheReferenceCleanCrossEntropy() throws Exception {
        Run r = run(
                "perplexity",
                "--model",
                Reference.path("model").toString(),
                "--text",
                Reference.path("corpus/test.txt").toString(),
                "--window",
                "128",
                "--windows",
                "64",
                "--json");
        assertEquals(0, r.status(), r.err());
        JsonObject got = JsonParser.parseString(r.out()).getAsJsonObject();
        JsonObject ref = JsonParser.parseString(Files.readString(Reference.path("reference.json")))
                .getAsJsonObject();
        assertEquals(
                ref.getAsJsonObject("splice").get("clean_ce").getAsDouble(),
                got.get("mean_cross_entropy").getAsDouble(),
                1e-3);
        assertEquals(
                Math.exp(got.get("mean_cross_entropy").getAsDouble()),
                got.get("perplexity").getAsDouble(),
                1e-9);
        assertEquals(64 * 127, got.get("targets").getAsInt());
    }

    @Test
    void badInputExitsWithStatusTwoAndNamesTheFile() throws Exception {
        Path missing = tmp.resolve("missing.txt");
        Run r = run("perplexity", "--model", Reference.path("model").toString(), "--text", missing.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains(missing.toString()) && r.err().contains("not found"), r.err());

        Path model = tmp.resolve("model");
        Files.createDirectories(model);
        Files.writeString(model.resolve("config.json"), "{\"model_type\": \"mamba\"}");
        Files.writeString(tmp.resolve("t.txt"), "hello");
        Run r2 = run(
                "perplexity",
                "--model",
                model.toString(),
                "--text",
                tmp.resolve("t.txt").toString());
        assertEquals(2, r2.status());
        assertTrue(r2.err().contains("config.json") && r2.err().contains("mamba"), r2.err());
    }

    @Test
    void statsAreComputedOnceThenReadFromTheWorkspaceCache() throws Exception {
        String[] unconfirmed = {
            "stats",
            "--dict",
            Reference.path("saes/l1_4.11e-03").toString(),
            "--activations",
            Reference.path("chunks/0.npy").toString(),
            "--workspace",
            tmp.resolve("ws").toString(),
            "--json"
        };
        Run refused = run(unconfirmed);
        assertEquals(2, refused.status(), "a foreign set of unknown model and hook is not used unconfirmed");
        assertTrue(
                refused.err().contains("chunks/0.npy") && refused.err().contains("blocks.2.hook_resid_post"),
                refused.err());
        // --force confirms the set once; the workspace remembers, so the second run needs no --force
        Run first = run(java.util.stream.Stream.concat(
                        java.util.Arrays.stream(unconfirmed), java.util.stream.Stream.of("--force"))
                .toArray(String[]::new));
        String[] args = unconfirmed;
        assertEquals(0, first.status(), first.err());
        JsonObject a = JsonParser.parseString(first.out()).getAsJsonObject();
        assertEquals(8192, a.get("rows").getAsLong());
        assertEquals(false, a.get("from_cache").getAsBoolean());
        assertEquals(1024, a.getAsJsonArray("kurtosis").size());
        Run second = run(args);
        JsonObject b = JsonParser.parseString(second.out()).getAsJsonObject();
        assertEquals(true, b.get("from_cache").getAsBoolean());
        assertEquals(a.getAsJsonArray("kurtosis"), b.getAsJsonArray("kurtosis"));
    }

    @Test
    void helpAndVersionAreCommandsAndAWordThatIsNoFileIsAMistakeNotAWindow() {
        Run help = run("help");
        assertEquals(0, help.status(), help.err());
        assertTrue(help.out().contains("Commands:") && help.out().contains("workspace"), help.out());
        Run version = run("version");
        assertEquals(0, version.status());
        assertEquals("sparsescope 0.1.0", version.out().strip());
        Run word = run("halp");
        assertEquals(2, word.status(), "no window is started for it");
        assertTrue(
                word.err().contains("'halp' is neither a command nor a file")
                        && word.err().contains("sparsescope help"),
                word.err());
    }

    @Test
    void aDictionaryComparedWithItselfHasMmcsOne() {
        String d = Reference.path("saes/l1_5.01e-04").toString();
        Run r = run("compare", "--dict", d, "--dict", d, "--json");
        assertEquals(0, r.status(), r.err());
        assertEquals(
                1.0,
                JsonParser.parseString(r.out()).getAsJsonObject().get("mmcs").getAsDouble(),
                1e-5);
    }

    @Test
    void compareWithThreeDictionariesGivesTheMcsMatrixRowToColumn() {
        String a = Reference.path("saes/l1_4.11e-03").toString(),
                b = Reference.path("saes/l1_5.01e-04").toString();
        Run r = run(
                "compare",
                "--dict",
                a,
                "--dict",
                b,
                "--dict",
                a,
                "--threshold",
                "0.8",
                "--workspace",
                tmp.resolve("ws-mcs").toString(),
                "--json");
        assertEquals(0, r.status(), r.err());
        JsonObject m = JsonParser.parseString(r.out()).getAsJsonObject();
        var mmcs = m.getAsJsonArray("mmcs");
        assertEquals(3, mmcs.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(1.0, mmcs.get(i).getAsJsonArray().get(i).getAsDouble(), 1e-6, "diagonal");
        }
        assertEquals(1.0, mmcs.get(0).getAsJsonArray().get(2).getAsDouble(), 1e-6, "the same dictionary twice");
        double ab = mmcs.get(0).getAsJsonArray().get(1).getAsDouble();
        Run pair = run(
                "compare",
                "--dict",
                a,
                "--dict",
                b,
                "--workspace",
                tmp.resolve("ws-mcs").toString(),
                "--json");
        assertEquals(
                JsonParser.parseString(pair.out()).getAsJsonObject().get("mmcs").getAsDouble(),
                ab,
                1e-9,
                "row → column is A → B");
        assertEquals(0.8, m.get("threshold").getAsDouble());
        assertEquals(
                1.0,
                m.getAsJsonArray("fraction_at_least_threshold")
                        .get(1)
                        .getAsJsonArray()
                        .get(1)
                        .getAsDouble());
    }

    @Test
    void autointerpTalksToAnOpenAiCompatibleServerStoresAndReusesItsResults() throws Exception {
        // a local server that explains every feature the same way and says yes to every other example
        var server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
        server.createContext("/v1/chat/completions", ex -> {
            requests.incrementAndGet();
            var body = JsonParser.parseString(new String(ex.getRequestBody().readAllBytes(), "UTF-8"))
                    .getAsJsonObject();
            var messages = body.getAsJsonArray("messages");
            String system = messages.get(0).getAsJsonObject().get("content").getAsString();
            String user = messages.get(1).getAsJsonObject().get("content").getAsString();
            String answer;
            if (system.startsWith("You study one feature")) {
                answer = "These look alike.\n[EXPLANATION]: tokens of "
                        + body.get("model").getAsString();
            } else {
                int n = user.split("<example \\d+>", -1).length - 1;
                List<String> yes = new java.util.ArrayList<>();
                for (int i = 0; i < n; i++) {
                    yes.add(i % 2 == 0 ? "1" : "0");
                }
                answer = "[" + String.join(", ", yes) + "]";
            }
            JsonObject reply = new JsonObject();
            var choice = new JsonObject();
            var message = new JsonObject();
            message.addProperty("role", "assistant");
            message.addProperty("content", answer);
            choice.add("message", message);
            var choices = new com.google.gson.JsonArray();
            choices.add(choice);
            reply.add("choices", choices);
            var usage = new JsonObject();
            usage.addProperty("prompt_tokens", 100);
            usage.addProperty("completion_tokens", 10);
            reply.add("usage", usage);
            byte[] b = reply.toString().getBytes("UTF-8");
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        try {
            String[] args = {
                "autointerp",
                "--dict",
                Reference.path("saes/l1_4.11e-03").toString(),
                "--corpus",
                Reference.path("corpus/test.txt").toString(),
                "--tokens",
                "16384",
                "--workspace",
                tmp.resolve("ws-autointerp").toString(),
                "--server",
                "http://127.0.0.1:" + server.getAddress().getPort() + "/v1",
                "--explainer",
                "scripted-7b",
                "--random",
                "3",
                "--seed",
                "5",
                "--json"
            };
            Run first = run(args);
            assertEquals(0, first.status(), first.err());
            JsonObject m = JsonParser.parseString(first.out()).getAsJsonObject();
            assertEquals(3, m.get("features").getAsInt());
            assertEquals(0, m.get("reused").getAsInt());
            assertEquals(0, m.get("unexplained").getAsInt());
            var results = m.getAsJsonArray("results");
            assertEquals(
                    "tokens of scripted-7b",
                    results.get(0).getAsJsonObject().get("explanation").getAsString());
            assertTrue(m.get("prompt_tokens").getAsLong() > 0);
            int asked = requests.get();
            Run second = run(args);
            assertEquals(0, second.status(), second.err());
            JsonObject again = JsonParser.parseString(second.out()).getAsJsonObject();
            assertEquals(3, again.get("reused").getAsInt());
            assertEquals(asked, requests.get(), "nothing asked again");
            assertEquals(
                    m.get("detection_mean").getAsDouble(),
                    again.get("detection_mean").getAsDouble(),
                    1e-12);

            // the neuron basis at the same hook, explained the same way and stored apart from the dictionary
            String[] baseline = java.util.Arrays.copyOf(args, args.length + 2);
            baseline[args.length] = "--baseline";
            baseline[args.length + 1] = "neurons";
            Run neurons = run(baseline);
            assertEquals(0, neurons.status(), neurons.err());
            JsonObject nb = JsonParser.parseString(neurons.out()).getAsJsonObject();
            assertEquals("baseline neurons", nb.get("explained").getAsString());
            assertEquals(0, nb.get("reused").getAsInt(), "not the dictionary's stored results");
            for (var r : nb.getAsJsonArray("results")) {
                assertTrue(r.getAsJsonObject().get("feature").getAsInt() < 256, "a feature is a dimension of d = 256");
            }

            // the export carries the dictionary's explanations
            Path csv = tmp.resolve("explained.csv");
            Run export = run(
                    "export",
                    "csv",
                    "--dict",
                    Reference.path("saes/l1_4.11e-03").toString(),
                    "--workspace",
                    tmp.resolve("ws-autointerp").toString(),
                    "--out",
                    csv.toString());
            assertEquals(0, export.status(), export.err());
            String text = java.nio.file.Files.readString(csv);
            assertTrue(text.lines().findFirst().orElseThrow().endsWith("explanation,detection,fuzzing,explainer"));
            assertEquals(
                    3,
                    text.lines()
                            .filter(l -> l.contains("tokens of scripted-7b"))
                            .count(),
                    "3 explained rows");
        } finally {
            server.stop(0);
        }
        Run wrongServer = run(
                "autointerp",
                "--dict",
                Reference.path("saes/l1_4.11e-03").toString(),
                "--corpus",
                Reference.path("corpus/test.txt").toString(),
                "--tokens",
                "16384",
                "--workspace",
                tmp.resolve("ws-autointerp").toString(),
                "--server",
                "http://127.0.0.1:9/v1",
                "--explainer",
                "x",
                "--features",
                "1");
        assertEquals(4, wrongServer.status(), wrongServer.err());
        assertTrue(
                wrongServer.err().contains("127.0.0.1:9") && wrongServer.err().contains("unreachable"),
                wrongServer.err());
    }

    @Test
    void autointerpAndServeNameWhatIsMissingOrWrong() {
        String dict = Reference.path("saes/l1_4.11e-03").toString();
        Run neither = run("autointerp", "--dict", dict, "--features", "1");
        assertEquals(2, neither.status());
        assertTrue(neither.err().contains("give --explainer (a server's model) or --local-model"), neither.err());
        Run badBaseline = run("autointerp", "--dict", dict, "--explainer", "x", "--features", "1", "--baseline", "pca");
        assertEquals(2, badBaseline.status());
        assertTrue(badBaseline.err().contains("--baseline is neurons or random, not pca"), badBaseline.err());
        Run steerAlone = run("serve", "--model", Reference.path("model").toString(), "--steer", "1:2.0");
        assertEquals(2, steerAlone.status());
        assertTrue(steerAlone.err().contains("give --dict"), steerAlone.err());
    }

    @Test
    void clusterRecipeWritesTheSweepAsSparsifyCommandsAndSaeLensScripts() throws Exception {
        Path out = tmp.resolve("recipe");
        Run r = run(
                "cluster",
                "recipe",
                "--model",
                "EleutherAI/pythia-70m",
                "--hooks",
                "blocks.2.hook_resid_post,blocks.3.hook_resid_post",
                "--d",
                "512",
                "--topk",
                "16,32",
                "--l1",
                "1e-3",
                "--tied-l1",
                "1e-3",
                "--ratio",
                "8",
                "--context",
                "256",
                "--gpus",
                "2",
                "--cached",
                "blocks.2.hook_resid_post=/data/cache2",
                "--out",
                out.toString());
        assertEquals(0, r.status(), r.err());
        List<String> sh = java.nio.file.Files.readAllLines(out.resolve("sparsify.sh"));
        List<String> runs = sh.stream().filter(l -> l.startsWith("torchrun")).toList();
        assertEquals(2, runs.size(), String.join("\n", sh));
        assertTrue(runs.get(0).contains("--hookpoints layers.2 layers.3"), runs.get(0));
        assertTrue(runs.get(0).contains("--num_latents 4096 -k 16 --ctx_len 256 --distribute_modules"), runs.get(0));
        String py = java.nio.file.Files.readString(out.resolve("saelens_blocks_2_hook_resid_post.py"));
        assertTrue(py.contains("StandardTrainingSAEConfig(d_in=512, d_sae=4096, l1_coefficient=0.001)"), py);
        assertTrue(py.contains("TopKTrainingSAEConfig(d_in=512, d_sae=4096, k=32)"), py);
        assertTrue(py.contains("cached_activations_path=\"/data/cache2\""), py);
        String readme = java.nio.file.Files.readString(out.resolve("README.md"));
        assertTrue(readme.contains("Left out (tied"), readme);
        Run again = run(
                "cluster",
                "recipe",
                "--model",
                "m",
                "--hooks",
                "blocks.2.hook_resid_post",
                "--d",
                "512",
                "--topk",
                "16",
                "--out",
                out.toString());
        assertEquals(2, again.status(), "a recipe never overwrites one: " + again.err());
    }

    @Test
    void clusterActivationsOfASetWithoutWindowsAsksForItsContext() throws Exception {
        Path set = tmp.resolve("synthetic-for-cluster");
        assertEquals(
                0,
                run("synth", "--d", "8", "--features", "16", "--rows", "1000", "--out", set.toString())
                        .status());
        Run refused = run(
                "cluster",
                "activations",
                "--set",
                set.toString(),
                "--out",
                tmp.resolve("c1").toString());
        assertEquals(2, refused.status(), refused.err());
        assertTrue(refused.err().contains("context"), refused.err());
        Run done = run(
                "cluster",
                "activations",
                "--set",
                set.toString(),
                "--context",
                "64",
                "--out",
                tmp.resolve("c2").toString(),
                "--json");
        assertEquals(0, done.status(), done.err());
        JsonObject m = JsonParser.parseString(done.out()).getAsJsonObject();
        assertEquals("synthetic", m.get("hook").getAsString());
        assertEquals(15, m.get("windows").getAsLong());
        assertEquals(40, m.get("rows_left_out").getAsLong());
        assertFalse(m.get("token_ids").getAsBoolean());
    }

    @Test
    void synthThenTrainThenTruthReportsRecoveryOfTheGeneratorsFeatures() {
        String ws = tmp.resolve("ws-synth").toString();
        Path set = tmp.resolve("synthetic"), out = tmp.resolve("synthetic-dicts");
        Run made = run(
                "synth",
                "--d",
                "16",
                "--features",
                "32",
                "--active",
                "2",
                "--decay",
                "0.99",
                "--rows",
                "20000",
                "--seed",
                "3",
                "--out",
                set.toString(),
                "--json");
        assertEquals(0, made.status(), made.err());
        JsonObject m = JsonParser.parseString(made.out()).getAsJsonObject();
        assertEquals("synthetic", m.get("hook").getAsString());
        assertEquals(20000, m.get("rows").getAsLong());
        assertEquals(2.0, m.get("true_l0").getAsDouble(), 0.05);
        Run trained = run(
                "train",
                "--activations",
                set.toString(),
                "--l1",
                "1e-2",
                "--ratio",
                "2",
                "--batch",
                "256",
                "--epochs",
                "4",
                "--out",
                out.toString(),
                "--workspace",
                ws);
        assertEquals(0, trained.status(), trained.err());
        Run truth = run("truth", out.resolve("l1_1.00e-02_f32").toString(), "--workspace", ws, "--json");
        assertEquals(0, truth.status(), truth.err());
        JsonObject t = JsonParser.parseString(truth.out()).getAsJsonObject();
        assertEquals(m.get("model").getAsString(), t.get("model").getAsString());
        JsonObject row = t.getAsJsonArray("dictionaries").get(0).getAsJsonObject();
        assertEquals("l1 0.01", row.get("setting").getAsString());
        double found = row.get("truthMmcs").getAsDouble();
        assertTrue(found > 0.5 && found <= 1.0, "MMCS to the truth " + found);
        // a harvested dictionary is refused on the synthetic set, by name
        Run refused = run(
                "truth",
                Reference.path("saes/l1_4.11e-03").toString(),
                "--activations",
                set.toString(),
                "--workspace",
                ws);
        assertEquals(2, refused.status(), refused.err());
        assertTrue(refused.err().contains("reference-neox-6l") || refused.err().contains("synthetic"), refused.err());
        Run basis = run("baseline", "basis", "--activations", set.toString(), "--workspace", ws, "--json");
        assertEquals(0, basis.status(), basis.err());
        var lines = JsonParser.parseString(basis.out()).getAsJsonObject().getAsJsonArray("lines");
        var neurons = lines.get(0).getAsJsonObject().getAsJsonArray("points");
        assertEquals(
                0.0,
                neurons.get(neurons.size() - 1).getAsJsonObject().get("fvu").getAsDouble(),
                1e-9);
    }

    @Test
    void thePcaBaselineIsComputedOnceThenReadFromTheWorkspaceCache() {
        String[] args = {
            "baseline",
            "pca",
            "--activations",
            Reference.path("chunks/0.npy").toString(),
            "--held-out",
            "1024",
            "--k",
            "192",
            "--workspace",
            tmp.resolve("ws-pca").toString(),
            "--json"
        };
        Run first = run(args), second = run(args);
        assertEquals(0, first.status(), first.err());
        JsonObject a = JsonParser.parseString(first.out()).getAsJsonObject(),
                b = JsonParser.parseString(second.out()).getAsJsonObject();
        assertTrue(!a.get("cached").getAsBoolean() && b.get("cached").getAsBoolean());
        assertEquals(a.getAsJsonArray("points"), b.getAsJsonArray("points"));
        var points = a.getAsJsonArray("points");
        assertEquals(10, points.size(), "1, 2, 4, …, 128, 192 and 256");
        assertEquals(
                0.0, points.get(points.size() - 1).getAsJsonObject().get("fvu").getAsDouble(), 1e-6);
        assertEquals(7168, a.get("train_rows").getAsLong());
    }

    @Test
    void trainTakesTiedMembersBesideUntiedOnesAndSavesThemMarkedTied() throws Exception {
        Run r = run(
                "train",
                "--activations",
                Reference.path("chunks/0.npy").toString(),
                "--l1",
                "1e-3",
                "--tied-l1",
                "1e-3",
                "--ratio",
                "0.25",
                "--batch",
                "512",
                "--epochs",
                "1",
                "--held-out",
                "1024",
                "--out",
                tmp.resolve("sweep").toString(),
                "--json");
        assertEquals(0, r.status(), r.err());
        var rows = JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonArray("dictionaries");
        assertEquals(2, rows.size());
        JsonObject tied = rows.get(1).getAsJsonObject();
        assertEquals("tied_l1_1.00e-03_f64", tied.get("name").getAsString());
        assertTrue(tied.get("tied").getAsBoolean()
                && !rows.get(0).getAsJsonObject().get("tied").getAsBoolean());
        JsonObject sidecar = JsonParser.parseString(
                        Files.readString(tmp.resolve("sweep/tied_l1_1.00e-03_f64/sparsescope.json")))
                .getAsJsonObject();
        assertTrue(sidecar.getAsJsonObject("training").get("tied").getAsBoolean());
        assertTrue(sidecar.getAsJsonObject("held_out").has("relative_reconstruction_bias"));
    }

    @Test
    void graphComputesOnceThenReadsTheWorkspaceCacheAndRefusesAnUpstreamChain() throws Exception {
        // the second reference dictionary, stated to read a later hook of the same model
        Path later = tmp.resolve("later");
        Files.createDirectories(later);
        Path src = Reference.path("saes/l1_5.01e-04");
        Files.copy(src.resolve("sae_weights.safetensors"), later.resolve("sae_weights.safetensors"));
        Files.writeString(
                later.resolve("cfg.json"),
                Files.readString(src.resolve("cfg.json"))
                        .replace("blocks.2.hook_resid_post", "blocks.4.hook_resid_post")
                        .replace("\"hook_layer\": 2", "\"hook_layer\": 4"));
        String[] args = {
            "graph",
            "--dict",
            Reference.path("saes/l1_4.11e-03").toString(),
            "--dict",
            later.toString(),
            "--features",
            "5,9",
            "--text",
            Reference.path("corpus/test.txt").toString(),
            "--windows",
            "2",
            "--window",
            "64",
            "--workspace",
            tmp.resolve("ws").toString(),
            "--json"
        };
        Run first = run(args);
        assertEquals(0, first.status(), first.err());
        JsonObject g = JsonParser.parseString(first.out()).getAsJsonObject();
        assertEquals("sparsescope.feature_graph/1", g.get("format").getAsString());
        assertEquals(
                "blocks.4.hook_resid_post",
                g.getAsJsonArray("layers").get(1).getAsJsonObject().get("hook").getAsString());
        assertEquals(
                2,
                g.getAsJsonArray("stages")
                        .get(0)
                        .getAsJsonObject()
                        .getAsJsonArray("weights")
                        .size());
        assertEquals(
                1024,
                g.getAsJsonArray("stages")
                        .get(0)
                        .getAsJsonObject()
                        .getAsJsonArray("weights")
                        .get(0)
                        .getAsJsonArray()
                        .size());
        assertTrue(!g.get("from_cache").getAsBoolean());
        Run second = run(args);
        assertEquals(0, second.status(), second.err());
        JsonObject g2 = JsonParser.parseString(second.out()).getAsJsonObject();
        assertTrue(g2.get("from_cache").getAsBoolean(), "the same graph again is a file read");
        assertEquals(g.getAsJsonArray("edges"), g2.getAsJsonArray("edges"));

        Run backwards = run(
                "graph",
                "--dict",
                later.toString(),
                "--dict",
                Reference.path("saes/l1_4.11e-03").toString(),
                "--features",
                "5",
                "--text",
                Reference.path("corpus/test.txt").toString(),
                "--windows",
                "1",
                "--workspace",
                tmp.resolve("ws").toString());
        assertEquals(2, backwards.status());
        assertTrue(backwards.err().contains("does not come after"), backwards.err());
    }

    @Test
    void outliersAndTheWorstTokensOfASpliceAreReported() {
        Run o = run(
                "outliers",
                "--model",
                Reference.path("model").toString(),
                "--hook",
                "blocks.2.hook_resid_post",
                "--top",
                "2",
                "--fill",
                "mean",
                "--text",
                Reference.path("corpus/test.txt").toString(),
                "--windows",
                "2",
                "--window",
                "64",
                "--json");
        assertEquals(0, o.status(), o.err());
        var dims = JsonParser.parseString(o.out()).getAsJsonObject().getAsJsonArray("dimensions");
        assertEquals(2, dims.size());
        assertTrue(dims.get(0).getAsJsonObject().get("mean_abs").getAsDouble()
                >= dims.get(1).getAsJsonObject().get("mean_abs").getAsDouble());
        Run s = run(
                "splice",
                "--dict",
                Reference.path("saes/l1_4.11e-03").toString(),
                "--worst",
                "3",
                "--text",
                Reference.path("corpus/test.txt").toString(),
                "--windows",
                "2",
                "--window",
                "64",
                "--workspace",
                tmp.resolve("ws2").toString(),
                "--json");
        assertEquals(0, s.status(), s.err());
        var worst = JsonParser.parseString(s.out()).getAsJsonObject().getAsJsonArray("worst_tokens");
        assertEquals(3, worst.size());
        assertTrue(worst.get(0).getAsJsonObject().get("delta").getAsDouble()
                >= worst.get(2).getAsJsonObject().get("delta").getAsDouble());
        assertTrue(worst.get(0).getAsJsonObject().getAsJsonArray("features").size() > 0);
    }

    @Test
    void anAblationInsideTheReconstructionPrintsTheSplicedRunAndTheChangeAgainstIt() {
        Run r = run(
                "ablate",
                "--dict",
                Reference.path("saes/l1_4.11e-03").toString(),
                "--features",
                "519",
                "--mode",
                "reconstruction",
                "--text",
                Reference.path("corpus/test.txt").toString(),
                "--windows",
                "2",
                "--window",
                "64",
                "--workspace",
                tmp.resolve("ws").toString(),
                "--json");
        assertEquals(0, r.status(), r.err());
        JsonObject got = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("spliced", got.get("delta_against").getAsString());
        assertEquals(
                got.get("ce").getAsDouble() - got.get("spliced_ce").getAsDouble(),
                got.get("delta_ce").getAsDouble(),
                1e-9);
        assertTrue(
                got.get("spliced_ce").getAsDouble() > got.get("clean_ce").getAsDouble(),
                "the splice costs this dictionary loss");
        assertEquals(
                "ablate feature 519 (inside the reconstruction)",
                got.get("intervention").getAsString());
        Run keep = run(
                "ablate",
                "--dict",
                Reference.path("saes/l1_4.11e-03").toString(),
                "--features",
                "519",
                "--text",
                Reference.path("corpus/test.txt").toString(),
                "--windows",
                "2",
                "--window",
                "64",
                "--workspace",
                tmp.resolve("ws").toString(),
                "--json");
        JsonObject k = JsonParser.parseString(keep.out()).getAsJsonObject();
        assertEquals("clean", k.get("delta_against").getAsString());
        assertEquals(
                k.get("ce").getAsDouble() - k.get("clean_ce").getAsDouble(),
                k.get("delta_ce").getAsDouble(),
                1e-9);
        assertTrue(!k.has("spliced_ce"));
    }

    @Test
    void trainingASmallSetAdaptsItsDefaultsAndSaysWhenARunIsTooShort() throws Exception {
        String set = Reference.path("chunks/0.npy").toString(); // 8,192 rows
        Run tooMany = run(
                "train",
                "--activations",
                set,
                "--l1",
                "4e-3",
                "--ratio",
                "1",
                "--held-out",
                "10000",
                "--out",
                tmp.resolve("a").toString());
        assertEquals(2, tooMany.status());
        assertTrue(tooMany.err().contains("--held-out 10000") && tooMany.err().contains("(819)"), tooMany.err());

        Run shortRun = run(
                "train",
                "--activations",
                set,
                "--l1",
                "4e-3",
                "--ratio",
                "1",
                "--epochs",
                "1",
                "--batch",
                "2048",
                "--out",
                tmp.resolve("b").toString(),
                "--json");
        assertEquals(0, shortRun.status(), shortRun.err());
        assertEquals(
                3,
                JsonParser.parseString(shortRun.out())
                        .getAsJsonObject()
                        .get("steps")
                        .getAsInt(),
                "(8,192 − 819) / 2,048 whole batches");
        assertTrue(shortRun.err().contains("only 3 steps") && shortRun.err().contains("--batch"), shortRun.err());

        Run adapted = run(
                "train",
                "--activations",
                set,
                "--l1",
                "4e-3",
                "--ratio",
                "1",
                "--epochs",
                "2",
                "--out",
                tmp.resolve("c").toString(),
                "--json");
        assertEquals(0, adapted.status(), adapted.err());
        // a tenth held out (819 rows), and the batch halved from 2,048 until two epochs make 200 steps or more: 64
        assertEquals(
                2 * ((8192 - 819) / 64),
                JsonParser.parseString(adapted.out())
                        .getAsJsonObject()
                        .get("steps")
                        .getAsInt());
        assertTrue(!adapted.err().contains("too short"), adapted.err());
    }

    @Test
    void aMistypedOrMissingHookIsRefusedByNameBeforeAnyHarvest() throws Exception {
        Run typo = run(
                "stats",
                "--dict",
                Reference.path("saes/l1_4.11e-03").toString(),
                "--model",
                Reference.path("model").toString(),
                "--hook",
                "blocks.2.hook_resid_postt",
                "--workspace",
                tmp.resolve("ws").toString());
        assertEquals(2, typo.status());
        assertTrue(
                typo.err().contains("did you mean blocks.2.hook_resid_post?")
                        && !typo.err().contains("--force"),
                typo.err());

        Path out = tmp.resolve("deep");
        Run deep = run(
                "harvest",
                "--model",
                Reference.path("model").toString(),
                "--hook",
                "blocks.9.hook_resid_post",
                "--corpus",
                Reference.path("corpus/val.txt").toString(),
                "--tokens",
                "2048",
                "--out",
                out.toString());
        assertEquals(2, deep.status());
        assertTrue(deep.err().contains("blocks.0 … blocks.5"), deep.err());
        assertTrue(!Files.exists(out) || Files.list(out).findAny().isEmpty(), "nothing harvested");

        Run pastDepth = run(
                "stats",
                "--dict",
                Reference.path("saes/l1_4.11e-03").toString(),
                "--model",
                Reference.path("model").toString(),
                "--hook",
                "blocks.9.hook_resid_post",
                "--force",
                "--workspace",
                tmp.resolve("ws").toString());
        assertEquals(2, pastDepth.status());
        assertTrue(
                pastDepth.err().contains("has no hook 'blocks.9.hook_resid_post'")
                        && !pastDepth.err().contains("harvesting"),
                pastDepth.err());

        // a sparsify folder's hookpoint names its hook: only the model is asked for
        Run sparsify = run(
                "eval",
                "--dict",
                Reference.path("formats/sparsify/layers.2").toString(),
                "--workspace",
                tmp.resolve("ws").toString());
        assertEquals(2, sparsify.status());
        assertTrue(
                sparsify.err().contains("the hook blocks.2.hook_resid_post")
                        && sparsify.err().contains("--model)")
                        && !sparsify.err().contains("--hook"),
                sparsify.err());
    }

    @Test
    void anUnforeseenFailureIsOneLineNamingWhereItsTraceWent() throws Exception {
        String before = System.getProperty("sparsescope.cacheDir");
        System.setProperty("sparsescope.cacheDir", tmp.resolve("cache").toString());
        try {
            String line = Sparsescope.failureReport(new IllegalStateException("the engine ran out of luck"));
            Path report = tmp.resolve("cache/last-error.txt");
            assertEquals("unexpected failure: the engine ran out of luck (the details are in " + report + ")", line);
            assertTrue(
                    Files.readString(report).contains("java.lang.IllegalStateException: the engine ran out of luck"));
            assertTrue(Files.readString(report).contains("\tat "), "the whole trace is kept there");
        } finally {
            if (before == null) {
                System.clearProperty("sparsescope.cacheDir");
            } else {
                System.setProperty("sparsescope.cacheDir", before);
            }
        }
    }
}
