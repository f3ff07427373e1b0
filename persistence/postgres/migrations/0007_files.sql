-- Files: one row per upload (pending until verified, then ready) and each user's reserved
-- bytes. Object keys are {tenant_id}/{user_id}/{id}; the filename is never part of a key.
-- Both tables go with their user.

CREATE TABLE files (
  id                uuid PRIMARY KEY,
  tenant_id         uuid NOT NULL REFERENCES tenants (id),
  user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  filename          text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
  content_type      text NOT NULL CHECK (length(content_type) BETWEEN 3 AND 255),
  size              bigint NOT NULL CHECK (size >= 0),
  sha256            text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  status            text NOT NULL CHECK (status IN ('pending', 'ready')),
  storage_key       text NOT NULL UNIQUE,
  upload_expires_at timestamptz NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  completed_at      timestamptz
);
-- Pages newest first, per user and (for operators) across users.
CREATE INDEX files_user_newest ON files (user_id, created_at DESC, id DESC);
CREATE INDEX files_newest ON files (created_at DESC, id DESC);
-- Uploads whose URL may expire without a completed upload.
CREATE INDEX files_pending ON files (upload_expires_at) WHERE status = 'pending';

-- The bytes a user holds: pending uploads and stored files. An upload adds its size in the
-- transaction that creates its row, only while the sum stays within the quota (the row lock
-- serialises concurrent uploads); expiry and deletion subtract it in the transaction that
-- removes the row.
CREATE TABLE file_quotas (
  user_id        uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  reserved_bytes bigint NOT NULL DEFAULT 0 CHECK (reserved_bytes >= 0)
);
