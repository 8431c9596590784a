-- Browser sessions: the cookie's value is shown to the browser only; the database keeps its
-- SHA-256, so a copy of the database signs no one in.

CREATE TABLE web_sessions (
    id           INTEGER PRIMARY KEY,
    session_hash TEXT NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    -- The synchronizer token every state-changing request of this session must carry.
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    ended_at     TEXT
);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);

-- The map's clustering reads these columns only, for one situation or the world.
CREATE INDEX reports_map ON reports (situation_id, longitude, latitude, tlp, verification);
