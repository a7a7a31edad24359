package org.sparsescope.compute.handoff;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.tensor.AtomicFile;
import org.sparsescope.compute.train.SweepGrid;
import org.sparsescope.compute.train.SweepMember;

/**
 * The cluster side of a sweep, written as files and never run: the sparsify command lines for its TopK members (one
 * {@code torchrun} per size and k, all hookpoints in it, {@code --distribute_modules} when the hookpoints divide
 * among the GPUs), a SAELens 6 runner script per hook with every member (ReLU with its L1 coefficient, TopK,
 * BatchTopK; tied members have no SAELens form and are listed as left out), and a README for the person at the
 * cluster. The grid is the training panel's own ({@link SweepGrid}), so the desktop sweep and the cluster one have
 * the same members.
 *
 * @param model        the model as the cluster will load it (a Hugging Face id, or a path there)
 * @param hooks        the hook points, with their sparsify hookpoints (module paths) in the same order
 * @param d            the hooks' width
 * @param context      tokens per window
 * @param tokensData   the {@code input_ids} dataset for sparsify (path on the cluster), or null for the model's default
 * @param cachedActivations per hook, the SAELens cached-activations folder (path on the cluster), or null to stream
 * @param trainingTokens tokens each SAELens member trains on
 * @param gpus         GPUs per node (for --distribute_modules); 0 when unknown
 */
public record RunRecipe(
        String model,
        List<HookPoint> hooks,
        List<String> hookpoints,
        int d,
        SweepGrid grid,
        int context,
        String tokensData,
        Map<HookPoint, String> cachedActivations,
        long trainingTokens,
        int gpus) {

    public RunRecipe {
        hooks = List.copyOf(hooks);
        hookpoints = List.copyOf(hookpoints);
        if (hooks.isEmpty() || hooks.size() != hookpoints.size()) {
            throw new IllegalArgumentException("each hook needs its sparsify hookpoint");
        }
        cachedActivations = cachedActivations == null ? Map.of() : Map.copyOf(cachedActivations);
    }

    public static final String SPARSIFY_SCRIPT = "sparsify.sh";
    public static final String README = "README.md";

    /** The sparsify command lines, one per (size, k). */
    public List<String> sparsifyCommands() {
        List<String> out = new ArrayList<>();
        boolean distribute = gpus > 1 && hookpoints.size() % gpus == 0;
        for (SweepMember m : grid.members(d)) {
            if (m.kind() != SweepMember.Kind.TOPK) {
                continue;
            }
            StringBuilder b = new StringBuilder("torchrun --nproc_per_node gpu -m sparsify ")
                    .append(shell(model))
                    .append(' ')
                    .append(tokensData == null ? "EleutherAI/SmolLM2-135M-10B" : shell(tokensData))
                    .append(" --hookpoints");
            for (String h : hookpoints) {
                b.append(' ').append(shell(h));
            }
            b.append(" --num_latents ").append(m.dSae());
            b.append(" -k ").append(m.k());
            b.append(" --ctx_len ").append(context);
            if (distribute) {
                b.append(" --distribute_modules");
            }
            b.append(" --run_name ").append(shell(m.name()));
            out.add(b.toString());
        }
        return out;
    }

    /** Members SAELens has no form for (tied ones), by name. */
    public List<String> leftOutOfSaeLens() {
        return grid.members(d).stream()
                .filter(m -> m.kind() == SweepMember.Kind.TIED_L1)
                .map(SweepMember::name)
                .toList();
    }

    /** A SAELens 6 script training every member of the grid at {@code hook}, one after another. */
    public String saeLensScript(HookPoint hook) {
        StringBuilder s = new StringBuilder();
        s.append("# SAELens 6 (jbloomAus/SAELens 6.18): every member of the Sparsescope sweep at ")
                .append(hook)
                .append(".\n");
        s.append(
                "from sae_lens import (LanguageModelSAERunnerConfig, LanguageModelSAETrainingRunner,\n"
                        + "                      StandardTrainingSAEConfig, TopKTrainingSAEConfig, BatchTopKTrainingSAEConfig)\n\n");
        s.append("MEMBERS = [\n");
        for (SweepMember m : grid.members(d)) {
            String sae = switch (m.kind()) {
                case RELU_L1 ->
                    String.format(
                            Locale.ROOT,
                            "StandardTrainingSAEConfig(d_in=%d, d_sae=%d, l1_coefficient=%s)",
                            d,
                            m.dSae(),
                            num(m.l1()));
                case TOPK ->
                    String.format(Locale.ROOT, "TopKTrainingSAEConfig(d_in=%d, d_sae=%d, k=%d)", d, m.dSae(), m.k());
                case BATCH_TOPK ->
                    String.format(
                            Locale.ROOT, "BatchTopKTrainingSAEConfig(d_in=%d, d_sae=%d, k=%d)", d, m.dSae(), m.k());
                case TIED_L1 -> null;
            };
            if (sae != null) {
                s.append("    (").append(py(m.name())).append(", ").append(sae).append("),\n");
            }
        }
        s.append("]\n\n");
        String cached = cachedActivations.get(hook);
        s.append("for name, sae in MEMBERS:\n");
        s.append("    cfg = LanguageModelSAERunnerConfig(\n");
        s.append("        sae=sae,\n");
        s.append("        model_name=").append(py(model)).append(",\n");
        s.append("        hook_name=").append(py(hook.name())).append(",\n");
        s.append("        context_size=").append(context).append(",\n");
        if (cached != null) {
            s.append("        use_cached_activations=True,\n");
            s.append("        cached_activations_path=").append(py(cached)).append(",\n");
            s.append("        dataset_path=").append(py(cached)).append(",\n");
        } else {
            s.append("        dataset_path=")
                    .append(py(tokensData == null ? "" : tokensData))
                    .append(",  # the input_ids folder, or a Hugging Face dataset\n");
            s.append("        is_dataset_tokenized=True,\n");
        }
        s.append("        training_tokens=").append(trainingTokens).append(",\n");
        s.append("        device=\"cuda\",\n");
        s.append("        output_path=f\"output/{name}\",\n");
        s.append("        checkpoint_path=f\"checkpoints/{name}\",\n");
        s.append("        n_checkpoints=10,\n");
        s.append("    )\n");
        s.append("    LanguageModelSAETrainingRunner(cfg).run()\n");
        return s.toString();
    }

    /** Writes sparsify.sh, saelens_{hook}.py and README.md into {@code dir} (new, or without these files). */
    public List<Path> write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, String> files = new LinkedHashMap<>();
        List<String> sparsify = sparsifyCommands();
        StringBuilder sh = new StringBuilder(
                "#!/usr/bin/env bash\n# sparsify (EleutherAI/sparsify): the TopK members of the sweep\nset -euo pipefail\n");
        if (sparsify.isEmpty()) {
            sh.append("# the sweep has no TopK members: sparsify trains TopK only\n");
        }
        sparsify.forEach(c -> sh.append(c).append('\n'));
        files.put(SPARSIFY_SCRIPT, sh.toString());
        for (HookPoint h : hooks) {
            files.put("saelens_" + h.name().replace('.', '_') + ".py", saeLensScript(h));
        }
        files.put(README, readme());
        for (String name : files.keySet()) {
            if (Files.exists(dir.resolve(name))) {
                throw new InvalidInputException(dir.resolve(name), "exists; choose a new folder for the recipe");
            }
        }
        List<Path> written = new ArrayList<>();
        for (var e : files.entrySet()) {
            Path p = dir.resolve(e.getKey());
            AtomicFile.writeString(p, e.getValue());
            written.add(p);
        }
        dir.resolve(SPARSIFY_SCRIPT).toFile().setExecutable(true);
        return written;
    }

    private String readme() {
        StringBuilder r = new StringBuilder("# A Sparsescope sweep, for the cluster\n\n");
        r.append("Model `").append(model).append("`, hooks ");
        for (int i = 0; i < hooks.size(); i++) {
            r.append(i > 0 ? ", " : "")
                    .append('`')
                    .append(hooks.get(i))
                    .append("` (sparsify: `")
                    .append(hookpoints.get(i))
                    .append("`)");
        }
        r.append(", width ").append(d).append(", windows of ").append(context).append(" tokens.\n\n");
        r.append("Members (").append(grid.members(d).size()).append("): ");
        r.append(String.join(
                        ", ", grid.members(d).stream().map(SweepMember::name).toList()))
                .append(".\n\n");
        r.append("- `sparsify.sh`: one `torchrun` per TopK member (sparsify trains TopK only), every hookpoint in it");
        r.append(
                gpus > 1 && hookpoints.size() % gpus == 0
                        ? "; `--distribute_modules` puts the hookpoints on separate GPUs.\n"
                        : ".\n");
        r.append("- `saelens_*.py`: per hook, every member SAELens can train, from ");
        r.append(cachedActivations.isEmpty() ? "the tokens" : "the cached activations exported beside this file");
        r.append(".\n");
        if (!leftOutOfSaeLens().isEmpty()) {
            r.append("- Left out (tied dictionaries have no SAELens or sparsify form): ")
                    .append(String.join(", ", leftOutOfSaeLens()))
                    .append(".\n");
        }
        r.append(
                "\nNothing here was run or uploaded by Sparsescope. Copy the checkpoints back (rsync, a shared file "
                        + "system) and open them in the app: sparsify's hookpoint folders and SAELens's checkpoints open as they are.\n");
        return r.toString();
    }

    private static String num(double v) {
        return Double.toString(v);
    }

    /** A Python string literal. */
    static String py(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** A word for a POSIX shell, quoted when it needs to be. */
    static String shell(String s) {
        return s.matches("[A-Za-z0-9_./:=@+-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }
}
