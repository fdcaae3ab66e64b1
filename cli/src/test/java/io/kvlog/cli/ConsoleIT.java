package io.kvlog.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kvlog.cli.ClusterFixture.Reply;
import io.kvlog.http.NodeSecurity;
import io.kvlog.http.auth.AuthFile;
import io.kvlog.http.auth.Permission;
import io.kvlog.node.RouterOnlyNode;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console ({@code GET /} of a node) in a real headless Chromium, driven by Selenium
 * through Debian's {@code chromedriver}, against a local cluster of 3 brokers and 2 nodes started
 * with {@code kv up}: the page loads with no error in the browser's console and shows the nodes;
 * a key written over HTTP appears in the key browser with its value shown as text; a put and a
 * delete from the form are seen over HTTP; the watch tail shows a change written over HTTP to the
 * other node; and on a node with auth on (its route table alone, in this JVM: see the test) the
 * page asks for a token, keeps it for the tab, shows a refusal, and forgets it on sign-out.
 * It prints the page's load time ({@code console page load: …}) and saves screenshots
 * under {@code target/console-screenshots/}.
 *
 * <p>Skipped (a JUnit assumption, with the reason) only where there is no browser:
 * {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver} (Debian's {@code chromium} and
 * {@code chromium-driver}, which {@code .ci/run} installs).
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    private static final int WIDTH = 1400;
    private static final Duration SHOWN_WITHIN = Duration.ofSeconds(20);
    private static final Pattern WRITES_PER_SECOND = Pattern.compile("([0-9.]+) writes/s");
    private static ClusterFixture cluster;
    private static ChromeDriver browser;
    private static Path profile;
    /** Every line of the browser's console so far (reading the log empties it). */
    private static final List<LogEntry> CONSOLE = new ArrayList<>();

    @BeforeAll
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    static void up() throws IOException {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "ConsoleIT skipped: no browser on this machine (needs " + CHROMIUM + " and " + CHROMEDRIVER
                        + ": apt-get install -y chromium chromium-driver, as .ci/run does)");
        cluster = ClusterFixture.up("kv-console", "--brokers", "3", "--nodes", "2", "--partitions", "6");
        assertEquals(Set.of(1, 2), cluster.nodeIds());
        Files.createDirectories(SCREENSHOTS);
        profile = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "console-chromium-");
        browser = startBrowser(profile);
    }

    /**
     * Chromium headless with a fresh profile, and with none of its own network traffic (updates,
     * sync, QUIC): on a closed network those end in refused connections.
     */
    private static ChromeDriver startBrowser(Path profile) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=" + WIDTH + ",1200", "--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        // the driver named here: Selenium Manager is not asked to find or download one
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(new File("target/console-chromedriver.log"))
                .build();
        return new ChromeDriver(service, options);
    }

    @AfterEach
    void theBrowsersConsoleHasNoError() {
        if (browser != null) {
            assertNoConsoleError();
        }
    }

    @AfterAll
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    static void down() throws IOException {
        try {
            if (browser != null) {
                browser.quit(); // ends Chromium and the chromedriver it started
            }
        } finally {
            if (cluster != null) {
                cluster.down();
            }
            if (profile != null) {
                try (Stream<Path> files = Files.walk(profile)) {
                    files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
                }
            }
        }
    }

    @Test
    @Order(1)
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void thePageLoadsWithoutConsoleErrorsAndShowsTheNodes() throws IOException {
        // When the browser opens / of node 1 (the first load: nothing cached)
        browser.get(cluster.url(1) + "/");

        // Then the cluster view fills in with both nodes, their URLs, and the brokers
        awaitText("both nodes in the cluster view", () -> rows("#nodes").size() == 2
                && text("#nodes").contains(cluster.url(1)) && text("#nodes").contains(cluster.url(2)));
        awaitText("3 brokers", () -> rows("#brokers").size() == 3);
        awaitText("6 partitions with each node's applied offset", () -> rows("#partitions").size() == 6);
        assertEquals("true", script("return document.body.dataset.clusterShown"));
        long load = loadTime();
        long shown = Math.round(((Number) script(
                "return performance.getEntriesByName('kv-cluster-shown')[0].startTime")).doubleValue());

        // And the same again from the browser's cache
        browser.navigate().refresh();
        awaitText("the cluster view after a reload", () -> rows("#nodes").size() == 2);
        awaitText("the cluster view mark after a reload",
                () -> (Boolean) script("return performance.getEntriesByName('kv-cluster-shown').length > 0"));
        long reload = loadTime();
        long reshown = Math.round(((Number) script(
                "return performance.getEntriesByName('kv-cluster-shown')[0].startTime")).doubleValue());
        System.out.printf("console page load: %d ms (load event), cluster view filled at %d ms; "
                + "reloaded: %d ms, %d ms%n", load, shown, reload, reshown);
        screenshot("01-cluster");
    }

    @Test
    @Order(2)
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aKeyWrittenOverHttpAppearsInTheKeyBrowserWithItsValueAsText() throws IOException {
        // Given a key with a '/', a space and non-ASCII, and a value that looks like markup, written to node 2
        String key = "console:dir/a key ü";
        String value = "<b>not bold</b> & 😀";
        Reply put = put(2, key, value, "console-1");
        assertTrue(put.acked(), put.toString());

        // When the key browser lists the prefix
        WebElement prefix = browser.findElement(By.id("scan-prefix"));
        prefix.clear();
        prefix.sendKeys("console:");
        browser.findElement(By.cssSelector("#scan-form button[type=submit]")).click();

        // Then the key is listed, and a click shows its value as text (the markup is not markup)
        awaitText("the key in the key browser", () -> keyRow(key) != null);
        keyRow(key).click();
        awaitText("the value view of the key", () -> value.equals(browser.findElement(By.id("value-text")).getText()));
        assertEquals(key, browser.findElement(By.id("value-key")).getText());
        assertTrue(browser.findElements(By.cssSelector("#value-text b, #key-list b")).isEmpty(),
                "a value reached the page as HTML");
        screenshot("02-keys", "#keys");
    }

    @Test
    @Order(3)
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aPutAndADeleteFromTheFormAreSeenOverHttp() throws IOException {
        String key = "console:form/1";

        // When the form puts a key
        WebElement keyField = browser.findElement(By.id("write-key"));
        keyField.clear();
        keyField.sendKeys(key);
        WebElement valueField = browser.findElement(By.id("write-value"));
        valueField.clear();
        valueField.sendKeys("written from the browser");
        browser.findElement(By.id("put-button")).click();

        // Then the page shows the ack, and both nodes serve the value (linearizable reads)
        awaitText("the put's ack", () -> browser.findElement(By.id("write-result")).getText().startsWith("put "));
        assertTrue(browser.findElement(By.id("write-result")).getText().contains("version"));
        for (int node : cluster.nodeIds()) {
            Reply read = cluster.get(node, key);
            assertEquals(200, read.status(), "node " + node + ": " + read);
            assertEquals("written from the browser", read.value(), "node " + node);
        }
        awaitText("the put key listed (the page lists again after a write)", () -> keyRow(key) != null);
        screenshot("03-put", "#write");

        // When the form deletes it
        browser.findElement(By.id("delete-button")).click();

        // Then it is gone over HTTP, and from the list
        awaitText("the delete's ack", () -> browser.findElement(By.id("write-result")).getText().startsWith("deleted "));
        for (int node : cluster.nodeIds()) {
            Reply read = cluster.get(node, key);
            assertEquals(404, read.status(), "node " + node + ": " + read);
        }
        awaitText("the deleted key no longer listed", () -> keyRow(key) == null);
    }

    @Test
    @Order(4)
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void theWatchTailShowsAChangeWrittenOverHttpToTheOtherNode() throws IOException {
        // Given the page (served by node 1) watching the prefix console:w
        WebElement prefix = browser.findElement(By.id("watch-prefix"));
        prefix.clear();
        prefix.sendKeys("console:w");
        browser.findElement(By.id("watch-button")).click();
        awaitText("the watch open", () -> browser.findElement(By.id("watch-status")).getText().startsWith("watching"));

        // When a key under it is written, and another not under it, to node 2
        assertTrue(put(2, "console:other", "not watched", "console-w0").acked());
        assertTrue(put(2, "console:w1", "seen live", "console-w1").acked());

        // Then the tail shows the change, and only it
        awaitText("the change in the watch tail", () -> text("#watch-tail").contains("console:w1")
                && text("#watch-tail").contains("seen live"));
        assertEquals(1, rows("#watch-tail").size(), text("#watch-tail"));
        screenshot("04-watch", "#watch");
    }

    @Test
    @Order(5)
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void theChartsShowTheTrafficOfTheNodeServingThePage() throws Exception {
        // When node 1 gets writes and reads (the page polls its /metrics every second)
        AtomicBoolean loading = new AtomicBoolean(true);
        AtomicInteger acked = new AtomicInteger();
        Thread load = new Thread(() -> {
            for (int i = 0; loading.get(); i++) {
                String key = "console:load/" + (i % 50);
                if (cluster.put(1, key, "v" + i, "console-load-" + i, "log").acked()) {
                    acked.incrementAndGet();
                }
                cluster.get(1, key);
                cluster.get(1, key);
            }
        }, "console-load");
        load.start();
        try {
            // Then the page shows writes per second above zero, and a latency
            awaitText("writes/s above zero", () -> WRITES_PER_SECOND.matcher(text("#ops-now")).find()
                    && Double.parseDouble(matched(WRITES_PER_SECOND, text("#ops-now"))) > 0);
            awaitText("a mean latency", () -> text("#latency-now").matches("now: mean [0-9.]+ ms.*"));
            LocalNodes.sleep(4000); // a few points on the charts, for the screenshot
            screenshot("05-console");
        } finally {
            loading.set(false);
            load.join(10_000);
        }
        assertTrue(acked.get() > 0, "no write of the load was acked");
        System.out.println("console charts: " + text("#ops-now") + "; " + text("#latency-now"));
    }

    /**
     * Not the cluster's nodes (their auth stays off: what the tests above see is unchanged) but a
     * {@link RouterOnlyNode}: the node's guard and console with auth on, no Kafka and no roles, so
     * once signed in the page's calls answer the API's 404 (503 for /metrics): enough to see the
     * token sent and the refusals shown, with no second cluster to start.
     */
    @Test
    @Order(6)
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void onANodeWithAuthOnThePageAsksForATokenKeepsItForTheTabAndForgetsItOnSignOut() throws IOException {
        // Given a node with auth on whose auth file has the nodes' admin and ada, who may read console: only
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "console-auth-");
        String nodeToken = AuthFile.newToken();
        String adasToken = AuthFile.newToken();
        Path authFile = dir.resolve("auth.json");
        AuthFile.empty()
                .withRole("admin", AuthFile.EVERYTHING)
                .withRole("reader", Map.of(Permission.READ, List.of("console:")))
                .withPrincipal("node", new AuthFile.Entry(List.of("admin"), List.of(AuthFile.hash(nodeToken)), null))
                .withPrincipal("ada", new AuthFile.Entry(List.of("reader"), List.of(AuthFile.hash(adasToken)), null))
                .write(authFile);
        RouterOnlyNode node = RouterOnlyNode.serve(dir, new NodeSecurity(authFile, nodeToken, 0, null));
        try {
            // When the browser opens its page
            browser.get(node.url() + "/");

            // Then the page asks for a token, with the node's reason
            awaitText("the sign-in box", () -> browser.findElement(By.id("signin")).isDisplayed());
            assertTrue(text("#signin-why").contains("no credentials"), text("#signin-why"));
            assertFalse(browser.findElement(By.id("signed-in")).isDisplayed());
            screenshot("06-sign-in", "#signin");

            // When a token the node does not know is given
            signIn("kvt_not-a-token-of-this-node");

            // Then it is refused, and not kept
            awaitText("the refusal of an unknown token",
                    () -> text("#signin-why").startsWith("The token given was refused:"));
            assertNull(script("return sessionStorage.getItem('kvlog.token')"));

            // When ada's token is given
            signIn(adasToken);

            // Then the box goes; the token is kept for this tab only, and is in no URL
            awaitText("the sign-in box gone", () -> !browser.findElement(By.id("signin")).isDisplayed()
                    && browser.findElement(By.id("signed-in")).isDisplayed());
            assertEquals(adasToken, script("return sessionStorage.getItem('kvlog.token')"));
            assertEquals(0L, ((Number) script("return localStorage.length")).longValue());
            assertFalse(browser.getCurrentUrl().contains(adasToken), browser.getCurrentUrl());
            assertEquals(List.of(), script("return performance.getEntriesByType('resource').map(e => e.name)"
                    + ".filter(n => n.includes(arguments[0]))", adasToken));

            // And a put ada may not make shows the node's refusal where the ack goes (a 403: the token was sent)
            WebElement keyField = browser.findElement(By.id("write-key"));
            keyField.clear();
            keyField.sendKeys("elsewhere/1");
            browser.findElement(By.id("put-button")).click();
            awaitText("the refusal of the put", () -> text("#write-result").startsWith("refused: FORBIDDEN: ada may not"
                    + " write key") && text("#write-result").contains("elsewhere/1"));

            // And the watch sends it too (past the guard: this router has no query role, so its 404)
            WebElement prefix = browser.findElement(By.id("watch-prefix"));
            prefix.clear();
            prefix.sendKeys("console:");
            browser.findElement(By.id("watch-button")).click();
            awaitText("the watch past the guard", () -> text("#watch-status").contains("NOT_FOUND"));
            screenshot("07-signed-in");

            // When ada signs out
            browser.findElement(By.id("sign-out")).click();

            // Then the token is forgotten and the page asks for one again
            awaitText("the sign-in box again", () -> browser.findElement(By.id("signin")).isDisplayed());
            assertNull(script("return sessionStorage.getItem('kvlog.token')"));
            assertEquals("", text("#write-result"));
        } finally {
            browser.get("about:blank"); // the page's polls end before the node does
            node.close();
            // what this node answered (401, 403, 404, 503) Chromium logs as failed loads: expected here
            forgetConsoleErrors(Pattern.compile(Pattern.quote("127.0.0.1") + ":[0-9]+/.* Failed to load resource: "
                    + "the server responded with a status of (401|403|404|503) "));
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    private static void signIn(String token) {
        WebElement field = browser.findElement(By.id("signin-token"));
        field.clear();
        field.sendKeys(token);
        browser.findElement(By.id("signin-button")).click();
    }

    /** Reads the browser's console, leaving out (printed, not kept) the entries {@code expected} finds. */
    private static void forgetConsoleErrors(Pattern expected) {
        for (LogEntry entry : browser.manage().logs().get(LogType.BROWSER)) {
            if (expected.matcher(entry.getMessage()).find()) {
                System.out.println("browser console (expected): " + entry.getLevel() + " " + entry.getMessage());
            } else {
                CONSOLE.add(entry);
            }
        }
    }

    private static String matched(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        return m.find() ? m.group(1) : "0";
    }

    // ---------------------------------------------------------------- helpers

    private static long loadTime() {
        awaitText("the load event", () -> ((Number) script(
                "return performance.getEntriesByType('navigation')[0].loadEventEnd")).doubleValue() > 0);
        return Math.round(((Number) script(
                "return performance.getEntriesByType('navigation')[0].loadEventEnd")).doubleValue());
    }

    /**
     * A put acknowledged by the log (wait=log), retried with the same id while it answers 504 (the
     * outcome unknown: the contract's retry, which takes effect once). On this shared 2-core
     * machine a freshly started cluster's first writes have missed the 1 s deadline.
     */
    private static Reply put(int node, String key, String value, String id) {
        Reply reply = cluster.put(node, key, value, id, "log");
        for (int attempt = 1; attempt < 5 && reply.status() == 504; attempt++) {
            System.out.println("ConsoleIT: put " + key + " answered " + reply + "; retrying with the same id");
            reply = cluster.put(node, key, value, id, "log");
        }
        return reply;
    }

    private static void assertNoConsoleError() {
        browser.manage().logs().get(LogType.BROWSER).forEach(CONSOLE::add);
        List<String> severe = new ArrayList<>();
        for (LogEntry entry : CONSOLE) {
            System.out.println("browser console: " + entry.getLevel() + " " + entry.getMessage());
            if (entry.getLevel().intValue() >= Level.SEVERE.intValue()) {
                severe.add(entry.getMessage());
            }
        }
        CONSOLE.clear();
        assertEquals(List.of(), severe, "errors in the browser's console");
    }

    /** The row of the key browser whose key cell is exactly {@code key}, or null. */
    private static WebElement keyRow(String key) {
        for (WebElement row : rows("#key-list")) {
            if (key.equals(row.findElement(By.cssSelector("td")).getText())) {
                return row;
            }
        }
        return null;
    }

    private static List<WebElement> rows(String table) {
        return browser.findElements(By.cssSelector(table + " tbody tr"));
    }

    private static String text(String selector) {
        return browser.findElement(By.cssSelector(selector)).getText();
    }

    private static Object script(String js, Object... arguments) {
        return ((JavascriptExecutor) browser).executeScript(js, arguments);
    }

    private static void awaitText(String what, BooleanSupplier shown) {
        new WebDriverWait(browser, SHOWN_WITHIN).withMessage(() -> "not shown within " + SHOWN_WITHIN.toSeconds()
                + " s: " + what).until(driver -> shown.getAsBoolean());
    }

    /** The whole page as {@code NAME.png}, and the section {@code selector} alone as {@code NAME-section.png}. */
    private static void screenshot(String name, String selector) throws IOException {
        screenshot(name);
        Files.write(SCREENSHOTS.resolve(name + "-section.png"),
                browser.findElement(By.cssSelector(selector)).getScreenshotAs(OutputType.BYTES));
    }

    /** The whole page, from the top: the window is made as tall as the page first. */
    private static void screenshot(String name) throws IOException {
        script("window.scrollTo(0, 0)");
        long page = ((Number) script("return document.documentElement.scrollHeight")).longValue();
        long frame = ((Number) script("return window.outerHeight - window.innerHeight")).longValue();
        browser.manage().window().setSize(new Dimension(WIDTH, (int) (page + frame)));
        Files.write(SCREENSHOTS.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
    }
}
