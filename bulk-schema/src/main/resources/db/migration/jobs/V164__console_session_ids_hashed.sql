-- The console's session table stores the SHA-256 digest (64 hex digits) of each session id, not the id
-- the cookie carries: reading the table, its write-ahead log or a backup no longer gives a way to sign
-- in as a live administrator. The sessions stored so far are rewritten the same way, so an upgrade
-- that stops every gateway first signs no one out; during a rolling one, a gateway of the previous
-- version finds no session by its id, and asks its administrator to sign in again (README).
-- varchar, not char: the gateway compares it with text, by the index.
ALTER TABLE jobs.console_sessions
    ALTER COLUMN session_id TYPE varchar(64)
    USING encode(sha256(convert_to(rtrim(session_id), 'UTF8')), 'hex');
