#pragma once

#include "actors/keyset_cursor.hpp"

#include "actors/webhooks/webhook_url.hpp"
#include "messages/decode.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

/// Decoders of the webhook admin API's untrusted input (JSON bodies, query strings, cursors):
/// plain functions, driven by unit and fuzz tests.
namespace gh::webhooks {

using decode::field_errors;

/// A value, or the fields that were wrong.
template <class T>
using decoded = std::variant<T, field_errors>;

/// At most this many characters in an endpoint's description.
inline constexpr std::size_t max_description_chars = 500;

/// `POST /api/v1/admin/webhooks {url, events, description?}`.
struct new_endpoint {
  std::string url;
  endpoint_url parsed;
  std::vector<std::string> events;
  std::optional<std::string> description;
};

/// `PATCH /api/v1/admin/webhooks/{id} {url?, events?, enabled?, description?}`: what changes.
struct endpoint_patch {
  std::optional<std::string> url;
  std::optional<endpoint_url> parsed;
  std::optional<std::vector<std::string>> events;
  std::optional<bool> enabled;
  std::optional<std::string> description; ///< "" clears it
};

/// Decodes a new endpoint; the URL is checked for syntax under `policy` (its addresses are
/// checked by the caller, which may block).
decoded<new_endpoint> decode_new_endpoint(std::string_view body, const url_policy& policy);

/// Decodes a change of an endpoint; at least one field must be given.
decoded<endpoint_patch> decode_endpoint_patch(std::string_view body, const url_policy& policy);

/// A position in a listing: the last row's creation time (microseconds since the epoch) and id.
using page_cursor = keyset_cursor;

/// The opaque `next_cursor` text of `c`.
std::string encode_cursor(const page_cursor& c);

/// Reverses `encode_cursor`; empty for anything it did not produce.
std::optional<page_cursor> decode_cursor(std::string_view text);

/// `?cursor=&limit=` of the endpoint list, `?cursor=&limit=&status=` of the delivery list.
struct list_query {
  std::optional<page_cursor> after;
  int limit = 50;                    ///< 1–200
  std::optional<std::string> status; ///< `pending`, `succeeded` or `failed`
};

/// Decodes the endpoint list's query string.
decoded<list_query> decode_endpoint_list(std::string_view query);

/// Decodes the delivery list's query string.
decoded<list_query> decode_delivery_list(std::string_view query);

} // namespace gh::webhooks
