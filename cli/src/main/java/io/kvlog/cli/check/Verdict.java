package io.kvlog.cli.check;

/** A linearizability verdict. UNKNOWN means the check ran out of time: it is reported, never counted as passed. */
public enum Verdict { LINEARIZABLE, NOT_LINEARIZABLE, UNKNOWN }
