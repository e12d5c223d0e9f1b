-- V182's removal of the portfolio roles the identity provider's deprovisioning left, as a function the
-- gateways run again every hour (DeprovisionedUsersSweep), and run once now.
--
-- Why. V182 removed them once, as it migrated. The upgrade runs every schema's migrations first and
-- starts the new gateways last (README "Upgrading"), so gateways of the version before V182 went on
-- answering SCIM after it: a deactivation or deletion one of them handled offboarded the user and left
-- their portfolio role, and the identity provider sends neither again. The new gateways remove a role
-- only on a deactivation or deletion, so such a leaver went on administering the portfolio with the
-- token or console session they had. Run again, the removal takes them too, within the hour after the
-- new gateways start (and whenever a gateway of an earlier version, started again or rolled back to,
-- left one since); it finds nothing else to do: the gateways of this version remove the role in the
-- deprovisioning's own transaction.
--
-- Which: whom V182 removed (see its comment): a portfolio user (not the Owner) whose SCIM user in the
-- same portfolio is inactive or deleted, unless the role was given or changed after the deletion, else
-- the last recorded deactivation, else its offboarding job's creation, else the SCIM user's last change
-- (an administrator gave it to them again, knowing); and a former Owner whom an acceptance made Admin
-- after the deprovisioning. An identity provider that made the user active again keeps them. The
-- entries are V182's, by the identity provider as it names them, with their own detail: "removed by the
-- identity provider's deprovisioning, handled by a gateway of an earlier version (was <role>)".
--
-- Run while the application changes portfolio users, each removal takes the locks the application's
-- removal takes, in its order (the portfolio's closure lock, shared, as a SCIM deprovisioning holds it,
-- so that a close's last step, which deletes the portfolio's users, waits for this run or this run for
-- it, and the two never deadlock on the rows; then the portfolio's pending Owner transfer, then the
-- portfolio user row), and
-- removes the role only as it was read: one an administrator changed or gave again meanwhile is kept.
-- Answers the user ids it removed, whose cached permissions the calling gateway drops (others within
-- bulk.gateway.permissions.cache-ttl, 5 s).
CREATE FUNCTION remove_deprovisioned_portfolio_users() RETURNS SETOF uuid
LANGUAGE plpgsql AS $$
DECLARE
    leaver record;
    removed integer;
    withdrawn integer;
BEGIN
    FOR leaver IN
        SELECT p.portfolio_id, p.user_id, p.email, p.role, p.updated_at,
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
                        (SELECT t.id FROM jobs.scim_tokens t
                          WHERE t.portfolio_id = p.portfolio_id
                          ORDER BY t.last_used_at DESC NULLS LAST, t.created_at DESC, t.id
                          LIMIT 1),
                        '00000000-0000-0000-0000-000000000000') AS actor_user_id
          FROM jobs.portfolio_users p
          JOIN jobs.scim_users s ON s.portfolio_id = p.portfolio_id AND s.user_id = p.user_id
          LEFT JOIN jobs.bulk_jobs j ON j.id = s.last_job_id AND j.origin = 'SCIM'
          LEFT JOIN jobs.portfolio_roles r ON r.portfolio_id = p.portfolio_id AND r.code = p.role
         WHERE p.role <> 'OWNER'
           AND (NOT s.active OR s.deleted_at IS NOT NULL)
           AND (p.updated_at <= coalesce(s.deleted_at, s.deactivated_at, j.created_at, s.updated_at)
                OR (p.role = 'ADMIN'
                    AND EXISTS (SELECT 1 FROM jobs.portfolio_admin_log l
                                 WHERE l.portfolio_id = p.portfolio_id
                                   AND l.action = 'OWNER_TRANSFER_ACCEPTED'
                                   AND l.detail = 'ownership accepted from user ' || p.user_id || ', who is now Admin'
                                   AND l.occurred_at >= p.updated_at)))
         ORDER BY p.portfolio_id, p.user_id
    LOOP
        PERFORM pg_advisory_xact_lock_shared(hashtextextended('portfolio-closure:' || leaver.portfolio_id, 0));
        PERFORM 1 FROM jobs.owner_transfers t WHERE t.portfolio_id = leaver.portfolio_id FOR UPDATE;
        -- Its role as read: a change committed since (a grant, a removal) leaves the row to that change.
        DELETE FROM jobs.portfolio_users p
         WHERE p.portfolio_id = leaver.portfolio_id AND p.user_id = leaver.user_id
           AND p.role = leaver.role AND p.updated_at = leaver.updated_at;
        GET DIAGNOSTICS removed = ROW_COUNT;
        CONTINUE WHEN removed = 0;
        INSERT INTO jobs.portfolio_admin_log (id, portfolio_id, action, actor_user_id, actor_email, subject, detail)
        VALUES (gen_random_uuid(), leaver.portfolio_id, 'PORTFOLIO_USER_REMOVED', leaver.actor_user_id,
                'identity provider', leaver.email,
                'removed by the identity provider''s deprovisioning, handled by a gateway of an earlier version (was '
                    || leaver.role_name || ')');
        DELETE FROM jobs.owner_transfers t WHERE t.portfolio_id = leaver.portfolio_id AND t.to_user_id = leaver.user_id;
        GET DIAGNOSTICS withdrawn = ROW_COUNT;
        IF withdrawn > 0 THEN
            INSERT INTO jobs.portfolio_admin_log (id, portfolio_id, action, actor_user_id, actor_email, subject, detail)
            VALUES (gen_random_uuid(), leaver.portfolio_id, 'OWNER_TRANSFER_WITHDRAWN', leaver.actor_user_id,
                    'identity provider', leaver.email, 'withdrawn: the recipient was removed');
        END IF;
        RETURN NEXT leaver.user_id;
    END LOOP;
END
$$;

-- Those the gateways before V182 left during its upgrade, as this migration commits.
SELECT count(*) FROM remove_deprovisioned_portfolio_users();
