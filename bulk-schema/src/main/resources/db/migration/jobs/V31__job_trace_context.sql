-- The W3C trace context (traceparent) of the request that submitted the job, so that the relay, which
-- publishes the job's tasks later and on another thread, continues the submission's trace: one trace
-- shows submit, relay, apply and audit. On the job rather than on each of its up to 200,000 tasks,
-- which would store the same value once per task; the relay reads it with the task (it joins the job
-- anyway). NULL when the submission was not traced.
ALTER TABLE bulk_jobs ADD COLUMN trace_parent text;
