-- The admin user listing pages by (created_at, id): keep that order in an index.
CREATE INDEX users_created ON users (created_at, id);
