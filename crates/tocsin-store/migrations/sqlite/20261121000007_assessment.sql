-- Assessment: analysts' judgments on the 14 risk factors, the stage changes the engine found
-- (each with a snapshot of its evidence), and the trigger calendar. Indicator codings live in
-- report_indicators (0002); every analyst's change to one is audited (report.code).

-- Append-only: a new judgment on a factor supersedes the last, which stays as history.
CREATE TABLE risk_factor_judgments (
    id           INTEGER PRIMARY KEY,
    situation_id TEXT NOT NULL REFERENCES situations (id),
    factor       INTEGER NOT NULL CHECK (factor BETWEEN 1 AND 14),
    status       TEXT NOT NULL CHECK (status IN ('present', 'absent', 'unknown')),
    trend        TEXT NOT NULL CHECK (trend IN ('rising', 'steady', 'falling')),
    confidence   TEXT NOT NULL CHECK (confidence IN ('low', 'medium', 'high')),
    -- JSON array of the ids of the reports the analyst cites.
    reports_json TEXT NOT NULL,
    note         TEXT,
    actor        TEXT NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX risk_factor_judgments_situation ON risk_factor_judgments (situation_id, factor, at);

-- A situation's stage changes; 0 is no elevated concern.
CREATE TABLE stage_transitions (
    id             INTEGER PRIMARY KEY,
    situation_id   TEXT NOT NULL REFERENCES situations (id),
    from_stage     INTEGER NOT NULL CHECK (from_stage BETWEEN 0 AND 3),
    to_stage       INTEGER NOT NULL CHECK (to_stage BETWEEN 0 AND 3),
    score          REAL NOT NULL,
    -- The date the assessment was made for.
    assessed_at    TEXT NOT NULL,
    engine_version TEXT NOT NULL,
    -- The engine's whole answer: stages, drivers with their items, triggers, explanation.
    snapshot_json  TEXT NOT NULL,
    recorded_by    TEXT NOT NULL,
    recorded_at    TEXT NOT NULL
);
CREATE INDEX stage_transitions_situation ON stage_transitions (situation_id, assessed_at);

CREATE TABLE triggers (
    id           INTEGER PRIMARY KEY,
    situation_id TEXT NOT NULL REFERENCES situations (id),
    kind         TEXT NOT NULL
                 CHECK (kind IN ('election', 'anniversary', 'verdict', 'decision', 'coup', 'other')),
    name         TEXT NOT NULL,
    -- Calendar date (YYYY-MM-DD); a yearly trigger recurs on its month and day.
    on_date      TEXT NOT NULL,
    yearly       INTEGER NOT NULL DEFAULT 0 CHECK (yearly IN (0, 1)),
    -- Where it comes from: an analyst, or dataset:record for imported history.
    source       TEXT NOT NULL,
    external_ref TEXT UNIQUE,
    note         TEXT,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX triggers_situation ON triggers (situation_id, on_date);
