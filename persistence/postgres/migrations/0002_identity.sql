-- Identity: users, sessions (refresh-token families), admin API keys, the audit log.

CREATE TABLE users (
  id                  uuid PRIMARY KEY,
  tenant_id           uuid NOT NULL REFERENCES tenants (id),
  email               text CHECK (length(email) <= 254),
  phone               text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
  name                text CHECK (length(name) <= 200),
  password_hash       text NOT NULL,
  status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  mfa_enabled         boolean NOT NULL DEFAULT false,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  password_changed_at timestamptz NOT NULL DEFAULT now(),
  CHECK (email IS NOT NULL OR phone IS NOT NULL)
);
CREATE UNIQUE INDEX users_tenant_email ON users (tenant_id, email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX users_tenant_phone ON users (tenant_id, phone) WHERE phone IS NOT NULL;

-- A session is a refresh-token family: every rotation adds a token to it; presenting a spent
-- token revokes the family.
CREATE TABLE refresh_families (
  id             uuid PRIMARY KEY,
  user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at     timestamptz NOT NULL DEFAULT now(),
  last_used_at   timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL,
  revoked_at     timestamptz,
  revoked_reason text,
  ip             text,
  user_agent     text CHECK (length(user_agent) <= 512)
);
CREATE INDEX refresh_families_live ON refresh_families (user_id) WHERE revoked_at IS NULL;

-- Tokens are stored as SHA-256 hex of 256 random bits; the token itself is never stored.
CREATE TABLE refresh_tokens (
  token_hash text PRIMARY KEY CHECK (length(token_hash) = 64),
  family_id  uuid NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at    timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

-- Admin API keys: only a SHA-256 of the key is stored; `prefix` identifies it in listings.
CREATE TABLE api_keys (
  id         uuid PRIMARY KEY,
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  prefix     text NOT NULL,
  key_hash   text NOT NULL UNIQUE,
  scopes     text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text,
  revoked_at timestamptz
);

-- Every security event: who, what, when, from where. Never a secret.
CREATE TABLE audit_log (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT now(),
  tenant_id  uuid,
  actor      text,
  action     text NOT NULL,
  target     text,
  ip         text,
  user_agent text,
  request_id text,
  details    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);
