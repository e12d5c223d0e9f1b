package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the README's walkthrough verbatim against a started local stack: every {@code ```bash} block
 * of the section "Walkthrough (5 minutes, curl)", in order, in one bash session (so variables such as
 * {@code TOKEN} carry over), with {@code set -euo pipefail}. The only changes are addresses: the
 * README's {@code http://localhost:8080} (gateway) and {@code http://localhost:8025} (mailbox) become
 * the test stack's. The commands run in a
 * directory whose {@code .local-stack} is the stack's data directory, so {@code cat
 * .local-stack/admin-token} reads the token the stack printed.
 *
 * <p>Walkthrough commands should fail on an error answer ({@code curl -fsS}), so a broken step fails
 * the run.
 */
final class ReadmeWalkthrough {

    static final String SECTION = "## Walkthrough (5 minutes, curl)";

    private static final String README_GATEWAY = "http://localhost:8080";

    private static final String README_MAILBOX = "http://localhost:8025";

    private static final Pattern BASH_BLOCK = Pattern.compile("(?ms)^```bash\\n(.*?)^```");

    private ReadmeWalkthrough() {}

    /** The walkthrough's command blocks, in order. */
    static List<String> blocks(String readme) {
        return blocks(readme, SECTION);
    }

    /** The command blocks of a section of the README (its heading line), in order. */
    static List<String> blocks(String readme, String heading) {
        int start = readme.indexOf(heading);
        assertThat(start).as("README.md has the section %s", heading).isNotNegative();
        int end = readme.indexOf("\n## ", start + heading.length());
        String section = readme.substring(start, end < 0 ? readme.length() : end);
        Matcher matcher = BASH_BLOCK.matcher(section);
        List<String> blocks = new ArrayList<>();
        while (matcher.find()) {
            blocks.add(matcher.group(1));
        }
        return blocks;
    }

    /** Runs the blocks against the stack; returns bash's exit code and everything it printed. */
    static Result run(List<String> blocks, String gatewayUrl, String mailboxUrl, Path dataDirectory, Path workDirectory)
            throws IOException, InterruptedException {
        Files.createSymbolicLink(workDirectory.resolve(".local-stack"), dataDirectory);
        StringBuilder script = new StringBuilder("set -euo pipefail\n");
        for (String block : blocks) {
            script.append(block.replace(README_GATEWAY, gatewayUrl).replace(README_MAILBOX, mailboxUrl))
                    .append('\n');
        }
        Path file = workDirectory.resolve("walkthrough.sh");
        Files.writeString(file, script);
        Process process = new ProcessBuilder("bash", file.toString())
                .directory(workDirectory.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(5, TimeUnit.MINUTES))
                .as("the walkthrough finishes")
                .isTrue();
        return new Result(process.exitValue(), output);
    }

    record Result(int exitCode, String output) {}
}
