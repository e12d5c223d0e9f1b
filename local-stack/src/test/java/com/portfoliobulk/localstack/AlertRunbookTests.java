package com.portfoliobulk.localstack;

import static com.portfoliobulk.localstack.ProjectFiles.list;
import static com.portfoliobulk.localstack.ProjectFiles.map;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * Every alert of {@code ops/prometheus/alerts.yml} tells the operator what to do: its annotation
 * {@code runbook_url} names a heading of README.md ({@code README.md#<anchor>}, the anchor as GitHub
 * makes it), and that heading is the alert's own subsection.
 */
class AlertRunbookTests {

    private static final Pattern RUNBOOK_URL = Pattern.compile("README\\.md#([a-z0-9_-]+)");

    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.+?)\\s*#*\\s*$");

    @Test
    void everyAlertNamesItsSubsectionOfTheReadme() {
        Map<String, String> headings = headingsByAnchor(ProjectFiles.read("README.md"));
        assertThat(headings).as("README.md's headings").containsKey("alert-runbook");

        Map<String, Object> alerts = new LinkedHashMap<>();
        for (Object group : list(ProjectFiles.yaml("ops/prometheus/alerts.yml").get("groups"))) {
            list(map(group).get("rules"))
                    .forEach(rule -> alerts.put(String.valueOf(map(rule).get("alert")), rule));
        }
        assertThat(alerts).as("alerts").hasSizeGreaterThanOrEqualTo(10);

        SoftAssertions softly = new SoftAssertions();
        alerts.forEach((alert, rule) -> {
            Object url = map(map(rule).get("annotations")).get("runbook_url");
            softly.assertThat(url).as("runbook_url of %s", alert).isNotNull();
            Matcher reference = RUNBOOK_URL.matcher(String.valueOf(url));
            softly.assertThat(reference.matches())
                    .as("runbook_url of %s is README.md#<anchor>: %s", alert, url)
                    .isTrue();
            if (reference.matches()) {
                softly.assertThat(headings)
                        .as("README.md has the heading that %s's runbook_url names", alert)
                        .containsKey(reference.group(1));
                softly.assertThat(headings.getOrDefault(reference.group(1), ""))
                        .as("the heading %s's runbook_url names", alert)
                        .isEqualTo(alert);
            }
        });
        softly.assertAll();
    }

    @Test
    void anchorsAreMadeAsGitHubMakesThem() {
        Map<String, String> headings =
                headingsByAnchor("# Portfolio Bulk Access\n## Run with Docker Compose\n```bash\n# not a heading\n```\n"
                        + "### Invitations: e-mail, accept (bulk-worker)\n## Notes\n## Notes\n");

        assertThat(headings.keySet())
                .containsExactly(
                        "portfolio-bulk-access",
                        "run-with-docker-compose",
                        "invitations-e-mail-accept-bulk-worker",
                        "notes",
                        "notes-1");
    }

    /**
     * The headings of a Markdown text by their anchors, as GitHub makes them: the heading's text in
     * lower case, punctuation dropped (letters, digits, spaces, {@code -} and {@code _} stay), each space
     * a {@code -}, and {@code -1}, {@code -2}, ... after a repeated one. Lines in fenced code blocks are
     * not headings.
     */
    static Map<String, String> headingsByAnchor(String markdown) {
        Map<String, String> headings = new LinkedHashMap<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean fenced = false;
        for (String line : markdown.split("\n", -1)) {
            if (line.startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            Matcher heading = HEADING.matcher(line);
            if (fenced || !heading.matches()) {
                continue;
            }
            String text = heading.group(1).replace("`", "");
            String anchor = text.toLowerCase(Locale.ROOT)
                    .replaceAll("[^\\p{L}\\p{N} _-]", "")
                    .replace(' ', '-');
            int repeats = seen.merge(anchor, 1, Integer::sum) - 1;
            headings.put(repeats == 0 ? anchor : anchor + "-" + repeats, text);
        }
        return headings;
    }
}
