-- Foundation: tenants, the transactional outbox and the processed-event ledger.

CREATE TABLE tenants (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name       text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Every user belongs to a tenant; this one exists from the start.
INSERT INTO tenants (id, name) VALUES ('00000000-0000-0000-0000-000000000001', 'default');

-- A state change and the event announcing it are written in one transaction; the relay
-- publishes rows in `seq` order with Nats-Msg-Id = id and then sets published_at.
CREATE TABLE outbox (
  id           uuid PRIMARY KEY,
  seq          bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  subject      text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
  tenant_id    uuid NOT NULL REFERENCES tenants (id),
  payload      jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;

-- Idempotent consumers record each applied event id per consumer.
CREATE TABLE processed_events (
  consumer     text NOT NULL,
  event_id     uuid NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
