-- Response tracking: preventive measures planned or taken for a situation. Every change is
-- also appended to the audit log (action response.add / response.update, entity response:ID),
-- which holds the measure's full history; this table holds its present state.

CREATE TABLE responses (
    id           INTEGER PRIMARY KEY,
    situation_id TEXT NOT NULL REFERENCES situations (id),
    -- Who acts (a person, office or body) and the organisation they belong to.
    actor        TEXT NOT NULL,
    organisation TEXT NOT NULL,
    -- A tool id of the prevention toolbox (checked by the application: the toolbox is data).
    tool_id      TEXT NOT NULL,
    -- Calendar dates, ISO 8601 (YYYY-MM-DD).
    planned_on   TEXT,
    start_on     TEXT NOT NULL,
    end_on       TEXT,
    status       TEXT NOT NULL
                 CHECK (status IN ('planned', 'under_way', 'completed', 'abandoned')),
    outcome      TEXT,
    notes        TEXT,
    recorded_by  TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    -- Bumped by every update, so two people editing at once cannot overwrite each other.
    revision     INTEGER NOT NULL DEFAULT 1,
    CHECK (end_on IS NULL OR end_on >= start_on)
);
CREATE INDEX responses_situation ON responses (situation_id, start_on);
