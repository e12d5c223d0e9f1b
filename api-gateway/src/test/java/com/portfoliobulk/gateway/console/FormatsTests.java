package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.portfolio.AdminLogAction;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/** How the console's pages word a configured duration and the changes of the administration log. */
class FormatsTests {

    private final Formats fmt = new Formats();

    @Test
    void aDurationIsWordedInTheLargestUnitItIsAWholeNumberOf() {
        assertThat(fmt.duration(Duration.ofHours(24))).isEqualTo("24 hours");
        assertThat(fmt.duration(Duration.ofHours(1))).isEqualTo("1 hour");
        assertThat(fmt.duration(Duration.ofMinutes(90))).isEqualTo("90 minutes");
        assertThat(fmt.duration(Duration.ofMinutes(1))).isEqualTo("1 minute");
        assertThat(fmt.duration(Duration.ofSeconds(90))).isEqualTo("90 seconds");
        assertThat(fmt.duration(Duration.ofSeconds(30))).isEqualTo("30 seconds");
        assertThat(fmt.duration(Duration.ofSeconds(1))).isEqualTo("1 second");
        assertThat(fmt.duration(Duration.ofMillis(1500))).isEqualTo("1500 milliseconds");
        assertThat(fmt.duration(Duration.ZERO)).isEqualTo("0 seconds");
    }

    /**
     * Every change the administration log can hold has a name of its own on the Administration page (the
     * codes the gateway writes are the {@link AdminLogAction}s; a new one needs a name here), no two the
     * same; a code of a newer gateway, which this one has no name for, is shown in words.
     */
    @Test
    void everyChangeOfTheAdministrationLogHasAName() {
        Set<String> codes = new TreeSet<>(
                Arrays.stream(AdminLogAction.values()).map(Enum::name).toList());

        assertThat(Formats.ADMIN_LOG_ACTIONS.keySet()).containsExactlyInAnyOrderElementsOf(codes);
        assertThat(codes)
                .allSatisfy(code ->
                        assertThat(fmt.adminLogAction(code)).isNotBlank().isNotEqualTo(code));
        assertThat(Set.copyOf(Formats.ADMIN_LOG_ACTIONS.values())).hasSameSizeAs(codes);
        assertThat(fmt.adminLogAction("PORTFOLIO_ROLE_CHANGED")).isEqualTo("Portfolio role changed");
        assertThat(fmt.adminLogAction("PORTFOLIO_RENAMED")).isEqualTo("Portfolio renamed");
    }

    /**
     * The codes a migration wrote into the administration log itself (jobs V182, for the portfolio users
     * deprovisioned before the upgrade) are {@link AdminLogAction}s, named on the page as the gateway's.
     */
    @Test
    void theCodesMigrationsWroteIntoTheAdministrationLogAreItsChanges() throws IOException {
        Pattern insert =
                Pattern.compile("INSERT\\s+INTO\\s+(?:jobs\\.)?portfolio_admin_log\\b[^;]*", Pattern.CASE_INSENSITIVE);
        Pattern code = Pattern.compile("'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'");
        Set<String> written = new TreeSet<>();
        for (Resource migration :
                new PathMatchingResourcePatternResolver().getResources("classpath*:db/migration/jobs/*.sql")) {
            Matcher statements = insert.matcher(migration.getContentAsString(StandardCharsets.UTF_8));
            while (statements.find()) {
                Matcher codes = code.matcher(statements.group());
                while (codes.find()) {
                    written.add(codes.group(1));
                }
            }
        }

        assertThat(written).contains("PORTFOLIO_USER_REMOVED", "OWNER_TRANSFER_WITHDRAWN");
        assertThat(written)
                .allSatisfy(action -> assertThat(Formats.ADMIN_LOG_ACTIONS).containsKey(action));
    }
}
