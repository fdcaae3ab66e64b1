package io.kvlog.materializer;

import io.kvlog.protocol.Entry;
import io.kvlog.protocol.EntryCodec;
import io.kvlog.protocol.Outcome;
import io.kvlog.protocol.OutcomeCodec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.stream.Collectors;

/**
 * A {@link Materializer} in its own JVM, so a test can SIGKILL it like a crashed node. Started by
 * {@link MaterializerNode}; answers one command per stdin line with one stdout line:
 * <pre>
 * position P active|any  -> "position P OFFSET"        or "miss P REASON message"
 * get P active|any ATLEAST KEY -> "entry P POSITION ENTRY-AS-BASE64" ("-" if none) or a miss
 * outcome P active|any ID      -> "outcome P POSITION OUTCOME-JSON" ("-" if none) or a miss
 * digest P active|any    -> "digest P OFFSET SHA256 ENTRIES OUTCOMES" or "miss P REASON message"
 * copies                 -> "copies P:A P:S ..."       (A = active, S = standby)
 * counters               -> "counters applied=… …"
 * close                  -> "closed", after a clean shutdown
 * </pre>
 * Args: bootstrapServers stateDir applicationServer applicationId standbys guarantee.
 * Prints "ready" once RUNNING, or "failed message" and exits 1. Logs go to stderr.
 */
public final class MaterializerProcess {

    public static void main(String[] args) throws Exception {
        MaterializerConfig config = MaterializerConfig.defaults(args[0], Path.of(args[1]), args[2])
                .withApplicationId(args[3])
                .withStandbyReplicas(Integer.parseInt(args[4]))
                .withProcessingGuarantee(MaterializerConfig.ProcessingGuarantee.valueOf(args[5]));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (Materializer materializer = new Materializer(config)) {
            try {
                materializer.start(Duration.ofSeconds(120));
            } catch (IllegalStateException e) {
                out.println("failed " + e.getMessage().replace('\n', ' '));
                System.exit(1);
            }
            out.println("ready");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] words = line.trim().split(" ");
                if (words[0].equals("close")) {
                    break;
                }
                out.println(answer(materializer, words));
            }
        }
        out.println("closed");
    }

    private static String answer(Materializer materializer, String[] words) {
        switch (words[0]) {
            case "position" -> {
                Read<Long> read = materializer.position(Integer.parseInt(words[1]), words[2].equals("active"));
                return read instanceof Read.Hit<Long> hit ? "position " + hit.partition() + " " + hit.value() : miss(read);
            }
            case "get" -> {
                String key = String.join(" ", java.util.Arrays.copyOfRange(words, 4, words.length));
                Read<Entry> read = materializer.get(key, Integer.parseInt(words[1]), Long.parseLong(words[3]),
                        words[2].equals("active"));
                if (read instanceof Read.Hit<Entry> hit) {
                    return "entry " + hit.partition() + " " + hit.position() + " " + (hit.value() == null ? "-"
                            : Base64.getEncoder().encodeToString(EntryCodec.encode(hit.value())));
                }
                return miss(read);
            }
            case "outcome" -> {
                Read<Outcome> read = materializer.outcome(words[3], Integer.parseInt(words[1]), -1,
                        words[2].equals("active"));
                if (read instanceof Read.Hit<Outcome> hit) {
                    return "outcome " + hit.partition() + " " + hit.position() + " " + (hit.value() == null ? "-"
                            : new String(OutcomeCodec.encode(hit.value()), StandardCharsets.UTF_8));
                }
                return miss(read);
            }
            case "digest" -> {
                Read<Digest> read = materializer.digest(Integer.parseInt(words[1]), words[2].equals("active"));
                if (read instanceof Read.Hit<Digest> hit) {
                    Digest d = hit.value();
                    return "digest " + d.partition() + " " + d.offset() + " " + d.sha256() + " " + d.entries() + " "
                            + d.outcomes();
                }
                return miss(read);
            }
            case "copies" -> {
                return "copies " + materializer.localCopies().entrySet().stream()
                        .map(e -> e.getKey() + ":" + (e.getValue() ? "A" : "S"))
                        .collect(Collectors.joining(" "));
            }
            case "counters" -> {
                return "counters " + materializer.counters();
            }
            default -> {
                return "error unknown command " + String.join(" ", words);
            }
        }
    }

    private static String miss(Read<?> read) {
        Read.Miss<?> miss = (Read.Miss<?>) read;
        return "miss " + miss.partition() + " " + miss.reason() + " "
                + String.valueOf(miss.message()).replace('\n', ' ');
    }

    private MaterializerProcess() {
    }
}
