package io.kvlog.cli;

import io.kvlog.http.auth.AuthFile;
import io.kvlog.http.auth.Permission;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kv auth init|role|principal|remove|list}: edits an auth file, the one a node takes with
 * {@code --auth-file}. Tokens are printed once, when made, and stored only as hashes. Nodes read
 * the file again within 2 s of a change: no restart needed.
 */
@Command(name = "auth", mixinStandardHelpOptions = true,
        description = {"Edit an auth file (principals, roles, token hashes) that nodes take with --auth-file.",
                "Nodes re-read it within 2 s of a change. Tokens are printed once and stored only as SHA-256 hashes."},
        subcommands = {AuthCommand.Init.class, AuthCommand.Role.class, AuthCommand.Principal.class,
                AuthCommand.Remove.class, AuthCommand.ListAll.class})
final class AuthCommand implements Runnable {

    @ParentCommand
    Kv kv;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing subcommand: init, role, principal, remove or list");
    }

    /** What every subcommand takes: the file. */
    abstract static class FileAction implements Callable<Integer> {
        @ParentCommand
        AuthCommand parent;

        @Option(names = {"-f", "--file"}, paramLabel = "FILE", defaultValue = "${env:KV_AUTH_FILE}", required = true,
                description = "The auth file (env KV_AUTH_FILE).")
        Path file;

        Output out() {
            return parent.kv.output();
        }

        AuthFile read() {
            if (!Files.exists(file)) {
                throw new KvException(ExitCode.FAILED, "no auth file " + file + "; make one with 'kv auth init -f "
                        + file + "'");
            }
            return AuthFile.read(file);
        }
    }

    @Command(name = "init", mixinStandardHelpOptions = true,
            description = {"Make a new auth file: roles 'admin' (read, write, admin on every key) and 'node' (admin only),",
                    "principals 'admin' and 'node' (for the nodes' calls to each other, never rate limited) with new tokens,",
                    "printed once. Give the node token to every node (env KV_NODE_TOKEN)."})
    static final class Init extends FileAction {
        @Override
        public Integer call() {
            if (Files.exists(file)) {
                throw new KvException(ExitCode.FAILED, file + " exists already; edit it with 'kv auth role|principal'");
            }
            String admin = AuthFile.newToken();
            String node = AuthFile.newToken();
            LocalAuth.starter(admin, node).write(file);
            out().line("wrote " + file + " (mode 600). These tokens are shown once; keep them secret:");
            out().line("admin token: " + admin);
            out().line("node token:  " + node + "   (every node: KV_NODE_TOKEN=... with --auth-file " + file + ")");
            return ExitCode.OK;
        }
    }

    @Command(name = "role", mixinStandardHelpOptions = true,
            description = {"Add or replace a role: the key prefixes it may read, write (and admin, on \"\" only).",
                    "An empty prefix (\"\") means every key. Example: kv auth role -f auth.json orders-rw",
                    "  --read orders/ --write orders/"})
    static final class Role extends FileAction {
        @Parameters(index = "0", paramLabel = "NAME", description = "The role's name.")
        String name;

        @Option(names = "--read", paramLabel = "PREFIX", description = "May get, scan, watch and see the history of keys under PREFIX.")
        List<String> read = new ArrayList<>();

        @Option(names = "--write", paramLabel = "PREFIX", description = "May put, append and delete keys under PREFIX.")
        List<String> write = new ArrayList<>();

        @Option(names = "--admin", description = "May call the admin routes (/v1/admin/*: digests, apply confirmations).")
        boolean admin;

        @Override
        public Integer call() {
            Map<Permission, List<String>> grants = new EnumMap<>(Permission.class);
            if (!read.isEmpty()) {
                grants.put(Permission.READ, read);
            }
            if (!write.isEmpty()) {
                grants.put(Permission.WRITE, write);
            }
            if (admin) {
                grants.put(Permission.ADMIN, List.of(""));
            }
            if (grants.isEmpty()) {
                throw new IllegalArgumentException("role " + name + ": give at least one --read, --write or --admin");
            }
            read().withRole(name, grants).write(file);
            out().line("role " + name + " set in " + file);
            return ExitCode.OK;
        }
    }

    @Command(name = "principal", mixinStandardHelpOptions = true,
            description = {"Add a principal, or give one a new token, and print the token (shown once).",
                    "Its old tokens stop working unless --keep-tokens (to rotate without downtime: add a token,",
                    "move the clients to it, then run again without --keep-tokens)."})
    static final class Principal extends FileAction {
        @Parameters(index = "0", paramLabel = "NAME", description = "The principal's name.")
        String name;

        @Option(names = "--role", paramLabel = "ROLE", description = "A role it holds (repeat for several; default: the roles it has).")
        List<String> roles = new ArrayList<>();

        @Option(names = "--rate-limit", paramLabel = "N",
                description = "Its requests per second (0: no limit; default: the node's --rate-limit).")
        Integer rate;

        @Option(names = "--keep-tokens", description = "Keep its current tokens as well.")
        boolean keepTokens;

        @Override
        public Integer call() {
            AuthFile current = read();
            AuthFile.Entry existing = current.principals().get(name);
            List<String> heldRoles = !roles.isEmpty() ? roles : existing == null ? List.of() : existing.roles();
            if (heldRoles.isEmpty()) {
                throw new IllegalArgumentException("principal " + name + ": new, so give it at least one --role (roles: "
                        + current.roles().keySet() + ")");
            }
            if (rate != null && rate < 0) {
                throw new IllegalArgumentException("rate-limit: must be >= 0 (0: no limit), got " + rate);
            }
            String token = AuthFile.newToken();
            List<String> tokens = new ArrayList<>();
            if (keepTokens && existing != null) {
                tokens.addAll(existing.tokens());
            }
            tokens.add(AuthFile.hash(token));
            Integer limit = rate != null ? rate : existing == null ? null : existing.requestsPerSecond();
            current.withPrincipal(name, new AuthFile.Entry(heldRoles, tokens, limit)).write(file);
            out().line((existing == null ? "added " : "new token for ") + name + " in " + file
                    + ". The token is shown once; keep it secret:");
            out().line(token);
            return ExitCode.OK;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove a principal (its tokens stop working within 2 s), or a role no principal holds.")
    static final class Remove extends FileAction {
        @Parameters(index = "0", paramLabel = "NAME", description = "The principal or role.")
        String name;

        @Override
        public Integer call() {
            read().without(name).write(file);
            out().line("removed " + name + " from " + file);
            return ExitCode.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the roles and principals (never tokens).")
    static final class ListAll extends FileAction {
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            AuthFile auth = read();
            Map<String, Object> view = new LinkedHashMap<>();
            Map<String, Object> roles = new LinkedHashMap<>();
            auth.roles().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
                Map<String, List<String>> grants = new LinkedHashMap<>();
                e.getValue().grants().entrySet().stream().sorted(Map.Entry.comparingByKey())
                        .forEach(g -> grants.put(g.getKey().label(), g.getValue()));
                roles.put(e.getKey(), grants);
            });
            Map<String, Object> principals = new LinkedHashMap<>();
            auth.principals().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("roles", e.getValue().roles());
                p.put("tokens", e.getValue().tokens().size());
                p.put("requestsPerSecond", e.getValue().requestsPerSecond());
                principals.put(e.getKey(), p);
            });
            view.put("roles", roles);
            view.put("principals", principals);
            if (json) {
                out().json(view);
                return ExitCode.OK;
            }
            List<List<String>> rows = new ArrayList<>();
            roles.forEach((name, grants) -> rows.add(List.of("role", name, grants.toString())));
            principals.forEach((name, p) -> rows.add(List.of("principal", name, p.toString())));
            out().table(List.of("KIND", "NAME", "DETAILS"), rows);
            return ExitCode.OK;
        }
    }
}
