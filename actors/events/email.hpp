#pragma once

#include "actors/events/worker.hpp"
#include "providers/smtp/mailer.hpp"

#include <string>

namespace gh::events {

/// What the email worker sends with; the mailer outlives the worker.
struct email_settings {
  smtp::mailer* mailer = nullptr;
  std::string from; ///< The `From` header (`EMAIL_FROM`).
};

/// The `email` consumer of `email.send`: renders the template, sends through the mailer once
/// per idempotency key (`email_deliveries`, locked while sending, so two deliveries of one key
/// never both send), retries temporary failures with backoff and records permanent ones.
consumer_spec email_consumer(const email_settings& settings);

/// The `welcome` consumer of `user.created`: asks for the welcome email (an `email.send` outbox
/// row keyed `welcome:<user id>`) when the user has an email address; phone-only users get
/// none.
consumer_spec welcome_consumer();

} // namespace gh::events
