#include "actors/records/records_docs.hpp"

#include <string>

namespace gh::records {

namespace {

constexpr const char* record_ref = R"({"$ref":"#/components/schemas/Record"})";
constexpr const char* data_body =
    R"({"type":"object","required":["data"],"properties":{"data":{"type":"object",)"
    R"("description":"at most 64 KiB as compact UTF-8 JSON, 32 levels"}}})";
constexpr const char* patch_body =
    R"({"type":"object","required":["data"],"properties":{"data":{"type":"object",)"
    R"("description":"a JSON Merge Patch (RFC 7396) of the stored data"}}})";
constexpr const char* page =
    R"({"type":"object","required":["items","next_cursor"],"properties":{"items":)"
    R"({"type":"array","items":{"$ref":"#/components/schemas/Record"}},"next_cursor":)"
    R"({"type":["string","null"]}}})";

} // namespace

void describe(app& a) {
  a.add_schema("Record", R"({"type":"object","required":["id","collection","data","version",)"
                         R"("created_at","updated_at"],"properties":{"id":{"type":"string",)"
                         R"("format":"uuid"},"collection":{"type":"string","pattern":)"
                         R"("^[a-z][a-z0-9_]{0,62}$"},"data":{"type":"object"},"version":)"
                         R"({"type":"integer","minimum":1},"created_at":{"type":"string",)"
                         R"("format":"date-time"},"updated_at":{"type":"string",)"
                         R"("format":"date-time"}}})");
  std::vector<route_doc> docs;
  for (const auto& [prefix, whose] :
       {std::pair<std::string, std::string>{"/api/v1", "the caller's"},
        std::pair<std::string, std::string>{"/api/v1/orgs/{org_id}", "an organization's"}}) {
    const auto list = prefix + "/collections/{collection}/records";
    const auto item = list + "/{id}";
    const std::string viewer = prefix == "/api/v1" ? "" : " (member and above; a viewer gets 403)";
    docs.push_back({"POST", list, "records", "Create a record in " + whose + " collection" + viewer,
                    data_body, 201, record_ref, "user"});
    docs.push_back({"GET",
                    list,
                    "records",
                    "List " + whose +
                        " records newest first (?limit 1-100, ?cursor, ?filter: a "
                        "JSON object matched by containment)",
                    {},
                    200,
                    page,
                    "user"});
    docs.push_back({"GET",
                    item,
                    "records",
                    "Read one of " + whose + " records (ETag: its version)",
                    {},
                    200,
                    record_ref,
                    "user"});
    docs.push_back(
        {"PATCH", item, "records",
         "Merge-patch one of " + whose + " records (If-Match: a stale version is 412)" + viewer,
         patch_body, 200, record_ref, "user"});
    docs.push_back({"DELETE",
                    item,
                    "records",
                    "Delete one of " + whose + " records (optional If-Match)" + viewer,
                    {},
                    204,
                    {},
                    "user"});
  }
  a.add_docs(docs);
}

} // namespace gh::records
