package com.portfoliobulk.gateway.webhooks;

/** Whether a subscription receives messages. */
enum SubscriptionStatus {
    /** Receives the events it subscribes to. */
    ACTIVE,
    /**
     * Receives nothing until enabled again (events meanwhile are not kept for it): disabled by a client, or
     * after a day of failed deliveries.
     */
    DISABLED
}
