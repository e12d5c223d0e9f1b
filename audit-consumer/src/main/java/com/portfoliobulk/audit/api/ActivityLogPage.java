package com.portfoliobulk.audit.api;

import java.util.List;

/**
 * One page of an account's activity log, newest first.
 *
 * @param items the entries
 * @param nextCursor the cursor of the next page, or {@code null} on the last page
 */
record ActivityLogPage(List<ActivityLogEntry> items, String nextCursor) {}
