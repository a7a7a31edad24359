package org.sparsescope.app.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * PyTorch eager on the same model, measured on request ({@code tools/families/peer_lm.py --serve}), so that {@code
 * bench lm} can alternate its own measurements with PyTorch's: this machine's matmul rate drifts by a factor of two
 * within minutes, and two runs an hour apart compare the hours, not the engines. One process, loaded once, idle while
 * the other side measures.
 */
final class PyTorchPeer implements AutoCloseable {
    /** What the peer said when loaded: its precision, its threads and PyTorch's version. */
    record Ready(String dtype, int threads, String torch) {}

    private final Process process;
    private final BufferedReader replies;
    private final Writer requests;
    private final Ready ready;

    private PyTorchPeer(Process process) throws IOException {
        this.process = process;
        this.replies = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.requests = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        JsonObject r = reply("loading the model");
        this.ready = new Ready(
                r.get("dtype").getAsString(),
                r.get("threads").getAsInt(),
                r.get("torch").getAsString());
    }

    /** Starts {@code python script --dtype … --model … --serve} and waits until it has loaded the model. */
    static PyTorchPeer start(
            String python, Path script, String dtype, Path model, int window, int batch, int layer, double seconds)
            throws IOException {
        List<String> command = List.of(
                python,
                script.toString(),
                "--dtype",
                dtype,
                "--model",
                model.toString(),
                "--window",
                Integer.toString(window),
                "--batch",
                Integer.toString(batch),
                "--layer",
                Integer.toString(layer),
                "--seconds",
                Double.toString(seconds),
                "--serve");
        // Its warnings and a traceback go to our stderr as they are written.
        Process p = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try {
            return new PyTorchPeer(p);
        } catch (IOException | RuntimeException e) {
            p.destroyForcibly();
            throw e;
        }
    }

    Ready ready() {
        return ready;
    }

    /** PyTorch's tokens/s of the full forward to per-token loss, measured now. */
    double fullForward() throws IOException {
        return measure("full");
    }

    /** PyTorch's tokens/s up to the bench's layer with its hook read back, measured now. */
    double harvestPath() throws IOException {
        return measure("harvest");
    }

    /** PyTorch's GFLOP/s of a float32 [m, k] @ [k, n] product, measured now as {@code MatmulSpeed} measures ours. */
    double matmulGflops(int m, int k, int n) throws IOException {
        return measure("matmul " + m + " " + k + " " + n, "gflops");
    }

    private double measure(String what) throws IOException {
        return measure(what, "tokens_per_second");
    }

    private double measure(String request, String field) throws IOException {
        requests.write(request + "\n");
        requests.flush();
        return reply("measuring '" + request + "'").get(field).getAsDouble();
    }

    /** The next JSON line the peer writes; lines that are not JSON objects (a library's chatter) are skipped. */
    private JsonObject reply(String doing) throws IOException {
        String line;
        while ((line = replies.readLine()) != null) {
            if (!line.startsWith("{")) {
                continue;
            }
            JsonObject o;
            try {
                o = JsonParser.parseString(line).getAsJsonObject();
            } catch (JsonParseException | IllegalStateException e) {
                continue;
            }
            if (o.has("error")) {
                throw new IOException(
                        "the PyTorch peer refused: " + o.get("error").getAsString());
            }
            return o;
        }
        throw new IOException("the PyTorch peer ended while " + doing + " (its stderr above says why)");
    }

    /** Asks the peer to end; its peak resident memory in GB (10⁹ bytes), or NaN where it did not say. */
    double quit() {
        try {
            requests.write("quit\n");
            requests.flush();
            JsonObject last = reply("ending");
            return last.has("peak_rss_gb") ? last.get("peak_rss_gb").getAsDouble() : Double.NaN;
        } catch (IOException e) {
            org.slf4j.LoggerFactory.getLogger(PyTorchPeer.class)
                    .warn("the PyTorch peer did not say its peak memory", e);
            return Double.NaN;
        }
    }

    @Override
    public void close() {
        try {
            requests.close();
        } catch (IOException e) {
            // the peer has gone already; destroying it below is all that is left to do
        }
        process.destroy();
    }
}
