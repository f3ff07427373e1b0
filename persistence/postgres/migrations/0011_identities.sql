-- Federation: an identity is (provider, subject) at an OpenID provider, linked to one user.
-- A user has at most one identity per provider. `email` is the provider's claim as last seen
-- (verified or not), kept here and not on the user unless the provider verified it.
CREATE TABLE user_identities (
  provider   text NOT NULL CHECK (provider ~ '^[a-z][a-z0-9_-]{0,31}$'),
  subject    text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  email      text CHECK (length(email) <= 254),
  linked_at  timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, subject),
  UNIQUE (user_id, provider)
);

-- A user created by a provider sign-in has no password (an empty hash never verifies) and may
-- have neither e-mail nor phone: the identity is their way in.
ALTER TABLE users DROP CONSTRAINT users_check;
ALTER TABLE users ADD CONSTRAINT users_contact_or_federated
  CHECK (email IS NOT NULL OR phone IS NOT NULL OR password_hash = '');
