package org.sparsescope.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bench's conversation with the PyTorch peer, against stand-in peers written in the shell: what it reads back,
 * what it skips, and that a peer which fails or ends says so instead of hanging or yielding a number.
 */
class PyTorchPeerTest {
    @TempDir
    Path dir;

    private Path peer(String body) throws IOException {
        Path script = dir.resolve("peer.sh");
        Files.writeString(script, body);
        return script;
    }

    private PyTorchPeer start(Path script) throws IOException {
        return PyTorchPeer.start("/bin/sh", script, "float32", dir, 16, 2, 1, 0.5);
    }

    @Test
    void readsEachMeasurementItsRequestAsksForAndSkipsOtherOutput() throws IOException {
        Path script = peer("""
                echo "a library's warning on stdout"
                echo '{"ready": true, "dtype": "float32", "threads": 2, "torch": "9.9"}'
                while read what a b c; do
                  case "$what" in
                    full) echo '{"what": "full", "tokens_per_second": 51.5}' ;;
                    harvest) echo 'not json {'; echo '{"what": "harvest", "tokens_per_second": 402.25}' ;;
                    matmul) echo "{\\"what\\": \\"matmul\\", \\"gflops\\": $a.$b$c}" ;;
                    quit) echo '{"peak_rss_gb": 6.5}'; exit 0 ;;
                  esac
                done
                """);
        try (PyTorchPeer p = start(script)) {
            assertEquals(new PyTorchPeer.Ready("float32", 2, "9.9"), p.ready());
            assertEquals(51.5, p.fullForward());
            assertEquals(402.25, p.harvestPath());
            assertEquals(512.20488192, p.matmulGflops(512, 2048, 8192), 1e-9); // echoes its shape back
            assertEquals(6.5, p.quit());
        }
    }

    @Test
    void aPeerThatEndsWhileLoadingIsAnErrorThatSaysSo() throws IOException {
        Path script = peer("echo 'Traceback: no module named torch' >&2; exit 1\n");
        IOException e = assertThrows(IOException.class, () -> start(script));
        assertTrue(e.getMessage().contains("ended while loading the model"), e.getMessage());
    }

    @Test
    void aRefusedRequestIsAnErrorNamingWhy() throws IOException {
        Path script = peer("""
                echo '{"ready": true, "dtype": "float32", "threads": 2, "torch": "9.9"}'
                read what
                echo '{"error": "unknown request full"}'
                """);
        try (PyTorchPeer p = start(script)) {
            IOException e = assertThrows(IOException.class, p::fullForward);
            assertTrue(e.getMessage().contains("unknown request full"), e.getMessage());
        }
    }
}
