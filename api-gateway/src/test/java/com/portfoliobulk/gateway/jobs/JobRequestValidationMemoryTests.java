package com.portfoliobulk.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.jobs.InviteUsers.AccountInvitation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A body of the largest size the gateway reads (5 MB) can list about 1.7 million addresses, each of
 * them empty: validating it keeps only the problems it answers with. Run in a JVM of its own with a
 * heap of 128 MB, a third of what a problem for each entry held (over 500 MB, enough for two such
 * requests at once to end a gateway of the default 1.5 GB with an OutOfMemoryError).
 */
class JobRequestValidationMemoryTests {

    /** As many empty addresses as a 5 MB body holds ({@code "",} each). */
    static final int ENTRIES = 5 * 1024 * 1024 / 3;

    @Test
    void aBodyFullOfBadAddressesIsValidatedInABoundedHeap() throws IOException, InterruptedException {
        Process probe = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx128m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        Probe.class.getName())
                .redirectErrorStream(true)
                .start();
        String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(probe.waitFor(2, TimeUnit.MINUTES)).isTrue();

        assertThat(probe.exitValue()).as(output).isZero();
        assertThat(output).contains("request has " + ENTRIES + " problem(s)", "listed 20");
    }

    /** Validates the body's request in this small heap and prints what the answer would say. */
    static final class Probe {

        public static void main(String[] args) {
            InviteUsers request = new InviteUsers(
                    Collections.nCopies(ENTRIES, ""),
                    null,
                    List.of(new AccountInvitation(UUID.randomUUID(), null)),
                    null);
            try {
                JobRequestValidation.validate(request);
                System.out.println("valid");
            } catch (InvalidJobRequestException refused) {
                System.out.println(
                        refused.getMessage() + "; listed " + refused.errors().size());
            }
        }
    }
}
