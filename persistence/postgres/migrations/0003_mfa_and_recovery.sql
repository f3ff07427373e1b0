-- Two-factor authentication (TOTP and recovery codes) and password reset by email.

-- TOTP secrets are sealed (AES-256-GCM under a key derived from GATEHOUSE_SECRETS_KEY, bound to
-- the user id); `totp_pending` holds a secret set up but not yet confirmed with a code.
-- `totp_last_step` is the last 30 s step whose code was accepted: a code works once.
ALTER TABLE users
  ADD COLUMN totp_secret    text,
  ADD COLUMN totp_pending   text,
  ADD COLUMN totp_last_step bigint NOT NULL DEFAULT 0,
  ADD CHECK (NOT mfa_enabled OR totp_secret IS NOT NULL);

-- Ten single-use codes per user, stored as SHA-256 hex of the normalised code.
CREATE TABLE recovery_codes (
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash  text NOT NULL CHECK (length(code_hash) = 64),
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at    timestamptz,
  PRIMARY KEY (user_id, code_hash)
);

-- A reset link's token (256 bits) is stored as SHA-256 hex; it works once, for 30 minutes.
CREATE TABLE password_resets (
  id         uuid PRIMARY KEY,
  token_hash text NOT NULL UNIQUE CHECK (length(token_hash) = 64),
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE INDEX password_resets_user ON password_resets (user_id);
