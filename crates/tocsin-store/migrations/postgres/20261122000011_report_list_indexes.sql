-- Report lists page newest first by id within a verification state or a situation: with id
-- after the state (or the situation), a page is read straight off the index, where with
-- received_at every page sorted all the matching reports first.
DROP INDEX reports_situation;
DROP INDEX reports_verification;
CREATE INDEX reports_situation ON reports (situation_id, id);
CREATE INDEX reports_verification ON reports (verification, id);
