-- The stuck-task sweep queues a task to be sent again only when it is not queued already: during a
-- broker outage the queue keeps every copy it was given, and each period of the outage added another
-- copy of every pending task of a stuck job. The check finds a task's queued row by its id.
CREATE INDEX task_republications_by_task ON jobs.task_republications (task_id);
