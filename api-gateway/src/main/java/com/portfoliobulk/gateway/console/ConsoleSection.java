package com.portfoliobulk.gateway.console;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.web.client.RestClientException;

/**
 * One list of a page as the API answers the signed-in administrator: one page of its items and the
 * cursor of the next (null on the last), or the section's notice shown in place of the list: the API's
 * refusal (403) worded as the API worded it, or, on a page that is shown whatever the API answers
 * ({@link #readOrNotice}), why the list could not be read.
 */
record ConsoleSection(List<?> items, String nextCursor, String refusal) {

    /** Reads the list; a 403 becomes the section's refusal, any other problem the page's. */
    static ConsoleSection read(Supplier<Map<String, Object>> read) {
        try {
            Map<String, Object> page = read.get();
            return new ConsoleSection(ConsolePages.items(page), ConsolePages.nextCursor(page), null);
        } catch (ApiProblem problem) {
            if (problem.status() != 403) {
                throw problem;
            }
            return new ConsoleSection(List.of(), null, problem.detail());
        }
    }

    /**
     * Reads the list of a page that shows something only this once (a new secret, from the session's
     * flash, which is gone once the page is read): the console's error page in its place would lose
     * it for good. So any problem, and an API that did not answer, becomes the section's notice, which
     * says to copy what the page shows before reading it again. A 401 (the sign-in expired) is a notice
     * too: the next request that reaches the API ends the session and asks to sign in again.
     *
     * @param list what the list is, as the notice names it: "The SCIM tokens"
     */
    static ConsoleSection readOrNotice(Supplier<Map<String, Object>> read, String list) {
        try {
            return read(read);
        } catch (ApiProblem problem) {
            if (problem.status() == 401) {
                return notice(list + " could not be read: your sign-in has expired. Copy what this page shows"
                        + " only once, then sign in again.");
            }
            String why = problem.detail().isBlank() ? problem.title() : problem.detail();
            return notice(list + " could not be read: " + why + (why.endsWith(".") ? "" : ".")
                    + " Copy what this page shows only once, then reload it.");
        } catch (RestClientException ex) {
            return notice(list + " could not be read: the service did not answer in time. Copy what this page"
                    + " shows only once, then reload it.");
        }
    }

    private static ConsoleSection notice(String notice) {
        return new ConsoleSection(List.of(), null, notice);
    }

    /** Whether the list goes on after these items. */
    boolean more() {
        return nextCursor != null;
    }
}
