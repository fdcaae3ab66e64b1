package io.kvlog.cli.check;

/** One scenario of {@code kv check}: drives load and faults on the cluster and fills in its report. */
interface Scenario {

    int number();

    String name();

    /** Runs the scenario, bounded in time; leaves every broker and node it stopped running again. */
    void run(ScenarioContext context, ScenarioReport report) throws Exception;
}
