-- The identity provider's attributes of the SCIM users it deleted before this version, and the SCIM
-- users of the portfolios closed before it, are removed, as the gateway removes them from this version
-- on (ScimUsers: a deletion sets external_id and display_name to NULL; PortfolioClosure: a close
-- deletes the portfolio's scim_users rows). Owner: api-gateway.
--
-- Why. Until this version a SCIM DELETE only set deleted_at, and a close left every scim_users row of
-- the portfolio: a person's name and their identity provider's id for them stayed for good, read by
-- nothing, while README says a deleted user is gone and lists what a close keeps.
--
-- A deleted row keeps its deactivations count (the next offboarding's idempotency key counts on it)
-- and its times. Nothing reads a closed portfolio's SCIM users: its tokens are revoked, so no identity
-- provider reaches them. The table holds one row per user an identity provider provisioned; both
-- statements read it once while SCIM requests wait (milliseconds to seconds). The worker has no grant
-- on scim_users, and this changes none.
UPDATE scim_users
   SET external_id = NULL, display_name = NULL
 WHERE deleted_at IS NOT NULL
   AND (external_id IS NOT NULL OR display_name IS NOT NULL);

DELETE FROM scim_users s
 USING closed_portfolios c
 WHERE c.portfolio_id = s.portfolio_id;
