-- V90's checks, validated apart from it: validating takes a lock that lets the log be read and
-- written meanwhile (every entry written so far meets the new checks, which only admit more).
ALTER TABLE activity_log VALIDATE CONSTRAINT activity_log_action_check;
ALTER TABLE activity_log VALIDATE CONSTRAINT activity_log_actor_kind_check;
