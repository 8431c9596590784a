-- Field reporting: raw payloads (sealed), pseudonymous sources (sealed contacts), reports.

CREATE TABLE sources (
    id                  TEXT PRIMARY KEY,
    channel             TEXT NOT NULL,
    reliability         TEXT NOT NULL DEFAULT 'F',
    -- Contact details sealed with the source key; only the source-handler role opens them.
    contact_sealed      BLOB,
    -- Keyed fingerprint of the contact, to find a returning sender without the clear text.
    contact_fingerprint TEXT UNIQUE,
    created_at          TEXT NOT NULL
);

CREATE TABLE reports (
    id             INTEGER PRIMARY KEY,
    source_id      TEXT REFERENCES sources (id),
    channel        TEXT NOT NULL,
    text           TEXT NOT NULL,
    place_name     TEXT,
    latitude       REAL,
    longitude      REAL,
    situation_id   TEXT REFERENCES situations (id),
    place_state    TEXT NOT NULL,
    observed_at    TEXT,
    received_at    TEXT NOT NULL,
    language       TEXT,
    credibility    INTEGER NOT NULL DEFAULT 6,
    tlp            TEXT NOT NULL DEFAULT 'TLP:AMBER',
    verification   TEXT NOT NULL DEFAULT 'triage',
    -- Keyed fingerprint of sender and content: a retry under a new message id is still one report.
    fingerprint    TEXT UNIQUE,
    -- dataset:event-id for imported events.
    external_ref   TEXT UNIQUE,
    details_json   TEXT
);
CREATE INDEX reports_situation ON reports (situation_id, received_at);
CREATE INDEX reports_verification ON reports (verification, received_at);

CREATE TABLE inbox (
    id            INTEGER PRIMARY KEY,
    received_at   TEXT NOT NULL,
    channel       TEXT NOT NULL,
    -- Gateway message id or API idempotency key, namespaced by channel.
    delivery_key  TEXT UNIQUE,
    content_type  TEXT NOT NULL,
    -- The payload exactly as received, sealed: it may hold a phone number.
    payload       BLOB NOT NULL,
    state         TEXT NOT NULL,
    error_code    TEXT,
    error_message TEXT,
    report_id     INTEGER REFERENCES reports (id),
    deliveries    INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX inbox_state ON inbox (state, id);

CREATE TABLE report_indicators (
    report_id INTEGER NOT NULL REFERENCES reports (id),
    code      TEXT NOT NULL,
    state     TEXT NOT NULL,
    actor     TEXT NOT NULL,
    at        TEXT NOT NULL,
    PRIMARY KEY (report_id, code)
);

CREATE TABLE corroborations (
    report_id INTEGER NOT NULL REFERENCES reports (id),
    other_id  INTEGER NOT NULL REFERENCES reports (id),
    actor     TEXT NOT NULL,
    at        TEXT NOT NULL,
    note      TEXT,
    PRIMARY KEY (report_id, other_id)
);
