-- Two tabs refreshing at once: a rotated token keeps, for the grace window, the hash of the
-- token that replaced it and the pair its rotation answered (access and refresh token), sealed
-- with AES-256-GCM under a key derived from GATEHOUSE_SECRETS_KEY and bound to the row, so the
-- parallel refresh gets that same pair instead of revoking the family. Older rows of a family
-- lose the sealed pair at its next rotation.
ALTER TABLE refresh_tokens
  ADD COLUMN successor_hash text CHECK (length(successor_hash) = 64),
  ADD COLUMN successor_sealed text;
