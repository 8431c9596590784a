-- Foundation schema (PostgreSQL). Timestamps are RFC 3339 text in UTC so that the audit hash,
-- computed over stored text, is identical on SQLite and PostgreSQL.

CREATE TABLE situations (
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    iso3      TEXT,
    gw_code   BIGINT,
    parent_id TEXT REFERENCES situations (id)
);

CREATE TABLE datasets (
    name        TEXT PRIMARY KEY,
    file_name   TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    row_count   BIGINT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL
);

CREATE TABLE country_years (
    dataset        TEXT NOT NULL REFERENCES datasets (name),
    situation_id   TEXT NOT NULL REFERENCES situations (id),
    year           BIGINT NOT NULL,
    name_in_source TEXT NOT NULL,
    -- JSON object: variable name -> number or null (missing in the source).
    value_json     TEXT NOT NULL,
    PRIMARY KEY (dataset, situation_id, year)
);

CREATE TABLE audit_log (
    seq          BIGINT PRIMARY KEY,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    entity       TEXT NOT NULL,
    before_state TEXT,
    after_state  TEXT,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);

-- The chain's head: taking it by UPDATE serialises appenders, and comparing it with the last
-- entry reveals entries cut from the end.
CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
