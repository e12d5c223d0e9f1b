package com.portfoliobulk.worker;

import com.portfoliobulk.testsupport.MigrateOnlyContract;

/** The worker's start with {@code BULK_MIGRATE_ONLY=true}: it migrates the directory schema and exits. */
class WorkerMigrateOnlyIntegrationTests implements MigrateOnlyContract {

    @Override
    public Class<?> mainClass() {
        return WorkerApplication.class;
    }

    @Override
    public String schema() {
        return "directory";
    }
}
