package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadmeWalkthroughTests {

    private static final String README = """
            # Product

            ```bash
            echo not part of the walkthrough
            ```

            ## Walkthrough (5 minutes, curl)

            1. First:

            ```bash
            TOKEN=$(cat .local-stack/admin-token)
            ```

            ```json
            {"not": "a command"}
            ```

            2. Then:

            ```bash
            echo "$TOKEN at http://localhost:8080/api"
            ```

            ## Next section

            ```bash
            echo neither
            ```
            """;

    @Test
    void takesTheBashBlocksOfTheWalkthroughSectionOnly() {
        assertThat(ReadmeWalkthrough.blocks(README))
                .containsExactly(
                        "TOKEN=$(cat .local-stack/admin-token)\n", "echo \"$TOKEN at http://localhost:8080/api\"\n");
    }

    @Test
    void runsThemInOneSessionAgainstTheGivenGatewayAndDataDirectory(@TempDir Path data, @TempDir Path work)
            throws Exception {
        java.nio.file.Files.writeString(data.resolve("admin-token"), "the-token\n");

        ReadmeWalkthrough.Result result = ReadmeWalkthrough.run(
                ReadmeWalkthrough.blocks(README), "http://localhost:54321", "http://localhost:54322", data, work);

        assertThat(result).isEqualTo(new ReadmeWalkthrough.Result(0, "the-token at http://localhost:54321/api\n"));
    }

    @Test
    void stopsAtTheFirstFailingCommand(@TempDir Path data, @TempDir Path work) throws Exception {
        ReadmeWalkthrough.Result result = ReadmeWalkthrough.run(
                java.util.List.of("false\n", "echo unreachable\n"),
                "http://localhost:1",
                "http://localhost:2",
                data,
                work);

        assertThat(result.exitCode()).isOne();
        assertThat(result.output()).doesNotContain("unreachable");
    }

    @Test
    void theReadmeWalkthroughTakesEveryStepWithCurlFailingOnErrors() {
        List<String> blocks = ReadmeWalkthrough.blocks(ProjectFiles.read("README.md"));
        String commands = String.join("\n", blocks);

        assertThat(commands.lines().filter(line -> line.contains("curl ")))
                .isNotEmpty()
                .allSatisfy(line -> assertThat(line).contains("curl -fsS"));
        assertThat(commands)
                .contains("cat .local-stack/admin-token")
                .contains("http://localhost:8080")
                .contains("/users?q=leaver")
                .contains("/bulk-jobs/preview")
                .contains("-H 'Idempotency-Key: ")
                .contains("\"$API/bulk-jobs/$JOB\"")
                .contains("/tasks?status=SKIPPED")
                .contains("/activity-log");
    }
}
