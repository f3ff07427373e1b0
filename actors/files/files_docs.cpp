#include "actors/files/files_docs.hpp"

#include <string>

namespace gh::files {

void describe(app& a) {
  a.add_schema("File",
               R"({"type":"object","required":["id","filename","content_type","size","status",)"
               R"("created_at"],"properties":{"id":{"type":"string","format":"uuid"},)"
               R"("filename":{"type":"string"},"content_type":{"type":"string"},"size":)"
               R"({"type":"integer","minimum":0},"status":{"enum":["pending","ready"]},)"
               R"("created_at":{"type":"string","format":"date-time"},"download_url":)"
               R"({"type":"string","format":"uri"},"download_expires_at":{"type":"string",)"
               R"("format":"date-time"}}})");
  a.add_schema("FileUpload",
               R"({"type":"object","required":["file_id","upload_url","method","headers",)"
               R"("expires_at"],"properties":{"file_id":{"type":"string","format":"uuid"},)"
               R"("upload_url":{"type":"string","format":"uri"},"method":{"const":"PUT"},)"
               R"("headers":{"type":"object","additionalProperties":{"type":"string"}},)"
               R"("expires_at":{"type":"string","format":"date-time"}}})");
  const std::string file = R"({"$ref":"#/components/schemas/File"})";
  const std::string page =
      R"({"type":"object","required":["items","next_cursor"],"properties":{"items":)"
      R"({"type":"array","items":{"$ref":"#/components/schemas/File"}},"next_cursor":)"
      R"({"type":["string","null"]}}})";
  a.add_docs({
      {"POST", "/api/v1/files/upload", "files",
       "Start an upload: a signed URL to PUT the bytes to (413 over the size limit, 415 a type "
       "not allowed, 409 over the quota)",
       R"({"type":"object","required":["filename","content_type","size"],"properties":)"
       R"({"filename":{"type":"string"},"content_type":{"type":"string"},"size":)"
       R"({"type":"integer","minimum":0},"sha256":{"type":"string","pattern":"^[0-9a-f]{64}$"}}})",
       201, R"({"$ref":"#/components/schemas/FileUpload"})", "user"},
      {"POST",
       "/api/v1/files/{id}/complete",
       "files",
       "Finish an upload once the object is in the store with the declared size (and SHA-256)",
       {},
       200,
       file,
       "user"},
      {"GET",
       "/api/v1/files",
       "files",
       "Your files, newest first, by cursor",
       {},
       200,
       page,
       "user"},
      {"GET",
       "/api/v1/files/{id}",
       "files",
       "One of your files, with a download URL once it is ready",
       {},
       200,
       file,
       "user"},
      {"DELETE",
       "/api/v1/files/{id}",
       "files",
       "Delete one of your files and its object",
       {},
       204,
       {},
       "user"},
      {"GET",
       "/api/v1/admin/files",
       "files",
       "Any user's files (user_id filter), newest first, by cursor (scope files:read)",
       {},
       200,
       page,
       "key"},
      {"GET",
       "/api/v1/admin/files/{id}",
       "files",
       "Any user's file, with a download URL once it is ready (scope files:read)",
       {},
       200,
       file,
       "key"},
  });
}

} // namespace gh::files
