-- People who sign in, with one role and a TLP clearance each, and their API tokens.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    clearance     TEXT NOT NULL,
    -- argon2id PHC string; NULL for accounts that only use API tokens.
    password_hash TEXT,
    created_at    TEXT NOT NULL,
    disabled_at   TEXT
);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    label       TEXT NOT NULL,
    -- SHA-256 of the token: the token itself is shown once, when issued, and never stored.
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
