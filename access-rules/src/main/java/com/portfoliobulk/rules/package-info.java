/**
 * The access rules (the README's "Rules" table), as one pure function over a snapshot of the directory:
 * {@link com.portfoliobulk.rules.AccessRules#decide}. The bulk-worker calls it at apply time, the
 * preview calls it at preview time, so the plan a preview shows and what a job does cannot drift.
 */
package com.portfoliobulk.rules;
