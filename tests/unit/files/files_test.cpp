#include "actors/files/filenames.hpp"
#include "actors/files/requests.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace gh::files;

TEST(FilenameTest, KeepsOrdinaryNames) {
  EXPECT_EQ(sanitize_filename("report.pdf"), "report.pdf");
  EXPECT_EQ(sanitize_filename("Résumé 2026 (final).docx"), "Résumé 2026 (final).docx");
  EXPECT_EQ(sanitize_filename("日本語.txt"), "日本語.txt");
}

TEST(FilenameTest, NoSeparatorsOrTraversal) {
  EXPECT_EQ(sanitize_filename("../../etc/passwd"), "_.._etc_passwd");
  EXPECT_EQ(sanitize_filename("..\\..\\boot.ini"), "_.._boot.ini");
  EXPECT_EQ(sanitize_filename("a/b\\c"), "a_b_c");
  EXPECT_EQ(sanitize_filename("C:con<>|?*\".txt"), "C_con______.txt");
  EXPECT_EQ(sanitize_filename(".."), "");
  EXPECT_EQ(sanitize_filename(" . "), "");
  EXPECT_EQ(sanitize_filename(".hidden"), "hidden");
  EXPECT_EQ(sanitize_filename("name. "), "name");
}

TEST(FilenameTest, DropsControlAndBidiCharacters) {
  EXPECT_EQ(sanitize_filename(std::string{"a\0b\nc\td\x7f", 8} + "e"), "abcde");
  // U+202E RIGHT-TO-LEFT OVERRIDE would show "exe.txt" as "txt.exe".
  EXPECT_EQ(sanitize_filename("invoice\u202Etxt.exe"), "invoicetxt.exe");
  EXPECT_EQ(sanitize_filename("a\u2066b\u2069c\u200Ed\u200Fe\u061Cf\uFEFFg\u200Bh"), "abcdefgh");
  EXPECT_EQ(sanitize_filename("\xc2\x85x"), "x");           // C1 NEL
  EXPECT_EQ(sanitize_filename("\xff\xfeok\xc0\xaf"), "ok"); // not UTF-8, overlong '/'
  EXPECT_EQ(sanitize_filename("\u202E"), "");
}

TEST(FilenameTest, CapsTheLengthOnACharacterBoundary) {
  const auto long_name = std::string(300, 'a') + ".tar.gz";
  const auto out = sanitize_filename(long_name);
  EXPECT_EQ(out.size(), max_filename_bytes);
  EXPECT_TRUE(out.ends_with(".gz"));
  std::string wide;
  for (int i = 0; i < 200; ++i)
    wide += "é";
  const auto cut = sanitize_filename(wide);
  EXPECT_LE(cut.size(), max_filename_bytes);
  EXPECT_EQ(cut.size() % 2, 0U);
  EXPECT_TRUE(gh::decode::is_valid_utf8(cut));
}

TEST(UploadRequestTest, DecodesAValidRequest) {
  auto d =
      decode_upload(R"({"filename":"a/b.png","content_type":"Image/PNG","size":1234,"sha256":")" +
                    std::string(64, 'a') + R"("})");
  ASSERT_TRUE(std::holds_alternative<upload_request>(d));
  const auto& r = std::get<upload_request>(d);
  EXPECT_EQ(r.filename, "a_b.png");
  EXPECT_EQ(r.content_type, "image/png");
  EXPECT_EQ(r.size, 1234);
  EXPECT_EQ(r.sha256, std::string(64, 'a'));
  auto with_params =
      decode_upload(R"({"filename":"a.txt","content_type":"text/plain; charset=utf-8","size":0})");
  ASSERT_TRUE(std::holds_alternative<upload_request>(with_params));
  EXPECT_EQ(std::get<upload_request>(with_params).content_type, "text/plain; charset=utf-8");
}

TEST(UploadRequestTest, NamesEveryProblem) {
  const auto fields = [](std::string_view body) {
    std::vector<std::string> out;
    auto d = decode_upload(body);
    if (auto* errors = std::get_if<field_errors>(&d))
      for (const auto& e : *errors)
        out.push_back(e.field);
    return out;
  };
  EXPECT_EQ(fields("{}"), (std::vector<std::string>{"filename", "content_type", "size"}));
  EXPECT_EQ(fields(R"({"filename":"..","content_type":"png","size":-1,"sha256":"ABC"})"),
            (std::vector<std::string>{"filename", "content_type", "size", "sha256"}));
  EXPECT_EQ(fields(R"({"filename":"a","content_type":"a/b","size":1.5})"),
            (std::vector<std::string>{"size"}));
  EXPECT_EQ(fields(R"({"filename":"a","content_type":"a/b","size":9007199254740993})"),
            (std::vector<std::string>{"size"}));
  EXPECT_EQ(fields(R"({"filename":"a","content_type":"a/b","size":1,"sha256":")" +
                   std::string(64, 'A') + R"("})"),
            (std::vector<std::string>{"sha256"}));
  EXPECT_EQ(fields(R"({"filename":"a","content_type":"a/b\r\nX: y","size":1})"),
            (std::vector<std::string>{"content_type"}));
  EXPECT_FALSE(fields(R"({"filename":"a","content_type":"a/b","size":1,"extra":1})").empty());
  EXPECT_FALSE(fields("not json").empty());
}

TEST(UploadRequestTest, MediaTypesAndTheAllowList) {
  EXPECT_EQ(media_type("IMAGE/Png"), "image/png");
  EXPECT_EQ(media_type(" text/plain ; charset=\"utf-8\" "), "text/plain");
  EXPECT_EQ(media_type("text"), "");
  EXPECT_EQ(media_type("text/"), "");
  EXPECT_EQ(media_type("text/plain; charset"), "");
  EXPECT_EQ(media_type("a/b\x01"), "");
  EXPECT_TRUE(type_allowed("anything/at-all", {}));
  const std::vector<std::string> allowed{"image/*", "application/pdf"};
  EXPECT_TRUE(type_allowed("image/png", allowed));
  EXPECT_TRUE(type_allowed("application/pdf", allowed));
  EXPECT_FALSE(type_allowed("application/pdfx", allowed));
  EXPECT_FALSE(type_allowed("text/html", allowed));
  EXPECT_FALSE(type_allowed("imagex/png", allowed));
}

TEST(ListQueryTest, CursorsRoundTripAndNothingElseDecodes) {
  const file_cursor c{1700000000123456, "11111111-1111-4111-8111-111111111111"};
  const auto text = encode_cursor(c);
  const auto back = decode_cursor(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->created_us, c.created_us);
  EXPECT_EQ(back->id, c.id);
  for (const auto& bad : std::vector<std::string>{"", "x", "ZjEuMS54", std::string(200, 'A')})
    EXPECT_FALSE(decode_cursor(bad)) << bad;

  auto q = decode_list_query("cursor=" + text + "&limit=10", false);
  ASSERT_TRUE(std::holds_alternative<list_query>(q));
  EXPECT_EQ(std::get<list_query>(q).limit, 10);
  EXPECT_TRUE(std::holds_alternative<field_errors>(decode_list_query("limit=0", false)));
  EXPECT_TRUE(std::holds_alternative<field_errors>(decode_list_query("limit=201", false)));
  EXPECT_TRUE(std::holds_alternative<field_errors>(decode_list_query("user_id=x", false)));
  EXPECT_TRUE(std::holds_alternative<field_errors>(decode_list_query("user_id=x", true)));
  auto admin = decode_list_query("user_id=11111111-1111-4111-8111-111111111111", true);
  ASSERT_TRUE(std::holds_alternative<list_query>(admin));
  EXPECT_EQ(std::get<list_query>(admin).user_id, "11111111-1111-4111-8111-111111111111");
}
