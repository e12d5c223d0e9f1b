package com.portfoliobulk.gateway.jobs;

import java.util.Collection;
import java.util.UUID;

/** Binds lists as PostgreSQL arrays: one parameter whatever the length, no statement per element. */
final class SqlArrays {

    private SqlArrays() {}

    static UUID[] uuids(Collection<UUID> ids) {
        return ids.toArray(UUID[]::new);
    }
}
