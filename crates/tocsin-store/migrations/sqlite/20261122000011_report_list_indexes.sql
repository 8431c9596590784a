-- Report lists page newest first by id within a verification state or a situation. SQLite
-- keeps an index's entries in rowid order after its columns, so an index on the state (or the
-- situation) alone walks a page straight off the index; with received_at after it, every page
-- sorted all the matching reports first. The entries are also a third of the size.
DROP INDEX reports_situation;
DROP INDEX reports_verification;
CREATE INDEX reports_situation ON reports (situation_id);
CREATE INDEX reports_verification ON reports (verification);
