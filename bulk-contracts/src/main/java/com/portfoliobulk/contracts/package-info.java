/**
 * The wire contract shared by the Portfolio Bulk Access services: the records carried on Kafka, the
 * topic names, and the enumerations of roles, actions, statuses and reason codes. Plain Java with
 * Jackson annotations only, so every service (and any outside client) reads the same shapes.
 */
package com.portfoliobulk.contracts;
