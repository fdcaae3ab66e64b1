package io.kvlog.cli.bench;

import io.kvlog.kafka.internal.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A local 3-member etcd cluster for the baseline: {@code etcd} child processes on free
 * 127.0.0.1 ports with their data and logs under a directory of their own, started by
 * {@link #start} (which returns once every member answers {@code /health}) and stopped by pid in
 * {@link #close()} (SIGTERM, SIGKILL after 10 s). Needs the {@code etcd} binary (3.4+, for the
 * {@code /v3} gateway), e.g. Debian's {@code etcd-server} package.
 */
public final class EtcdCluster implements AutoCloseable {

    private final List<Process> members;
    private final List<URI> clientUrls;
    private final Path dir;
    // stops the members if the bench is interrupted (Ctrl-C) before close(); removed by close()
    private final Thread stopOnExit = new Thread(this::stopMembers, "kv-bench-etcd-stop");

    private EtcdCluster(List<Process> members, List<URI> clientUrls, Path dir) {
        this.members = members;
        this.clientUrls = clientUrls;
        this.dir = dir;
        Runtime.getRuntime().addShutdownHook(stopOnExit);
    }

    public List<URI> clientUrls() {
        return clientUrls;
    }

    public List<Long> pids() {
        return members.stream().map(Process::pid).toList();
    }

    public Path dir() {
        return dir;
    }

    public static EtcdCluster start(String binary, int size, Path dir, Consumer<String> progress) {
        List<Integer> ports = Ports.free(2 * size);
        StringBuilder initial = new StringBuilder();
        for (int i = 0; i < size; i++) {
            initial.append(i == 0 ? "" : ",").append("m").append(i).append("=http://127.0.0.1:").append(ports.get(2 * i + 1));
        }
        List<Process> members = new ArrayList<>();
        List<URI> urls = new ArrayList<>();
        EtcdCluster cluster = new EtcdCluster(members, urls, dir);
        try {
            Files.createDirectories(dir);
            for (int i = 0; i < size; i++) {
                String client = "http://127.0.0.1:" + ports.get(2 * i);
                String peer = "http://127.0.0.1:" + ports.get(2 * i + 1);
                Path log = dir.resolve("m" + i + ".log");
                ProcessBuilder builder = new ProcessBuilder(binary, "--name", "m" + i,
                        "--data-dir", dir.resolve("m" + i).toString(),
                        "--listen-client-urls", client, "--advertise-client-urls", client,
                        "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                        "--initial-cluster", initial.toString(), "--initial-cluster-state", "new",
                        "--initial-cluster-token", "kv-bench-" + ports.get(0))
                        .redirectErrorStream(true).redirectOutput(log.toFile());
                members.add(builder.start());
                urls.add(URI.create(client));
            }
            progress.accept("started etcd members (pids " + cluster.pids() + ") in " + dir + "; waiting for health");
            cluster.awaitHealthy(Duration.ofSeconds(60));
            progress.accept("etcd ready: " + urls);
            return cluster;
        } catch (IOException e) {
            cluster.close();
            throw new UncheckedIOException("cannot start etcd ('" + binary + "'; install Debian's etcd-server"
                    + " or pass --etcd-binary): " + e.getMessage(), e);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private void awaitHealthy(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < clientUrls.size(); i++) {
            String last = "no answer";
            while (true) {
                if (!members.get(i).isAlive()) {
                    throw new IllegalStateException("etcd member m" + i + " exited (code " + members.get(i).exitValue()
                            + "); see " + dir.resolve("m" + i + ".log"));
                }
                try {
                    HttpResponse<String> health = http.send(HttpRequest.newBuilder(clientUrls.get(i).resolve("/health"))
                            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                    if (health.statusCode() == 200 && health.body().contains("true")) {
                        break;
                    }
                    last = health.statusCode() + " " + health.body();
                } catch (IOException e) {
                    last = e.toString();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for etcd", e);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("etcd member m" + i + " not healthy after " + timeout.toSeconds()
                            + " s (last: " + last + "); see " + dir.resolve("m" + i + ".log"));
                }
                sleep(200);
            }
        }
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting: the hook stops the members
            return;
        }
        stopMembers();
    }

    /** SIGTERM to every member (by its pid), SIGKILL after 10 s. */
    private void stopMembers() {
        members.forEach(Process::destroy);
        for (Process member : members) {
            try {
                if (!member.waitFor(10, TimeUnit.SECONDS)) {
                    member.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                member.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for etcd", e);
        }
    }
}
