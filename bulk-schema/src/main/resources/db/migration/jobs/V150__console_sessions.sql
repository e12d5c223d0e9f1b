-- The web console's sessions (Spring Session JDBC, spring.session.jdbc.table-name = jobs.console_sessions):
-- a session started on one gateway goes on on any other, and outlives the gateway it began on (a
-- restart, a crash, a rolling deployment), with no affinity needed in the load balancer. The columns
-- are the ones Spring Session reads and writes; times are epoch milliseconds. A session's attributes
-- (the signed-in administrator with the bearer token the console calls the API with, the CSRF token,
-- a message shown once) are serialized Java objects: only the gateway's role reads this schema's
-- tables (the worker is given the tables it names in afterMigrate__worker_grants.sql, not these).
CREATE TABLE jobs.console_sessions (
    primary_id            char(36) NOT NULL,
    session_id            char(36) NOT NULL,
    creation_time         bigint   NOT NULL,
    last_access_time      bigint   NOT NULL,
    max_inactive_interval int      NOT NULL,
    expiry_time           bigint   NOT NULL,
    -- The administrator's e-mail address (up to 320 characters), not limited to Spring's 100.
    principal_name        varchar(320),
    CONSTRAINT console_sessions_pk PRIMARY KEY (primary_id)
);

CREATE UNIQUE INDEX console_sessions_by_session_id ON jobs.console_sessions (session_id);
-- The cleanup deletes expired sessions every minute on each gateway: by this index, not a full scan.
CREATE INDEX console_sessions_by_expiry ON jobs.console_sessions (expiry_time);

CREATE TABLE jobs.console_sessions_attributes (
    session_primary_id char(36)     NOT NULL,
    attribute_name     varchar(200) NOT NULL,
    attribute_bytes    bytea        NOT NULL,
    CONSTRAINT console_sessions_attributes_pk PRIMARY KEY (session_primary_id, attribute_name),
    CONSTRAINT console_sessions_attributes_fk FOREIGN KEY (session_primary_id)
        REFERENCES jobs.console_sessions (primary_id) ON DELETE CASCADE
);
