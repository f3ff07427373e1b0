#include "actors/ops/openapi.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <stdexcept>

namespace gh::ops {

namespace json = boost::json;

namespace {

json::value schema_of(const std::string& text, const std::string& where) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec)
    throw std::invalid_argument("the OpenAPI schema of " + where + " is not JSON: " + text);
  return v;
}

json::object problem_response(std::string description) {
  return {
      {"description", std::move(description)},
      {"content",
       {{"application/problem+json", {{"schema", {{"$ref", "#/components/schemas/Problem"}}}}}}}};
}

/// `operationId`: the method and the pattern's words, e.g. `get_api_v1_users_me`.
std::string operation_id(const std::string& method, const std::string& pattern) {
  std::string out;
  for (const char c : method)
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char c : pattern) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0)
      out += c;
    else if (!out.empty() && out.back() != '_')
      out += '_';
  }
  while (!out.empty() && out.back() == '_')
    out.pop_back();
  return out;
}

json::array security_of(const std::string& kind) {
  if (kind == "user")
    return {json::object{{"bearer", json::array{}}}, json::object{{"cookie", json::array{}}}};
  if (kind == "optional")
    return {json::object{}, json::object{{"bearer", json::array{}}},
            json::object{{"cookie", json::array{}}}};
  if (kind == "key")
    return {json::object{{"apiKey", json::array{}}}};
  return {json::object{}};
}

std::string default_security(auth_policy auth) {
  switch (auth) {
  case auth_policy::user:
    return "user";
  case auth_policy::optional:
    return "optional";
  case auth_policy::none:
    break;
  }
  return "none";
}

const char* status_text(int status) {
  switch (status) {
  case 200:
    return "OK";
  case 201:
    return "Created";
  case 202:
    return "Accepted";
  case 204:
    return "No Content";
  case 302:
    return "Found";
  default:
    return "Success";
  }
}

json::object components(const openapi_input& in) {
  json::object schemas;
  schemas["Problem"] = schema_of(
      R"({"type":"object","description":"RFC 9457 problem details",)"
      R"("required":["type","title","status"],"properties":{)"
      R"("type":{"type":"string","format":"uri"},"title":{"type":"string"},)"
      R"("status":{"type":"integer"},"detail":{"type":"string"},)"
      R"("request_id":{"type":"string"},"errors":{"type":"array","items":{"type":"object",)"
      R"("required":["field","message"],"properties":{"field":{"type":"string"},)"
      R"("message":{"type":"string"}}}}}})",
      "Problem");
  for (const auto& [name, text] : in.schemas)
    schemas[name] = schema_of(text, name);
  json::object security;
  security["bearer"] = {{"type", "http"},
                        {"scheme", "bearer"},
                        {"bearerFormat", "JWT"},
                        {"description", "An access token of POST /api/v1/auth/login"}};
  security["cookie"] = {{"type", "apiKey"},
                        {"in", "cookie"},
                        {"name", "gh_access"},
                        {"description", "The browser session (`\"session\": \"cookie\"`); unsafe "
                                        "methods also send X-CSRF-Token equal to gh_csrf"}};
  security["apiKey"] = {{"type", "apiKey"},
                        {"in", "header"},
                        {"name", "Authorization"},
                        {"description", "`ApiKey <key>`: an admin API key with the route's scope"}};
  return {{"schemas", std::move(schemas)}, {"securitySchemes", std::move(security)}};
}

} // namespace

std::string openapi_document(const openapi_input& in) {
  std::map<std::pair<std::string, std::string>, const route_doc*> docs;
  for (const auto& d : in.docs)
    docs[{d.method, d.pattern}] = &d;
  json::object paths;
  for (const auto& r : in.routes) {
    const auto found = docs.find({r.method, r.pattern});
    const route_doc* doc = found == docs.end() ? nullptr : found->second;
    json::object op;
    op["operationId"] = operation_id(r.method, r.pattern);
    if (doc != nullptr) {
      op["summary"] = doc->summary;
      if (!doc->tag.empty())
        op["tags"] = json::array{json::value(doc->tag)};
    } else {
      op["summary"] = r.method + " " + r.pattern;
      op["x-undocumented"] = true;
    }
    json::array params;
    for (std::size_t at = r.pattern.find('{'); at != std::string::npos;
         at = r.pattern.find('{', at + 1)) {
      const auto name = r.pattern.substr(at + 1, r.pattern.find('}', at) - at - 1);
      params.push_back(json::object{
          {"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
    }
    if (!params.empty())
      op["parameters"] = std::move(params);
    if (r.body == body_kind::json) {
      const auto schema = doc != nullptr && !doc->request.empty()
                              ? schema_of(doc->request, r.method + " " + r.pattern)
                              : json::value(json::object{{"type", "object"}});
      op["requestBody"] = {{"required", true},
                           {"content", {{"application/json", {{"schema", schema}}}}}};
    }
    const int status = doc != nullptr ? doc->status : 200;
    json::object success{{"description", status_text(status)}};
    if (doc != nullptr && !doc->response.empty())
      success["content"] = {
          {"application/json", {{"schema", schema_of(doc->response, r.method + " " + r.pattern)}}}};
    json::object responses;
    responses[std::to_string(status)] = std::move(success);
    responses["default"] = problem_response("An RFC 9457 problem (4xx, 5xx)");
    op["responses"] = std::move(responses);
    const auto security =
        doc != nullptr && !doc->security.empty() ? doc->security : default_security(r.auth);
    op["security"] = security_of(security);
    if (security == "signature")
      op["x-signature"] = "the provider's signature header, checked over the raw body";
    std::string method;
    for (const char c : r.method)
      method += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto& path = paths[r.pattern];
    if (!path.is_object())
      path = json::object{};
    path.as_object()[method] = std::move(op);
  }
  json::object doc;
  doc["openapi"] = "3.1.0";
  doc["info"] = {{"title", "Gatehouse"},
                 {"version", in.version},
                 {"description", "The external contract of a Gatehouse gateway: identity, "
                                 "payments, admin and ops. Every error is an RFC 9457 problem."}};
  doc["servers"] = json::array{json::object{{"url", in.public_url}}};
  doc["paths"] = std::move(paths);
  doc["components"] = components(in);
  return json::serialize(doc);
}

} // namespace gh::ops
