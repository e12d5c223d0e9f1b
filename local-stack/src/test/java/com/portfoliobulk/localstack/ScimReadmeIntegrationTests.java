package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.UserRef;
import com.portfoliobulk.testsupport.TestTokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's SCIM section runs as written: its {@code bash} blocks, in order, in one shell with
 * {@code set -euo pipefail}, against the test stack. Only the local stack's values are replaced: the
 * gateway's address, the demo portfolio, the Owner's token file and the demo user's address.
 */
class ScimReadmeIntegrationTests {

    static final String SECTION = "## Identity provider provisioning (SCIM 2.0)";

    private final ServiceStack stack = TestStack.get();

    @Test
    void theReadmesEntraIdAndOktaCommandsOffboardTheUserOnce(@TempDir Path directory) throws Exception {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 3);
        UserRef user = portfolio.addIdpManagedUser("sso", AccountRole.ANALYST, portfolio.accounts());
        UUID ownerId = UUID.randomUUID();
        Path tokenFile = directory.resolve("owner-token");
        Files.writeString(
                tokenFile, TestTokens.token(ownerId, "owner-" + ownerId + "@agency.example", portfolio.id(), "OWNER"));
        StringBuilder script = new StringBuilder("set -euo pipefail\n");
        for (String block : ReadmeWalkthrough.blocks(ProjectFiles.read("README.md"), SECTION)) {
            script.append(block.replace("http://localhost:8080", stack.gatewayUrl())
                            .replace(
                                    "00000000-0000-0000-0000-000000000001",
                                    portfolio.id().toString())
                            .replace(".local-stack/admin-token", tokenFile.toString())
                            .replace("morgan.sso@demo.example", user.email()))
                    .append('\n');
        }
        Path file = directory.resolve("scim.sh");
        Files.writeString(file, script);

        Process process = new ProcessBuilder("bash", file.toString())
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output)
                .contains("Tenant URL:   " + stack.gatewayUrl() + "/scim/v2/portfolios/" + portfolio.id())
                .contains("Secret Token: scim_")
                .contains("{\"userName\":\"" + user.email() + "\",\"active\":false}")
                .contains("{\"origin\":\"SCIM\",\"requestedBy\":\"identity provider\",\"total\":3}");
        assertThat(output.lines().filter(line -> line.startsWith("{\"origin\":\"SCIM\"")))
                .as("one job for both deactivations")
                .hasSize(1);
    }
}
