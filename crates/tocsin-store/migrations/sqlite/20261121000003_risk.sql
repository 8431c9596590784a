-- Structural risk assessments: one stored forecast per run of `tocsin risk forecast`.
CREATE TABLE risk_assessments (
    id            INTEGER PRIMARY KEY,
    model         TEXT NOT NULL,
    model_version TEXT NOT NULL,
    data_file     TEXT NOT NULL,
    data_sha256   TEXT NOT NULL,
    data_year     INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    -- The whole forecast: ranked countries, probabilities, changes and drivers.
    forecast_json TEXT NOT NULL
);
