/**
 * The preview of a bulk job: the plan a submission of the same request would create, item by item,
 * each decided by {@link com.portfoliobulk.rules.AccessRules#decide} against the directory as it is
 * now, with a summary of the whole plan. Read only: a preview never writes.
 */
package com.portfoliobulk.gateway.preview;
