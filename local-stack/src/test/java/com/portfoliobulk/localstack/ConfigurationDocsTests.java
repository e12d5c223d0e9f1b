package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * README.md's Configuration table is the one list of the environment variables: every variable a
 * service's configuration file reads is in it.
 */
class ConfigurationDocsTests {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]+)[:}]");

    @Test
    void everyVariableTheServicesReadIsInTheConfigurationTable() {
        Set<String> read = new TreeSet<>();
        for (String module : ProjectFiles.serviceModules()) {
            Matcher placeholder =
                    PLACEHOLDER.matcher(ProjectFiles.read(module + "/src/main/resources/" + module + ".yml"));
            while (placeholder.find()) {
                read.add(placeholder.group(1));
            }
        }
        assertThat(read).as("variables the services read").contains("BULK_DB_URL", "BULK_WORKER_CONCURRENCY");

        String readme = ProjectFiles.read("README.md");
        int start = readme.indexOf("\n## Configuration\n");
        assertThat(start).as("README.md has a Configuration section").isNotNegative();
        int end = readme.indexOf("\n## ", start + 1);
        String table = readme.substring(start, end < 0 ? readme.length() : end);

        assertThat(read)
                .as("variables missing from README.md's Configuration table")
                .allSatisfy(variable -> assertThat(table).contains("`" + variable + "`"));
    }
}
