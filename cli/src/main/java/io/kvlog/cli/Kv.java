package io.kvlog.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code kv} command: runs a local kvlog cluster and talks to it.
 *
 * <p>Exit codes follow {@link ExitCode}: 0 done, 1 failed or not found, 2 usage error,
 * 3 cluster unreachable. Only {@link #main} calls {@code System.exit}.
 */
@Command(name = "kv", mixinStandardHelpOptions = true, version = "kvlog 0.1.0",
        description = "kvlog: a replicated key-value store on a replicated Kafka log.",
        subcommands = {UpCommand.class, DownCommand.class, StatusCommand.class, BrokerCommand.class, NodeCommand.class,
                ClientCommands.Get.class, ClientCommands.Put.class, ClientCommands.Update.class,
                ClientCommands.Delete.class, ClientCommands.Append.class, ClientCommands.Scan.class,
                ClientCommands.History.class, ClientCommands.Watch.class,
                ConsoleCommand.class, AuthCommand.class, TlsCommand.class, ReplayCommand.class, io.kvlog.cli.bench.BenchCommand.class, CheckCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:the operation failed or was not found", "2:usage error",
                "3:cluster unreachable"})
public final class Kv implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private Output output;

    public Output output() {
        return output;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    /** Runs {@code kv args} writing to the given streams; returns the exit code. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        Kv kv = new Kv();
        kv.output = new Output(out, err);
        CommandLine cli = new CommandLine(kv);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof KvException k) {
                err.println("kv: " + k.getMessage());
                err.flush();
                return k.exitCode();
            }
            if (e instanceof io.kvlog.client.KvException k) {
                // the client's refusals and failures: bad input is a usage error, no node answering is unreachable
                // a write that may have happened: say how to resend it so it takes effect once
                boolean unknown = k.requestId() != null && !(k instanceof io.kvlog.client.BadRequestException)
                        && !(k instanceof io.kvlog.client.PreconditionFailedException)
                        && !(k instanceof io.kvlog.client.AccessDeniedException);
                err.println("kv: " + k.getMessage() + (unknown ? " (to retry safely: --id " + k.requestId() + ")" : ""));
                err.flush();
                return k instanceof io.kvlog.client.BadRequestException ? ExitCode.USAGE
                        : k instanceof io.kvlog.client.NoNodeAnsweredException ? ExitCode.UNREACHABLE : ExitCode.FAILED;
            }
            if (e instanceof IllegalArgumentException) {
                err.println("kv: " + e.getMessage());
                err.flush();
                return ExitCode.USAGE;
            }
            err.println("kv: " + e.getMessage());
            err.flush();
            return ExitCode.FAILED;
        });
        return cli.execute(args);
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        System.exit(execute(out, err, args));
    }
}
