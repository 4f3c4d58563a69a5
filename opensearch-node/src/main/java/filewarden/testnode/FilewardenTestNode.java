package filewarden.testnode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;

import org.codelibs.opensearch.runner.OpenSearchRunner;
import org.opensearch.http.HttpServerTransport;

/**
 * Runs one OpenSearch node on 127.0.0.1 for Filewarden's tests.
 *
 * <p>Usage: {@code FilewardenTestNode HOME_DIR URL_FILE [--exit-on-stdin-close]}. The node
 * binds an ephemeral HTTP port chosen by the kernel, so two runs never race for a port;
 * the URL it got is written to URL_FILE once the node has started. It stops on SIGTERM,
 * or when stdin closes if asked to.
 */
public final class FilewardenTestNode {

    private FilewardenTestNode() {}

    public static void main(final String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: FilewardenTestNode HOME_DIR URL_FILE [--exit-on-stdin-close]");
            System.exit(2);
        }
        final Path home = Path.of(args[0]).toAbsolutePath();
        final Path urlFile = Path.of(args[1]).toAbsolutePath();
        final boolean exitOnStdinClose = args.length > 2 && "--exit-on-stdin-close".equals(args[2]);

        final OpenSearchRunner runner = new OpenSearchRunner();
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> close(runner, stopped)));
        runner.onBuild((number, settings) -> settings
                .put("network.host", "127.0.0.1")
                // Port 0: the kernel picks a free port; we read back the bound one below.
                .put("http.port", "0")
                .put("transport.port", "0")
                .put("discovery.type", "single-node")
                // A nearly full disk must not turn test indices read-only.
                .put("cluster.routing.allocation.disk.threshold_enabled", false));
        runner.build(new OpenSearchRunner.Configs()
                .basePath(home.toString())
                .numOfNode(1)
                .clusterName("filewarden-test")
                .printOnFailure());
        runner.ensureYellow();

        final int port = runner.node().injector().getInstance(HttpServerTransport.class)
                .boundAddress().publishAddress().getPort();
        writeAtomically(urlFile, "http://127.0.0.1:" + port + "\n");
        System.out.println("FILEWARDEN_OPENSEARCH_URL=http://127.0.0.1:" + port);

        if (exitOnStdinClose) {
            drain(System.in);
            System.exit(0);
        }
        stopped.await();
    }

    private static void close(final OpenSearchRunner runner, final CountDownLatch stopped) {
        try {
            runner.close();
        } catch (final IOException e) {
            System.err.println("closing the node failed: " + e);
        } finally {
            stopped.countDown();
        }
    }

    private static void drain(final InputStream in) throws IOException {
        final byte[] buffer = new byte[256];
        while (in.read(buffer) >= 0) {
            // Keep reading: only end-of-file means the parent has gone.
        }
    }

    // The shell script polls for this file, so it must never see half of it.
    private static void writeAtomically(final Path target, final String text) throws IOException {
        final Path partial = target.resolveSibling(target.getFileName() + ".partial");
        Files.writeString(partial, text, StandardCharsets.UTF_8);
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
