package com.portfoliobulk.gateway.console;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One list of a page as the API answers the signed-in administrator: one page of its items and the
 * cursor of the next (null on the last), or the API's refusal (403) worded as the API worded it,
 * shown in place of the list.
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

    /** Whether the list goes on after these items. */
    boolean more() {
        return nextCursor != null;
    }
}
