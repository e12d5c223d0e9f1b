package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.PageLoadStrategy;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The operating system's headless Chromium, driven by its chromium-driver, for the web console
 * tests. Nothing is downloaded at run time. Under CI ({@code CI=true}) a missing browser fails the
 * test; elsewhere the test is skipped with a message saying how to install it.
 */
final class ConsoleBrowser implements AutoCloseable {

    static final String INSTALL = "The web console tests need Chromium and its driver from the OS packages:"
            + " apt-get install -y chromium chromium-driver (or set CHROME_BIN and CHROMEDRIVER_BIN)";

    private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

    private final WebDriver driver;

    private final Path profile;

    private final String baseUrl;

    private ConsoleBrowser(WebDriver driver, Path profile, String baseUrl) {
        this.driver = driver;
        this.profile = profile;
        this.baseUrl = baseUrl;
    }

    /** A fresh browser (its own empty profile) at 1280 px wide, for the console at {@code baseUrl}. */
    static ConsoleBrowser open(String baseUrl) {
        return open(baseUrl, PageLoadStrategy.NORMAL);
    }

    /**
     * A fresh browser like {@link #open(String)}; with {@link PageLoadStrategy#NONE} a click that
     * navigates returns at once, so a test can click again while the first answer is on its way.
     */
    static ConsoleBrowser open(String baseUrl, PageLoadStrategy pageLoad) {
        Path chromium = executable("CHROME_BIN", "/usr/bin/chromium");
        Path chromedriver = executable("CHROMEDRIVER_BIN", "/usr/bin/chromedriver");
        if (!Files.isExecutable(chromium) || !Files.isExecutable(chromedriver)) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(INSTALL);
            }
            Assumptions.abort(INSTALL + "; skipped because CI is not set");
        }
        try {
            Path profile = Files.createTempDirectory("console-chromium-");
            ChromeOptions options = new ChromeOptions()
                    .setBinary(chromium.toFile())
                    .addArguments(
                            "--headless",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-quic",
                            "--no-first-run",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--disable-sync",
                            "--disable-dev-shm-usage",
                            "--window-size=1280,900",
                            "--user-data-dir=" + profile);
            options.setPageLoadStrategy(pageLoad);
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(chromedriver.toFile())
                    .usingAnyFreePort()
                    .build();
            WebDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
            return new ConsoleBrowser(driver, profile, baseUrl);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static Path executable(String variable, String fallback) {
        return Path.of(Optional.ofNullable(System.getenv(variable)).orElse(fallback));
    }

    WebDriver driver() {
        return driver;
    }

    void go(String path) {
        driver.get(baseUrl + path);
    }

    /** Signs in through the demo sign-in page with the given permission on the portfolio. */
    void signIn(String email, String permission, UUID portfolio) {
        go("/console/sign-in?portfolio=" + portfolio);
        WebElement address = org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> driver.findElement(By.id("email")), field -> field != null);
        address.clear();
        address.sendKeys(email);
        driver.findElement(By.cssSelector("input[name=permission][value=" + permission + "]"))
                .click();
        driver.findElement(By.id("sign-in")).click();
        // The click returns before the answer has arrived: wait until the session cookie is set.
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> !driver.getCurrentUrl().contains("/console/sign-in"));
    }

    /** On a Users page that lists the user first, picks them and opens the review of their offboarding. */
    void reviewOffboardingOfTheListedUser() {
        find("tr.user-row input.pick").click();
        find("#offboard").click();
        awaitPage("Review changes");
    }

    /** Waits until the page with this title (its start) has loaded, after a click that navigates. */
    void awaitPage(String title) {
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> driver.getTitle().startsWith(title)
                        && "complete"
                                .equals(((org.openqa.selenium.JavascriptExecutor) driver)
                                        .executeScript("return document.readyState")));
    }

    WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    List<WebElement> findAll(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    String text(String css) {
        return find(css).getText();
    }

    /**
     * Waits on a job page until the job has ended and the page has reloaded with its final state
     * (the progress panel no longer polls), and answers the job's status.
     */
    String awaitJobEnd(Duration patience) {
        return org.awaitility.Awaitility.await()
                .atMost(patience)
                .ignoreExceptions()
                .until(
                        () -> {
                            WebElement progress = find("#progress");
                            return progress.getAttribute("hx-get") == null ? text("#job-status") : null;
                        },
                        status -> status != null);
    }

    /** Sets the window width (phone or desktop); the height follows. */
    void width(int pixels) {
        driver.manage().window().setSize(new Dimension(pixels, 900));
    }

    /** Nothing wider than the window: no sideways scrolling. */
    void assertFits() {
        JavascriptExecutor page = (JavascriptExecutor) driver;
        long content = ((Number) page.executeScript("return document.documentElement.scrollWidth")).longValue();
        long window = ((Number) page.executeScript("return window.innerWidth")).longValue();
        assertThat(content)
                .as("page width at a %d px window: %s", window, driver.getCurrentUrl())
                .isLessThanOrEqualTo(window);
    }

    /** Saves a screenshot as {@code target/console-screenshots/<name>.png}. */
    Path screenshot(String name) {
        return screenshot(name, false);
    }

    /**
     * Saves a screenshot like {@link #screenshot(String)}, and also into the directory of the system
     * property {@code console.screenshots} when it is set (to refresh the README's).
     */
    Path documentationScreenshot(String name) {
        return screenshot(name, true);
    }

    private Path screenshot(String name, boolean documentation) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path file = SCREENSHOTS.resolve(name + ".png");
            Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
            String copyTo = System.getProperty("console.screenshots");
            if (documentation && copyTo != null && !copyTo.isBlank()) {
                Path directory = Files.createDirectories(Path.of(copyTo));
                Files.copy(file, directory.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
            }
            return file;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Closes the browser a test opened; nothing when it opened none (no Chromium here: the test was
     * skipped before it could).
     */
    static void closeIfOpen(ConsoleBrowser browser) {
        if (browser != null) {
            browser.close();
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(path -> path.toFile().delete());
            } catch (IOException ex) {
                // A leftover temporary profile is harmless.
            }
        }
    }
}
