package io.kvlog.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs {@code kv} in-process and captures what it printed. */
record KvRun(int exitCode, String out, String err) {

    static KvRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Kv.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new KvRun(code, out.toString(), err.toString());
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- out ---\n" + out + "--- err ---\n" + err;
    }
}
