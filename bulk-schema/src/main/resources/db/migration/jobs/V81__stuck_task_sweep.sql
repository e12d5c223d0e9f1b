-- The stuck-task sweep (api-gateway): tasks published long ago and still pending, oldest first, and
-- whether a later task of the same account was already applied (then re-publishing would reorder).
-- Both partial: a pending task enters the first when published and leaves it when applied.
CREATE INDEX bulk_tasks_published_pending ON bulk_tasks (published_at) WHERE status = 'PENDING' AND published_at IS NOT NULL;
CREATE INDEX bulk_tasks_applied_by_account ON bulk_tasks (account_id, seq) WHERE applied_at IS NOT NULL;
