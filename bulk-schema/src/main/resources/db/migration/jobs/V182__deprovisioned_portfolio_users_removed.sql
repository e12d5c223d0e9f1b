-- Portfolio users whom the portfolio's identity provider deactivated or deleted over SCIM before this
-- version lose their portfolio role (not the Owner's), as its deactivations and deletions remove it from
-- this version on (PortfolioAdministration.removeDeprovisioned), with the same entries in the
-- administration log, and an Owner transfer offered to them is withdrawn.
--
-- Why. Until this version a deprovisioning offboarded the user from the portfolio's accounts and left
-- their portfolio role: a leaver went on administering the portfolio with the token or console session
-- they had. Identity providers send a deactivation or deletion once, and a deleted user is gone from
-- their view, so no later request removes those roles.
--
-- Which. A portfolio user whose SCIM user in the same portfolio is inactive or deleted, unless the role
-- was given or changed after the last deprovisioning (an administrator gave it to them again, knowing):
-- the portfolio_users row's updated_at (the role's last change) against the deletion's time, else the
-- deactivation's (deactivated_at), else its offboarding job's creation (the same transaction), for
-- deactivations recorded before deactivated_at existed whose job retention has not deleted. With none
-- of those, the SCIM user's updated_at, the latest time the deactivation can have been: a role changed
-- after it is kept; one not is removed, although an administrator may have given it between the
-- deactivation and a later change of the SCIM user (the log's entry names it, and they may add the user
-- again), rather than leave a leaver administering the portfolio. A former Owner whom an accepted
-- transfer made Admin (the log's OWNER_TRANSFER_ACCEPTED entry is the role's last change) is removed
-- however the times compare, as an acceptance removes a deprovisioned Owner from this version on. An
-- identity provider that made the user active again (and did not deactivate them since) keeps them.
--
-- The entries name the identity provider as its jobs and the application name it: actor_email
-- 'identity provider', actor_user_id the SCIM token its deprovisioning used (the requester of the
-- user's last offboarding job), else the portfolio's token used last (the job deleted by retention, or
-- the deactivation needed none), else the nil id. Each removal is written before its withdrawal, at the
-- time each is written (the log's order).
--
-- The gateways read permissions through a cache of 5 s (bulk.gateway.permissions.cache-ttl): a removed
-- user is refused within that once the migration commits, by gateways of either version.
DO $$
DECLARE
    leaver record;
    withdrawn integer;
BEGIN
    FOR leaver IN
        SELECT p.portfolio_id, p.user_id, p.email,
               CASE p.role
                   WHEN 'ADMIN' THEN 'Admin'
                   WHEN 'USER_MANAGEMENT_EDIT' THEN 'User Management EDIT'
                   WHEN 'USER_MANAGEMENT_VIEW' THEN 'User Management VIEW'
                   -- A custom role's name, made one line as the application shows it (OneLineNames.shown).
                   ELSE coalesce(regexp_replace(r.name, '[\n\r\u2028\u2029\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]',
                                                U&'\FFFD', 'g'),
                                 p.role)
               END AS role_name,
               coalesce(j.requested_by_user_id,
                        (SELECT t.id FROM scim_tokens t
                          WHERE t.portfolio_id = p.portfolio_id
                          ORDER BY t.last_used_at DESC NULLS LAST, t.created_at DESC, t.id
                          LIMIT 1),
                        '00000000-0000-0000-0000-000000000000') AS actor_user_id
          FROM portfolio_users p
          JOIN scim_users s ON s.portfolio_id = p.portfolio_id AND s.user_id = p.user_id
          LEFT JOIN bulk_jobs j ON j.id = s.last_job_id AND j.origin = 'SCIM'
          LEFT JOIN portfolio_roles r ON r.portfolio_id = p.portfolio_id AND r.code = p.role
         WHERE p.role <> 'OWNER'
           AND (NOT s.active OR s.deleted_at IS NOT NULL)
           AND (p.updated_at <= coalesce(s.deleted_at, s.deactivated_at, j.created_at, s.updated_at)
                OR (p.role = 'ADMIN'
                    AND EXISTS (SELECT 1 FROM portfolio_admin_log l
                                 WHERE l.portfolio_id = p.portfolio_id
                                   AND l.action = 'OWNER_TRANSFER_ACCEPTED'
                                   AND l.detail = 'ownership accepted from user ' || p.user_id || ', who is now Admin'
                                   AND l.occurred_at >= p.updated_at)))
         ORDER BY p.portfolio_id, p.user_id
    LOOP
        INSERT INTO portfolio_admin_log (id, portfolio_id, action, actor_user_id, actor_email, subject, detail)
        VALUES (gen_random_uuid(), leaver.portfolio_id, 'PORTFOLIO_USER_REMOVED', leaver.actor_user_id,
                'identity provider', leaver.email,
                'removed by the identity provider''s deprovisioning before the upgrade (was ' || leaver.role_name || ')');
        DELETE FROM owner_transfers WHERE portfolio_id = leaver.portfolio_id AND to_user_id = leaver.user_id;
        GET DIAGNOSTICS withdrawn = ROW_COUNT;
        IF withdrawn > 0 THEN
            INSERT INTO portfolio_admin_log (id, portfolio_id, action, actor_user_id, actor_email, subject, detail)
            VALUES (gen_random_uuid(), leaver.portfolio_id, 'OWNER_TRANSFER_WITHDRAWN', leaver.actor_user_id,
                    'identity provider', leaver.email, 'withdrawn: the recipient was removed');
        END IF;
        DELETE FROM portfolio_users WHERE portfolio_id = leaver.portfolio_id AND user_id = leaver.user_id;
    END LOOP;
END
$$;
