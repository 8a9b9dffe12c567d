#include "ingest/srt/srt_stream_id.hpp"

#include <gtest/gtest.h>

namespace rtmp::srt {
namespace {

SrtStreamId parse_ok(std::string_view text) {
  std::string error;
  auto id = parse_stream_id(text, error);
  EXPECT_TRUE(id) << text << ": " << error;
  return id.value_or(SrtStreamId{});
}

std::string parse_error(std::string_view text) {
  std::string error;
  auto id = parse_stream_id(text, error);
  EXPECT_FALSE(id) << text << " parsed as " << (id ? id->key : "");
  EXPECT_FALSE(error.empty()) << text;
  return error;
}

TEST(SrtStreamId, PublishForm) {
  const auto id = parse_ok("publish:live/cam1");
  EXPECT_EQ(id.app, "live");
  EXPECT_EQ(id.name, "cam1");
  EXPECT_EQ(id.key, "live/cam1");
  EXPECT_EQ(id.token, "");
  EXPECT_EQ(id.query, "");
}

TEST(SrtStreamId, PublishFormWithTokenAndQuery) {
  const auto id = parse_ok("publish:live/cam1?token=s3cr%21t&quality=hd");
  EXPECT_EQ(id.key, "live/cam1");
  EXPECT_EQ(id.token, "s3cr!t");
  EXPECT_EQ(id.query, "quality=hd");  // the token never reaches events
}

TEST(SrtStreamId, NameMayHoldSlashes) {
  const auto id = parse_ok("publish:live/a/b");
  EXPECT_EQ(id.app, "live");
  EXPECT_EQ(id.name, "a/b");
}

TEST(SrtStreamId, AccessControlForm) {
  const auto id = parse_ok("#!::r=live/cam2,m=publish");
  EXPECT_EQ(id.key, "live/cam2");
  EXPECT_EQ(id.token, "");
}

TEST(SrtStreamId, AccessControlKeysInAnyOrderUnknownKeysIgnored) {
  const auto id = parse_ok("#!::u=alice,m=publish,t=stream,r=live/cam2,s=sess1");
  EXPECT_EQ(id.key, "live/cam2");
}

TEST(SrtStreamId, AccessControlWithoutModeIsAPublish) {
  EXPECT_EQ(parse_ok("#!::r=live/cam3").key, "live/cam3");
}

TEST(SrtStreamId, AccessControlTokenInResourceOrAsKey) {
  EXPECT_EQ(parse_ok("#!::r=live/x?token=abc,m=publish").token, "abc");
  EXPECT_EQ(parse_ok("#!::r=live/x,m=publish,token=def").token, "def");
  // The resource's own token wins over a second one.
  EXPECT_EQ(parse_ok("#!::r=live/x?token=abc,token=def").token, "abc");
}

TEST(SrtStreamId, PlayModesRefused) {
  EXPECT_NE(parse_error("#!::r=live/x,m=request").find("m=request"), std::string::npos);
  parse_error("#!::r=live/x,m=bidirectional");
  parse_error("play:live/x");
}

TEST(SrtStreamId, OtherTypesRefused) {
  EXPECT_NE(parse_error("#!::r=live/x,t=file").find("t=file"), std::string::npos);
}

TEST(SrtStreamId, GarbageRefused) {
  parse_error("");
  parse_error("garbage");
  parse_error("live/x");  // no form: an encoder that means it sends publish:
  parse_error("publish:");
  parse_error("publish:live");
  parse_error("publish:live/");
  parse_error("publish:/x");
  parse_error("publish:live/x\n");
  parse_error("#!::");
  parse_error("#!::m=publish");
  parse_error("#!::r=,m=publish");
  parse_error("#!::r=live/x,junk");
  parse_error("#!::r=nolive");
}

TEST(SrtStreamId, LoggedWithoutTokenOrControlCharacters) {
  EXPECT_EQ(loggable_stream_id("%23!::r=live/b,m=publish"), "%23!::r=live/b,m=publish");
  EXPECT_EQ(loggable_stream_id("live/x?token=secret"), "live/x...");
  EXPECT_EQ(loggable_stream_id("#!::token=secret,r=live/x"), "#!::...");
  EXPECT_EQ(loggable_stream_id("publish:live/x\n"), "publish:live/x?");
  EXPECT_EQ(loggable_stream_id(""), "");
  const std::string long_id(300, 'a');
  EXPECT_EQ(loggable_stream_id(long_id), std::string(100, 'a') + "...");
}

}  // namespace
}  // namespace rtmp::srt
