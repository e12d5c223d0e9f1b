-- When the Owner's close under way began (NULL until a close begins): its first attempt sets it, and an
-- attempt sent while an earlier one's hold lasts (closing_since, within the closure token's validity)
-- keeps it, as the same close sent again. The close's last step counts from it what the whole close did
-- (the pending jobs cancelled since, the accounts whose unlink it asked for since and that are no longer
-- linked), for its answer and its PORTFOLIO_CLOSED entry alike: an attempt that repeats one that failed
-- after the worker unlinked every account has nothing left to do itself. A close begun once the hold
-- of an earlier one has ended is a new close, counted from its own start.
ALTER TABLE closure_tokens ADD COLUMN close_started_at timestamptz;
