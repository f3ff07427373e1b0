-- The outbox relay sleeps on LISTEN gatehouse_outbox; every statement that adds rows wakes it.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('gatehouse_outbox', '');
  RETURN NULL;
END;
$$;
CREATE TRIGGER outbox_inserted AFTER INSERT ON outbox
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- One row per email idempotency key: the email worker sends a key once and records how it went.
CREATE TABLE email_deliveries (
  idempotency_key text PRIMARY KEY CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  recipient       text NOT NULL,
  template        text NOT NULL,
  status          text NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  last_error      text,
  event_id        uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz
);

-- Published rows are kept a while for inspection, then pruned by the relay.
CREATE INDEX outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL;
