// Event envelopes arrive from NATS: decoding never crashes, and whatever decodes re-encodes to
// a document that decodes to the same envelope. The email worker's decoder of `email.send` data
// runs on every envelope too, and what it accepts keeps its promises; the templates render what
// it accepts without letting a variable break a line.
#include "actors/events/email_templates.hpp"
#include "messages/email_request.hpp"
#include "messages/event_envelope.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto decoded = gh::decode_event({reinterpret_cast<const char*>(data), size});
  if (auto* event = std::get_if<gh::event_envelope>(&decoded)) {
    const auto text = gh::encode_event(*event);
    auto again = gh::decode_event(text);
    if (!std::holds_alternative<gh::event_envelope>(again) ||
        gh::encode_event(std::get<gh::event_envelope>(again)) != text)
      std::abort();
    auto email = gh::decode_email_request(event->data);
    if (auto* request = std::get_if<gh::email_request>(&email)) {
      if (request->to.find_first_of("\r\n <>,") != std::string::npos || request->vars.size() > 32 ||
          request->idempotency_key.empty() || request->idempotency_key.size() > 200)
        std::abort();
      // Whatever the variables hold, a rendered mail's subject is one line, and no variable
      // adds a line break to either part (the templates' own text has only LF).
      auto rendered = gh::email::render(request->template_name, request->vars);
      if (auto* mail = std::get_if<gh::email::rendered>(&rendered))
        if (mail->subject.find_first_of("\r\n") != std::string::npos ||
            mail->text.find('\r') != std::string::npos ||
            mail->html.find_first_of("\r\n") != std::string::npos)
          std::abort();
    }
  }
  return 0;
}
