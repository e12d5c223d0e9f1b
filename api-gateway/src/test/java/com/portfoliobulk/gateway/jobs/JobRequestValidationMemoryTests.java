package com.portfoliobulk.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.jobs.InviteUsers.AccountInvitation;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;
import org.springframework.mock.http.MockHttpInputMessage;
import tools.jackson.databind.json.JsonMapper;

/**
 * A body of the largest size the gateway reads (5 MB) can list about 1.7 million addresses, each of
 * them empty: validating it keeps only the problems it answers with. Run in a JVM of its own with a
 * heap of 128 MB, a third of what a problem for each entry held (over 500 MB, enough for two such
 * requests at once to end a gateway of the default 1.5 GB with an OutOfMemoryError).
 *
 * <p>Reading such a body is bounded too: 1.7 million empty assignments, read as the gateway reads a
 * request body, fit in the same 128 MB (a tree of the body took about 440 MB).
 */
class JobRequestValidationMemoryTests {

    /** As many empty addresses as a 5 MB body holds ({@code "",} each). */
    static final int ENTRIES = 5 * 1024 * 1024 / 3;

    /** As many empty assignments as a 5 MB body holds ({@code {},} each), {@code type} last. */
    static final int EMPTY_ASSIGNMENTS = (5 * 1024 * 1024 - 40) / 3;

    @Test
    void aBodyFullOfBadAddressesIsValidatedInABoundedHeap() throws IOException, InterruptedException {
        String output = inSmallHeap(Probe.class);

        assertThat(output).contains("request has " + ENTRIES + " problem(s)", "listed 20");
    }

    @Test
    void aBodyFullOfEmptyAssignmentsIsReadAndValidatedInABoundedHeap() throws IOException, InterruptedException {
        String output = inSmallHeap(ReadingProbe.class);

        // Each assignment lacks its userId, accountId and role.
        assertThat(output).contains("request has " + 3 * EMPTY_ASSIGNMENTS + " problem(s)", "listed 20");
    }

    /** Runs {@code probe} in a JVM of its own with a heap of 128 MB, which ends if it runs out. */
    private static String inSmallHeap(Class<?> probe) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx128m",
                        "-XX:+ExitOnOutOfMemoryError",
                        "-cp",
                        System.getProperty("java.class.path"),
                        probe.getName())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
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

    /**
     * Reads a 5 MB body of empty assignments with the gateway's JSON mapper and Spring MVC's converter,
     * as a submission's body is read, from a stream (as Tomcat hands it over), then validates it.
     */
    static final class ReadingProbe {

        public static void main(String[] args) throws Exception {
            try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
                // The gateway's JSON mapper: Spring Boot's, customized by the gateway's JsonReading.
                context.register(
                        JacksonAutoConfiguration.class, Class.forName("com.portfoliobulk.gateway.web.JsonReading"));
                context.refresh();
                JacksonJsonHttpMessageConverter converter =
                        new JacksonJsonHttpMessageConverter(context.getBean(JsonMapper.class));
                InputStream body = new SequenceInputStream(Collections.enumeration(List.of(
                        text("{\"assignments\":["),
                        new EmptyObjects(EMPTY_ASSIGNMENTS),
                        text("],\"type\":\"UPDATE_ROLES\"}"))));
                JobRequest request = (JobRequest) converter.read(JobRequest.class, new MockHttpInputMessage(body));
                JobRequestValidation.validate(request);
                System.out.println("valid");
            } catch (InvalidJobRequestException refused) {
                System.out.println(
                        refused.getMessage() + "; listed " + refused.errors().size());
            }
        }

        private static InputStream text(String text) {
            return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** {@code {},{},...,{}}: {@code count} empty objects, made as they are read. */
    private static final class EmptyObjects extends InputStream {

        private static final byte[] ENTRY = "{},".getBytes(StandardCharsets.UTF_8);

        private final long size;

        private long at;

        EmptyObjects(int count) {
            this.size = (long) ENTRY.length * count - 1;
        }

        @Override
        public int read() {
            return at < size ? ENTRY[(int) (at++ % ENTRY.length)] : -1;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (at >= size) {
                return -1;
            }
            int n = (int) Math.min(length, size - at);
            for (int i = 0; i < n; i++) {
                buffer[offset + i] = ENTRY[(int) (at++ % ENTRY.length)];
            }
            return n;
        }
    }
}
