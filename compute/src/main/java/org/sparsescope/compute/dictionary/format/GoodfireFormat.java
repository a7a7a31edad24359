package org.sparsescope.compute.dictionary.format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryInfo;
import org.sparsescope.compute.dictionary.Provenance;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.tensor.TorchFile;

/**
 * Goodfire's Llama SAEs: a {@code torch.save} state dict ({@code Llama-3.1-8B-Instruct-SAE-l19.pth}) of
 * {@code encoder_linear} and {@code decoder_linear} (nn.Linear weights and biases), ReLU, no b_dec subtracted, as
 * SAELens's goodfire loader (decoderesearch/SAELens 10537c1) reads it. The model and layer come from the file's name.
 */
public final class GoodfireFormat implements DictionaryFormat {
    private static final Pattern NAME = Pattern.compile("(Llama-3\\.[13]-\\d+B-Instruct)-SAE-l(\\d{1,4})\\.pth?");

    @Override
    public String name() {
        return "Goodfire";
    }

    @Override
    public boolean recognises(Path path) {
        return Files.isRegularFile(path)
                && NAME.matcher(path.getFileName().toString()).matches();
    }

    @Override
    public List<Provenance> provenance(Path path) {
        return List.of(provenanceOf(path));
    }

    private static Provenance provenanceOf(Path file) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        if (!m.matches()) {
            return Provenance.unknown();
        }
        HookPoint hook = HookPoint.of(Integer.parseInt(m.group(2)), HookPoint.Kind.RESID_POST);
        return new Provenance("meta-llama/" + m.group(1), hook, null, true, 0, null, null);
    }

    @Override
    public List<Dictionary> read(Path file) throws IOException {
        Map<String, Tensor> t = TorchFile.readStateDict(file);
        DictionaryInfo info = new DictionaryInfo(
                provenanceOf(file),
                "Goodfire",
                Map.of("file", file.getFileName().toString()));
        return List.of(Tensors.fromLinearLayers(
                t,
                file,
                "encoder_linear.weight",
                "encoder_linear.bias",
                "decoder_linear.weight",
                "decoder_linear.bias",
                false,
                info));
    }
}
