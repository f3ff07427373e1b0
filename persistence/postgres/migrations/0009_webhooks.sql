-- Outbound webhooks: the endpoints operators register and one delivery per (endpoint, event).
-- Secrets are sealed (AES-256-GCM under a key derived from GATEHOUSE_SECRETS_KEY, bound to the
-- endpoint id); the previous secret keeps signing until previous_secret_until.

CREATE TABLE webhook_endpoints (
  id                     uuid PRIMARY KEY,
  tenant_id              uuid NOT NULL REFERENCES tenants (id),
  url                    text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
  events                 text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 50),
  description            text CHECK (length(description) <= 500),
  enabled                boolean NOT NULL DEFAULT true,
  secret_sealed          text NOT NULL,
  previous_secret_sealed text,
  previous_secret_until  timestamptz,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_list ON webhook_endpoints (created_at, id);
CREATE INDEX webhook_endpoints_enabled ON webhook_endpoints (tenant_id) WHERE enabled;

-- `payload` is the event envelope exactly as every attempt sends (and signs) it. A sender
-- claims a delivery by setting `lease_until`; an expired lease makes it claimable again.
CREATE TABLE webhook_deliveries (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  endpoint_id     uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_id        uuid NOT NULL,
  event_type      text NOT NULL,
  payload         text NOT NULL,
  status          text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempts        int NOT NULL DEFAULT 0,
  last_status     int,
  last_error      text,
  next_attempt_at timestamptz,
  lease_until     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_list ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);
