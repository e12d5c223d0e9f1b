-- Invitation accept tokens are stored as their SHA-256 digest (64 hex digits), as SCIM tokens and
-- console session ids are, not as the link carries them: reading the directory (the gateway's role can),
-- its write-ahead log or a backup no longer gives a way to accept someone else's invitation. The worker
-- compares the digest of the token it is sent.
--
-- A membership's token is stored as its digest only. An e-mail's token is kept in clear while the
-- message waits to be sent (the sender writes it into the accept link) and cleared once the message
-- ends (SENT, FAILED or CANCELLED); its digest is kept for as long as the row, so the link of a sent
-- e-mail accepts, and answers again, as before.
--
-- The rows stored so far are rewritten the same way (the digest of the token as UTF-8, as the worker
-- computes it), so the links of e-mails already sent keep working. A worker of a version before this
-- one writes no digest, which these constraints refuse: the workers are not replaced one by one across
-- this version (README, "Upgrading"). Clearing an ended message's token is left to the worker, not
-- enforced here: a previous worker that sent a message could not record it, and would send it again.

UPDATE memberships
   SET invitation_token = encode(sha256(convert_to(invitation_token, 'UTF8')), 'hex')
 WHERE invitation_token IS NOT NULL;
ALTER TABLE memberships
    ADD CONSTRAINT memberships_invitation_token_is_digest CHECK (invitation_token ~ '^[0-9a-f]{64}$');

ALTER TABLE invitation_mails
    ADD COLUMN token_digest text,
    ALTER COLUMN token DROP NOT NULL;
UPDATE invitation_mails
   SET token_digest = encode(sha256(convert_to(token, 'UTF8')), 'hex'),
       token = CASE WHEN status = 'PENDING' THEN token END;
ALTER TABLE invitation_mails
    ALTER COLUMN token_digest SET NOT NULL,
    ADD CONSTRAINT invitation_mails_token_digest_key UNIQUE (token_digest),
    ADD CONSTRAINT invitation_mails_token_digest_is_digest CHECK (token_digest ~ '^[0-9a-f]{64}$');
