-- When the Owner's close began (NULL until then): while a close runs, ownership can be neither offered
-- nor accepted, so that the closing Owner stays the Owner until the close ends. A close that failed
-- half way keeps the mark for the token's validity from its start, and a retry renews it.
ALTER TABLE closure_tokens ADD COLUMN closing_since timestamptz;
