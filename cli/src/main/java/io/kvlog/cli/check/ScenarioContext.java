package io.kvlog.cli.check;

import java.util.Random;
import java.util.function.Consumer;

/** What a scenario runs with: the cluster, the settings, a random source seeded for it, and progress output. */
record ScenarioContext(CheckCluster cluster, CheckSettings settings, Random random, Consumer<String> progress) {
}
