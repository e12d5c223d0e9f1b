package com.portfoliobulk.audit;

import com.portfoliobulk.testsupport.MigrateOnlyContract;

/** The audit-consumer's start with {@code BULK_MIGRATE_ONLY=true}: it migrates the audit schema and exits. */
class AuditMigrateOnlyIntegrationTests implements MigrateOnlyContract {

    @Override
    public Class<?> mainClass() {
        return AuditApplication.class;
    }

    @Override
    public String schema() {
        return "audit";
    }
}
