package com.portfoliobulk.contracts;

/**
 * Default Kafka topic names. Every record on them is keyed by the account id, so the records of one
 * account stay in one partition and are consumed in the order they were produced. The names are
 * defaults: each service lets configuration override them.
 */
public final class Topics {

    /** One {@link BulkTaskMessage} per (account, user) task; produced by the api-gateway. */
    public static final String BULK_TASKS = "portfolio.bulk-tasks";

    /** Task records the bulk-worker could not read or that are invalid, with exception headers. */
    public static final String BULK_TASKS_DEAD_LETTER = "portfolio.bulk-tasks-dlt";

    /** One {@link AccountActivityEvent} per applied change; produced by the bulk-worker. */
    public static final String ACCOUNT_ACTIVITY = "portfolio.account-activity";

    /** Activity records the audit-consumer could not read, with exception headers. */
    public static final String ACCOUNT_ACTIVITY_DEAD_LETTER = "portfolio.account-activity-dlt";

    private Topics() {}
}
