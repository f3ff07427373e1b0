#include "actors/events/email.hpp"

#include "actors/events/email_templates.hpp"
#include "actors/outbox.hpp"
#include "config/log.hpp"
#include "crypto/crypto.hpp"
#include "messages/email_request.hpp"
#include "providers/smtp/message.hpp"

namespace gh::events {

namespace {

std::string domain_of(const std::string& address) {
  const auto at = address.rfind('@');
  return at == std::string::npos ? std::string{"localhost"} : address.substr(at + 1);
}

handled send_email(const email_settings& settings, const event_envelope& event,
                   db::transaction& tx) {
  auto decoded = decode_email_request(event.data);
  if (auto* error = std::get_if<envelope_error>(&decoded))
    return {outcome::dead, error->field + " " + error->message};
  const auto& request = std::get<email_request>(decoded);
  tx.exec("INSERT INTO email_deliveries (idempotency_key, recipient, template, status, event_id) "
          "VALUES ($1, $2, $3, 'pending', $4::uuid) ON CONFLICT (idempotency_key) DO NOTHING",
          {request.idempotency_key, request.to, request.template_name, event.id});
  // The row lock makes a second delivery of the same key wait for this one's outcome.
  const auto state = tx.exec("SELECT status FROM email_deliveries WHERE idempotency_key = $1 "
                             "FOR UPDATE",
                             {request.idempotency_key});
  if (!state.empty() && db::text(state.front(), 0) != "pending")
    return {outcome::done, {}}; // sent or failed for good already: one send per key
  auto rendered = email::render(request.template_name, request.vars);
  if (auto* error = std::get_if<email::render_error>(&rendered))
    return {outcome::dead, error->message};
  const auto& r = std::get<email::rendered>(rendered);
  const auto key_hash = crypto::sha256_hex(request.idempotency_key);
  const auto from_address = smtp::address_of(settings.from);
  const smtp::mail_message m{
      settings.from, request.to,
      r.subject,     r.text,
      r.html,        "<" + key_hash.substr(0, 32) + "@" + domain_of(from_address) + ">"};
  const auto text = smtp::compose(m, std::chrono::system_clock::now());
  if (text.empty())
    return {outcome::dead, "the message cannot be composed (bad sender or recipient)"};
  const auto result = settings.mailer->send(from_address, request.to, key_hash.substr(0, 40), text);
  switch (result.outcome) {
  case smtp::delivery::sent:
    tx.exec("UPDATE email_deliveries SET status = 'sent', attempts = attempts + 1, "
            "sent_at = now(), last_error = NULL WHERE idempotency_key = $1",
            {request.idempotency_key});
    log::info("email sent", {{"template", request.template_name}, {"event", event.id}});
    return {outcome::done, {}};
  case smtp::delivery::permanent_failure:
    tx.exec("UPDATE email_deliveries SET status = 'failed', attempts = attempts + 1, "
            "last_error = $2 WHERE idempotency_key = $1",
            {request.idempotency_key, result.detail});
    log::warn(
        "email refused for good",
        {{"template", request.template_name}, {"event", event.id}, {"reason", result.detail}});
    return {outcome::done, {}};
  case smtp::delivery::temporary_failure:
    break;
  }
  return {outcome::retry, result.detail};
}

} // namespace

consumer_spec email_consumer(const email_settings& settings) {
  consumer_spec spec;
  spec.name = "email";
  spec.stream = "EMAIL";
  spec.subject = "email.send";
  // A slow SMTP server must not make JetStream hand the message to another worker meanwhile.
  spec.ack_wait = std::chrono::seconds{120};
  // One mail at a time and per transaction: a crash mid-batch would otherwise send the batch's
  // mails again, and a queued mail's AckWait would run out behind a slow one.
  spec.batch = 1;
  spec.per_transaction = 1;
  spec.slow = true;
  // An SMTP outage is retried for about an hour before the mail is dead-lettered.
  spec.max_deliveries = 12;
  spec.backoff = {std::chrono::seconds{1},   std::chrono::seconds{5}, std::chrono::seconds{30},
                  std::chrono::seconds{120}, std::chrono::minutes{5}, std::chrono::minutes{10}};
  spec.handler = [settings](const event_envelope& event, const delivery_info&,
                            db::transaction& tx) { return send_email(settings, event, tx); };
  return spec;
}

consumer_spec welcome_consumer() {
  consumer_spec spec;
  spec.name = "welcome";
  spec.stream = "USERS";
  spec.subject = "user.created";
  spec.handler = [](const event_envelope& event, const delivery_info&,
                    db::transaction& tx) -> handled {
    const auto* user_id = event.data.if_contains("user_id");
    if (user_id == nullptr || !user_id->is_string() || !is_uuid(user_id->get_string()))
      return {outcome::dead, "data.user_id must be a UUID"};
    const auto* email = event.data.if_contains("email");
    if (email == nullptr)
      return {outcome::done, {}}; // registered by phone: nothing to send
    if (!email->is_string())
      return {outcome::dead, "data.email must be a string"};
    boost::json::object vars;
    if (const auto* name = event.data.if_contains("name"); name != nullptr && name->is_string())
      vars["name"] = name->get_string();
    boost::json::object mail;
    mail["to"] = email->get_string();
    mail["template"] = "welcome";
    mail["vars"] = std::move(vars);
    mail["idempotency_key"] = "welcome:" + std::string{user_id->get_string()};
    write(tx, "email.send", event.tenant_id, std::move(mail));
    return {outcome::done, {}};
  };
  return spec;
}

} // namespace gh::events
