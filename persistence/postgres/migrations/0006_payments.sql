-- Payments over Stripe: plans, customers, checkouts, subscriptions, invoices, refunds.
-- Stripe objects are keyed by their Stripe id (UNIQUE), so a webhook applied twice, or by two
-- processes at once, lands on the same row.

CREATE TABLE plans (
  id                uuid PRIMARY KEY,
  tenant_id         uuid NOT NULL REFERENCES tenants (id),
  name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  amount            bigint NOT NULL CHECK (amount >= 0),
  currency          text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
  interval          text NOT NULL CHECK (interval IN ('day', 'week', 'month', 'year')),
  stripe_product_id text NOT NULL,
  stripe_price_id   text NOT NULL UNIQUE,
  active            boolean NOT NULL DEFAULT true,
  created_at        timestamptz NOT NULL DEFAULT now(),
  archived_at       timestamptz
);
CREATE INDEX plans_active ON plans (tenant_id, created_at) WHERE active;

-- One Stripe customer per user, created on the user's first checkout or portal visit.
CREATE TABLE stripe_customers (
  user_id     uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  customer_id text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- A Checkout Session and the per-user actor that follows it. `open` moves to `complete` or
-- `expired` once and never back.
CREATE TABLE checkouts (
  id                     uuid PRIMARY KEY,
  user_id                uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  plan_id                uuid NOT NULL REFERENCES plans (id),
  stripe_session_id      text NOT NULL UNIQUE,
  url                    text NOT NULL,
  status                 text NOT NULL CHECK (status IN ('open', 'complete', 'expired')),
  stripe_subscription_id text,
  expires_at             timestamptz NOT NULL,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX checkouts_user ON checkouts (user_id, created_at);
CREATE INDEX checkouts_open ON checkouts (expires_at) WHERE status = 'open';

-- `stripe_version` orders the states of one object: the `created` time of the event (or of
-- the fetch) a row's state came from. An older state never replaces a newer one; a tie is
-- settled by fetching the object from Stripe.
CREATE TABLE subscriptions (
  id                     uuid PRIMARY KEY,
  user_id                uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  stripe_subscription_id text NOT NULL UNIQUE,
  stripe_customer_id     text NOT NULL,
  plan_id                uuid REFERENCES plans (id),
  status                 text NOT NULL CHECK (length(status) BETWEEN 1 AND 40),
  current_period_end     timestamptz,
  cancel_at_period_end   boolean NOT NULL DEFAULT false,
  stripe_version         bigint NOT NULL,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_user ON subscriptions (user_id, created_at);

CREATE TABLE invoices (
  id                     uuid PRIMARY KEY,
  user_id                uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  stripe_invoice_id      text NOT NULL UNIQUE,
  stripe_subscription_id text,
  payment_intent_id      text,
  amount_due             bigint NOT NULL,
  amount_paid            bigint NOT NULL,
  currency               text NOT NULL,
  status                 text NOT NULL CHECK (length(status) BETWEEN 1 AND 40),
  hosted_invoice_url     text,
  created                timestamptz NOT NULL,
  stripe_version         bigint NOT NULL,
  updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invoices_user ON invoices (user_id, created);
CREATE INDEX invoices_payment_intent ON invoices (payment_intent_id);

-- What `charge.refunded` reported per PaymentIntent; the largest amount wins, so refunds seen
-- out of order (or before their invoice) never lower it.
CREATE TABLE payment_refunds (
  payment_intent_id text PRIMARY KEY,
  amount_refunded   bigint NOT NULL CHECK (amount_refunded >= 0),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Refunds an operator asked for through the admin API.
CREATE TABLE refunds (
  stripe_refund_id  text PRIMARY KEY,
  payment_intent_id text NOT NULL,
  amount            bigint NOT NULL,
  status            text NOT NULL,
  requested_by      text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now()
);
