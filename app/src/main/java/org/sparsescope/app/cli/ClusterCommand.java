package org.sparsescope.app.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sparsescope.compute.Devices;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.activations.Corpus;
import org.sparsescope.compute.dictionary.format.SparsifyWriter;
import org.sparsescope.compute.handoff.DelphiLatentCache;
import org.sparsescope.compute.handoff.RunRecipe;
import org.sparsescope.compute.handoff.SaeLensCachedActivations;
import org.sparsescope.compute.handoff.SparsifyTokens;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.TransformerConfig;
import org.sparsescope.compute.work.Cancellation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "cluster",
        mixinStandardHelpOptions = true,
        description = {
            "Hand work to the engines researchers run on GPU clusters, as their own files: an activation set as SAELens "
                    + "cached activations, a corpus as sparsify's input_ids, a dictionary in sparsify's layout (to "
                    + "--finetune), a dictionary's codes as delphi's latent cache, and a sweep as sparsify command lines "
                    + "and SAELens scripts. Nothing is launched or uploaded."
        },
        subcommands = {
            ClusterCommand.Activations.class,
            ClusterCommand.Tokens.class,
            ClusterCommand.DictionaryExport.class,
            ClusterCommand.Delphi.class,
            ClusterCommand.Recipe.class
        })
public final class ClusterCommand {

    @Command(
            name = "activations",
            mixinStandardHelpOptions = true,
            description = "An activation set as SAELens cached activations (a datasets save_to_disk folder of Arrow "
                    + "files: the hook's Array2D(context, d_in) and token_ids), streamed.")
    public static final class Activations implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--set", required = true, description = "activation set folder or file")
        Path set;

        @Option(names = "--out", required = true, description = "new folder to write")
        Path out;

        @Option(
                names = "--hook",
                converter = HookPointConverter.class,
                description = "the hook's name, for a set that records none")
        HookPoint hook;

        @Option(
                names = "--context",
                defaultValue = "0",
                description = "tokens per window, for a set that records no windows")
        int context;

        @Option(names = "--json", description = "print the result as JSON")
        boolean json;

        @Override
        public Integer call() throws Exception {
            TerminalProgress bar = new TerminalProgress(spec.commandLine().getErr());
            SaeLensCachedActivations.Result r;
            try (ActivationSet s = ActivationSet.open(set)) {
                r = SaeLensCachedActivations.export(s, out, hook, context, bar, new Cancellation());
            }
            bar.done();
            var o = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("out", out.toAbsolutePath().toString());
                m.put("hook", r.hook().name());
                m.put("context", r.context());
                m.put("d_in", r.d());
                m.put("dtype", r.dtype());
                m.put("windows", r.examples());
                m.put("rows_left_out", r.rowsLeftOut());
                m.put("token_ids", r.tokenIds());
                m.put("shards", r.shards());
                m.put("seconds", r.seconds());
                m.put("rows_per_second", r.rowsPerSecond());
                Json.print(o, m);
            } else {
                o.printf(
                        Locale.ROOT,
                        "wrote %s: %,d windows of %d × %d (%s)%s in %d shard(s), %.1f s (%,.0f rows/s)%n",
                        out,
                        r.examples(),
                        r.context(),
                        r.d(),
                        r.dtype(),
                        r.tokenIds() ? " with token_ids" : "",
                        r.shards(),
                        r.seconds(),
                        r.rowsPerSecond());
                if (r.rowsLeftOut() > 0) {
                    o.printf(Locale.ROOT, "%,d rows after the last whole window left out%n", r.rowsLeftOut());
                }
                o.printf(
                        Locale.ROOT,
                        "SAELens: use_cached_activations=True, cached_activations_path=\"%s\", hook_name=\"%s\", "
                                + "context_size=%d, d_in=%d%n",
                        out,
                        r.hook(),
                        r.context(),
                        r.d());
            }
            return 0;
        }
    }

    @Command(
            name = "tokens",
            mixinStandardHelpOptions = true,
            description =
                    "A corpus tokenized for a model as sparsify's data: a datasets folder of input_ids, int32 rows "
                            + "of the context length (the windows a harvest reads).")
    public static final class Tokens implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--corpus", required = true, description = "text, .txt.xz, .jsonl or .parquet")
        Path corpus;

        @Option(names = "--model", required = true, description = "model folder (its tokenizer.json is used)")
        Path model;

        @Option(names = "--context", required = true, description = "tokens per row (sparsify's --ctx_len)")
        int context;

        @Option(names = "--rows", defaultValue = "0", description = "rows to write (default: all whole rows)")
        long rows;

        @Option(names = "--out", required = true, description = "new folder to write")
        Path out;

        @Override
        public Integer call() throws Exception {
            TerminalProgress bar = new TerminalProgress(spec.commandLine().getErr());
            var r = SparsifyTokens.export(Corpus.open(corpus), model, context, rows, out, bar, new Cancellation());
            bar.done();
            spec.commandLine()
                    .getOut()
                    .printf(
                            Locale.ROOT,
                            "wrote %s: %,d rows of %d tokens%s (%.1f s)%nsparsify: python -m sparsify MODEL %s --ctx_len %d%n",
                            out,
                            r.rows(),
                            r.context(),
                            r.bos() ? ", each starting with the tokenizer's BOS" : "",
                            r.seconds(),
                            out,
                            r.context());
            return 0;
        }
    }

    /** The sparsify hookpoint of the dictionary's hook, in its model's family when the model is found. */
    static String hookpointOf(DictionaryInWorkspace target, String given) throws Exception {
        if (given != null) {
            return given;
        }
        var p = target.placement();
        HookPoint hook = p.ready() ? p.at().hook() : p.provenance().hook();
        if (hook == null) {
            throw new org.sparsescope.compute.InvalidInputException(
                    target.dict, "names no hook; give --hook or --hookpoint");
        }
        TransformerConfig.Architecture family =
                p.ready() ? TransformerConfig.read(p.at().modelFolder()).architecture() : null;
        return SparsifyWriter.hookpoint(hook, family, target.dict);
    }

    @Command(
            name = "dictionary",
            mixinStandardHelpOptions = true,
            description = "A dictionary in sparsify's layout ({run}/{hookpoint}/sae.safetensors + cfg.json), so "
                    + "`python -m sparsify … --finetune RUN` starts from it. TopK dictionaries as they are; a ReLU "
                    + "dictionary only with --k.")
    public static final class DictionaryExport implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Mixin
        DictionaryInWorkspace target = new DictionaryInWorkspace();

        @Option(
                names = "--out",
                required = true,
                description = "run folder (created; an existing hookpoint is refused)")
        Path out;

        @Option(names = "--k", description = "k to fine-tune a ReLU dictionary with (TopK: its own unless given)")
        Integer k;

        @Option(names = "--hookpoint", description = "sparsify's module path (default: from the hook and the model)")
        String hookpoint;

        @Override
        public Integer call() throws Exception {
            String hp = hookpointOf(target, hookpoint);
            var p = target.placement();
            Path dir = SparsifyWriter.save(
                    target.dictionary(),
                    target.dict,
                    out,
                    hp,
                    k,
                    p.provenance().model(),
                    p.provenance().contextSize() > 0 ? p.provenance().contextSize() : null);
            spec.commandLine()
                    .getOut()
                    .printf(
                            Locale.ROOT,
                            "wrote %s%nsparsify: python -m sparsify MODEL DATA --hookpoints %s --finetune %s%n",
                            dir,
                            hp,
                            out);
            return 0;
        }
    }

    @Command(
            name = "delphi",
            mixinStandardHelpOptions = true,
            description = "A dictionary's codes on its activation set as delphi's latent cache ({module}/{start}_{end}"
                    + ".safetensors with locations, activations and tokens, and config.json), for delphi to explain "
                    + "and score without running the model again.")
    public static final class Delphi implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Mixin
        DictionaryInWorkspace target = new DictionaryInWorkspace();

        @Option(names = "--out", required = true, description = "the cache's folder (latents/)")
        Path out;

        @Option(
                names = "--splits",
                defaultValue = "5",
                description = "files per module (delphi's n_splits; default ${DEFAULT-VALUE})")
        int splits;

        @Option(names = "--hookpoint", description = "delphi's module name (default: sparsify's for the hook)")
        String hookpoint;

        @Override
        public Integer call() throws Exception {
            String module = hookpointOf(target, hookpoint);
            var p = target.placement();
            TerminalProgress bar = new TerminalProgress(spec.commandLine().getErr());
            DelphiLatentCache.Result r;
            try (ActivationSet set =
                    ActivationSet.open(target.activations(spec.commandLine().getErr()))) {
                org.sparsescope.compute.dictionary.DictionaryMetrics.requireSameWidth(
                        target.dictionary(), target.dict, set);
                r = DelphiLatentCache.export(
                        target.dictionary(),
                        set,
                        out,
                        module,
                        p.provenance().model(),
                        p.provenance().datasetPath(),
                        splits,
                        Devices.preferred(),
                        bar,
                        new Cancellation());
            }
            bar.done();
            spec.commandLine()
                    .getOut()
                    .printf(
                            Locale.ROOT,
                            "wrote %s: %,d codes on %,d windows of %d tokens in %d splits (%.1f s)%n",
                            r.moduleDir(),
                            r.codes(),
                            r.windows(),
                            r.context(),
                            r.splits(),
                            r.seconds());
            return 0;
        }
    }

    @Command(
            name = "recipe",
            mixinStandardHelpOptions = true,
            description = "A sweep for the cluster: sparsify command lines (its TopK members), a SAELens script per "
                    + "hook (every member SAELens trains) and a README, written beside the exported data. The grid "
                    + "options are train's.")
    public static final class Recipe implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--model",
                required = true,
                description = "the model as the cluster loads it (Hugging Face id or path)")
        String model;

        @Option(
                names = "--family",
                description =
                        "gpt2, gpt_neox, llama, qwen2, qwen3, gemma2, gemma3 (default: layers.N module names, as GPT-NeoX, Llama, Qwen and Gemma have)")
        String family;

        @Option(
                names = "--hooks",
                required = true,
                split = ",",
                converter = HookPointConverter.class,
                description = "TransformerLens hooks, e.g. blocks.6.hook_resid_post")
        List<HookPoint> hooks;

        @Option(names = "--d", required = true, description = "the hooks' width")
        int d;

        @Mixin
        SweepGridOptions sweepGrid = new SweepGridOptions();

        @Option(
                names = "--context",
                defaultValue = "1024",
                description = "tokens per window (default ${DEFAULT-VALUE})")
        int context;

        @Option(names = "--tokens-data", description = "the input_ids folder on the cluster (from `cluster tokens`)")
        String tokensData;

        @Option(
                names = "--cached",
                split = ",",
                description = "HOOK=PATH: SAELens cached activations on the cluster (from `cluster activations`)")
        Map<String, String> cached = new LinkedHashMap<>();

        @Option(
                names = "--training-tokens",
                defaultValue = "100000000",
                description = "tokens per SAELens member (default ${DEFAULT-VALUE})")
        long trainingTokens;

        @Option(
                names = "--gpus",
                defaultValue = "0",
                description = "GPUs per node (--distribute_modules when the hookpoints divide among them)")
        int gpus;

        @Option(names = "--out", required = true, description = "folder for the recipe")
        Path out;

        @Override
        public Integer call() throws Exception {
            TransformerConfig.Architecture arch = family == null ? null : parseFamily(family);
            List<String> points = new ArrayList<>();
            for (HookPoint h : hooks) {
                points.add(SparsifyWriter.hookpoint(h, arch, out));
            }
            Map<HookPoint, String> cachedAt = new LinkedHashMap<>();
            for (var e : cached.entrySet()) {
                cachedAt.put(new HookPointConverter().convert(e.getKey()), e.getValue());
            }
            RunRecipe r = new RunRecipe(
                    model, hooks, points, d, sweepGrid.grid(), context, tokensData, cachedAt, trainingTokens, gpus);
            for (Path p : r.write(out)) {
                spec.commandLine().getOut().println("wrote " + p);
            }
            return 0;
        }

        private TransformerConfig.Architecture parseFamily(String f) {
            try {
                return TransformerConfig.Architecture.valueOf(f.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(
                        spec.commandLine(),
                        "--family " + f + ": one of "
                                + java.util.Arrays.toString(TransformerConfig.Architecture.values())
                                        .toLowerCase(Locale.ROOT));
            }
        }
    }
}
