-- Alerts: organisation units and their chain of command, the alerts raised, their deliveries
-- on each channel, the decisions taken on them, and community SMS subscribers and broadcasts.

-- A department, mission or partner body. parent_id is the next level up the chain of command:
-- where an alert goes when nobody here acknowledges it in time.
CREATE TABLE units (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL CHECK (kind IN ('department', 'mission', 'partner')),
    parent_id  INTEGER REFERENCES units (id),
    created_at TEXT NOT NULL,
    CHECK (parent_id IS NULL OR parent_id <> id)
);

-- What a unit answers for: a situation id (a country covers its areas) or '*' for every one.
CREATE TABLE unit_areas (
    unit_id INTEGER NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    area    TEXT NOT NULL,
    PRIMARY KEY (unit_id, area)
);

-- Users warned in their Tocsin inbox, each seeing what their own clearance allows.
CREATE TABLE unit_members (
    unit_id INTEGER NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (unit_id, user_id)
);

-- Where else the unit is warned: an email desk, a duty phone, a partner's webhook; each with
-- the TLP clearance of whoever reads it there.
CREATE TABLE unit_addresses (
    id        INTEGER PRIMARY KEY,
    unit_id   INTEGER NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    channel   TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'webhook')),
    address   TEXT NOT NULL,
    clearance TEXT NOT NULL,
    UNIQUE (unit_id, channel, address)
);

CREATE TABLE alerts (
    id                 INTEGER PRIMARY KEY,
    rule_id            TEXT NOT NULL,
    kind               TEXT NOT NULL,
    situation_id       TEXT NOT NULL,
    -- Signals with the same key inside the rule's repeat window join this alert.
    dedupe_key         TEXT NOT NULL,
    severity           TEXT NOT NULL,
    urgency            TEXT NOT NULL,
    certainty          TEXT NOT NULL,
    headline           TEXT NOT NULL,
    description        TEXT NOT NULL,
    -- JSON array of strings.
    evidence           TEXT NOT NULL,
    stage              INTEGER,
    score              REAL,
    tlp                TEXT NOT NULL,
    -- The signal that raised it, as JSON.
    signal             TEXT NOT NULL,
    -- The unit first warned, and the one the alert has climbed to.
    unit_id            INTEGER REFERENCES units (id),
    current_unit_id    INTEGER REFERENCES units (id),
    level              INTEGER NOT NULL DEFAULT 0,
    ack_within_seconds INTEGER NOT NULL,
    repeat_until       TEXT NOT NULL,
    deadline_at        TEXT NOT NULL,
    raised_at          TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    repeats            INTEGER NOT NULL DEFAULT 0,
    state              TEXT NOT NULL CHECK (state IN ('open', 'acknowledged')),
    acknowledged_at    TEXT,
    acknowledged_by    TEXT
);
CREATE INDEX alerts_dedupe ON alerts (dedupe_key, repeat_until);
CREATE INDEX alerts_due ON alerts (state, deadline_at);
CREATE INDEX alerts_situation ON alerts (situation_id, raised_at);

-- One row per alert, recipient and channel: the unique key is what makes delivery idempotent.
CREATE TABLE alert_deliveries (
    id              INTEGER PRIMARY KEY,
    alert_id        INTEGER NOT NULL REFERENCES alerts (id),
    level           INTEGER NOT NULL,
    unit_id         INTEGER REFERENCES units (id),
    -- 'user:ID' or 'address:ID'.
    recipient       TEXT NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('inbox', 'email', 'sms', 'webhook')),
    user_id         INTEGER REFERENCES users (id),
    address_id      INTEGER REFERENCES unit_addresses (id),
    clearance       TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    last_error      TEXT,
    UNIQUE (alert_id, recipient, channel)
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (state, next_attempt_at);
CREATE INDEX alert_deliveries_user ON alert_deliveries (user_id, alert_id);

-- What was decided on an alert, optionally pointing at the measure taken.
CREATE TABLE alert_decisions (
    id          INTEGER PRIMARY KEY,
    alert_id    INTEGER NOT NULL REFERENCES alerts (id),
    decided_by  TEXT NOT NULL,
    decided_at  TEXT NOT NULL,
    decision    TEXT NOT NULL,
    response_id INTEGER REFERENCES responses (id)
);
CREATE INDEX alert_decisions_alert ON alert_decisions (alert_id, decided_at);

-- Community members who asked for SMS alerts about their area. The phone number is sealed
-- and matched by keyed fingerprint, exactly like a source's contact.
CREATE TABLE community_subscribers (
    id                INTEGER PRIMARY KEY,
    phone_sealed      BLOB NOT NULL,
    phone_fingerprint TEXT NOT NULL UNIQUE,
    area              TEXT NOT NULL,
    language          TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('active', 'stopped')),
    joined_at         TEXT NOT NULL,
    stopped_at        TEXT
);
CREATE INDEX community_subscribers_area ON community_subscribers (state, area);

CREATE TABLE community_broadcasts (
    id           INTEGER PRIMARY KEY,
    area         TEXT NOT NULL,
    template     TEXT NOT NULL,
    sent_by      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    recipients   INTEGER NOT NULL,
    rate_limited INTEGER NOT NULL
);

CREATE TABLE community_deliveries (
    id              INTEGER PRIMARY KEY,
    broadcast_id    INTEGER NOT NULL REFERENCES community_broadcasts (id),
    subscriber_id   INTEGER NOT NULL REFERENCES community_subscribers (id),
    message         TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    last_error      TEXT,
    UNIQUE (broadcast_id, subscriber_id)
);
CREATE INDEX community_deliveries_due ON community_deliveries (state, next_attempt_at);
CREATE INDEX community_deliveries_subscriber ON community_deliveries (subscriber_id, created_at);
