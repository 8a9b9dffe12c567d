#include "ingest/protocol/amf0.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace rtmp::amf0 {
namespace {

using Bytes = std::vector<uint8_t>;

Value round_trip(const Value& v) {
  Bytes bytes;
  encode(v, bytes);
  size_t pos = 0;
  Value out;
  EXPECT_EQ(decode(bytes, pos, out), "");
  EXPECT_EQ(pos, bytes.size());
  return out;
}

std::string decode_error(const Bytes& bytes, const DecodeLimits& limits = {}) {
  size_t pos = 0;
  Value out;
  return decode(bytes, pos, out, limits);
}

TEST(Amf0, ScalarsRoundTrip) {
  for (double d :
       {0.0, -1.5, 3.141592653589793, 1e300, -0.0, std::numeric_limits<double>::infinity()}) {
    EXPECT_EQ(round_trip(Value::Number(d)), Value::Number(d));
  }
  EXPECT_TRUE(std::isnan(round_trip(Value::Number(std::nan(""))).number));
  EXPECT_EQ(round_trip(Value::Boolean(true)), Value::Boolean(true));
  EXPECT_EQ(round_trip(Value::Boolean(false)), Value::Boolean(false));
  EXPECT_EQ(round_trip(Value::Null()).type, Type::kNull);
  EXPECT_EQ(round_trip(Value::Undefined()).type, Type::kUndefined);
  auto date = round_trip(Value::Date(1705312222000.0, -60));
  EXPECT_EQ(date.type, Type::kDate);
  EXPECT_EQ(date.number, 1705312222000.0);
  EXPECT_EQ(date.timezone, -60);
}

TEST(Amf0, KnownBytes) {
  Bytes b;
  encode(Value::Number(1.0), b);
  EXPECT_EQ(b, (Bytes{0x00, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0}));
  b.clear();
  encode(Value::String("ab"), b);
  EXPECT_EQ(b, (Bytes{0x02, 0x00, 0x02, 'a', 'b'}));
  b.clear();
  encode(Value::Object({{"a", Value::Null()}}), b);
  EXPECT_EQ(b, (Bytes{0x03, 0x00, 0x01, 'a', 0x05, 0x00, 0x00, 0x09}));
  b.clear();
  encode(Value::EcmaArray({{"a", Value::Boolean(true)}}), b);
  EXPECT_EQ(b, (Bytes{0x08, 0, 0, 0, 1, 0x00, 0x01, 'a', 0x01, 0x01, 0x00, 0x00, 0x09}));
  b.clear();
  encode(Value::StrictArray({Value::Undefined()}), b);
  EXPECT_EQ(b, (Bytes{0x0A, 0, 0, 0, 1, 0x06}));
}

TEST(Amf0, StringsShortAndLong) {
  EXPECT_EQ(round_trip(Value::String("")).string, "");
  std::string max(65535, 'x');
  Bytes b;
  encode(Value::String(max), b);
  EXPECT_EQ(b[0], 0x02);
  EXPECT_EQ(round_trip(Value::String(max)).type, Type::kString);
  std::string longer(65536, 'y');
  b.clear();
  encode(Value::String(longer), b);
  EXPECT_EQ(b[0], 0x0C);
  EXPECT_EQ(b.size(), 1u + 4 + 65536);
  Value back = round_trip(Value::String(longer));
  EXPECT_EQ(back.type, Type::kLongString);
  EXPECT_EQ(back.string, longer);
  EXPECT_EQ(back, Value::String(longer));
  // Explicit long string of few bytes stays long on the wire.
  Value small_long;
  small_long.type = Type::kLongString;
  small_long.string = "hi";
  b.clear();
  encode(small_long, b);
  EXPECT_EQ(b, (Bytes{0x0C, 0, 0, 0, 2, 'h', 'i'}));
}

TEST(Amf0, NestedContainersRoundTrip) {
  Value v = Value::Object(
      {{"app", Value::String("live")},
       {"n", Value::Number(3)},
       {"meta", Value::EcmaArray({{"width", Value::Number(1280)},
                                  {"list", Value::StrictArray({Value::Number(1), Value::Null(),
                                                               Value::Object({})})}})},
       {"when", Value::Date(1.0)},
       {"u", Value::Undefined()}});
  Value back = round_trip(v);
  EXPECT_EQ(back, v);
  EXPECT_EQ(back.get_string("app"), "live");
  EXPECT_EQ(back.get_number("n"), 3.0);
  EXPECT_EQ(back.get_number("app"), std::nullopt);
  EXPECT_EQ(back.get_string("missing"), std::nullopt);
  ASSERT_NE(back.get("meta"), nullptr);
  EXPECT_EQ(back.get("meta")->get_number("width"), 1280.0);
  EXPECT_EQ(Value::Number(1).get("x"), nullptr);
  // Insertion order is kept.
  EXPECT_EQ(back.properties[0].first, "app");
  EXPECT_EQ(back.properties[4].first, "u");
}

TEST(Amf0, EncodeAllDecodeAll) {
  std::vector<Value> values = {Value::String("connect"), Value::Number(1),
                               Value::Object({{"app", Value::String("live")}})};
  Bytes bytes = encode_all(values);
  std::vector<Value> back;
  ASSERT_EQ(decode_all(bytes, back), "");
  EXPECT_EQ(back, values);
}

TEST(Amf0, EcmaArrayCountIsAdvisory) {
  // Count says 5 but only one property before the end marker.
  Bytes b{0x08, 0, 0, 0, 5, 0, 1, 'k', 0x05, 0, 0, 0x09};
  size_t pos = 0;
  Value v;
  ASSERT_EQ(decode(b, pos, v), "");
  EXPECT_EQ(v.properties.size(), 1u);
  EXPECT_EQ(pos, b.size());
  // Count 0 with properties and an end marker.
  Bytes b2{0x08, 0, 0, 0, 0, 0, 1, 'k', 0x05, 0, 1, 'j', 0x06, 0, 0, 0x09};
  pos = 0;
  ASSERT_EQ(decode(b2, pos, v), "");
  EXPECT_EQ(v.properties.size(), 2u);
  // End marker omitted at the very end of data once the count is reached.
  Bytes b3{0x08, 0, 0, 0, 1, 0, 1, 'k', 0x05};
  pos = 0;
  ASSERT_EQ(decode(b3, pos, v), "");
  EXPECT_EQ(v.properties.size(), 1u);
}

TEST(Amf0, Truncations) {
  Bytes full = encode_all(std::vector<Value>{
      Value::Object({{"a", Value::Number(1)},
                     {"b", Value::String("hello")},
                     {"c", Value::StrictArray({Value::Boolean(true), Value::Date(2)})},
                     {"d", Value::EcmaArray({{"e", Value::Null()}})}})});
  // Every strict prefix is an error (the ECMA array sits before the end
  // marker of the outer object, so no prefix is complete).
  for (size_t n = 0; n < full.size(); ++n) {
    Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(decode_error(prefix).empty()) << n;
  }
  EXPECT_EQ(decode_error(full), "");
}

TEST(Amf0, StringLongerThanData) {
  auto err = decode_error({0x02, 0x00, 0x10, 'a', 'b'});
  EXPECT_NE(err.find("longer than"), std::string::npos) << err;
  err = decode_error({0x0C, 0xFF, 0xFF, 0xFF, 0xFF, 'a'});
  EXPECT_NE(err.find("longer than"), std::string::npos) << err;
  err = decode_error({0x03, 0x00, 0x09, 'a'});  // property name too long
  EXPECT_NE(err.find("longer than"), std::string::npos) << err;
}

TEST(Amf0, UnsupportedMarkers) {
  EXPECT_NE(decode_error({0x07, 0x00, 0x01}).find("reference"), std::string::npos);
  EXPECT_NE(decode_error({0x11, 0x01}).find("AMF3"), std::string::npos);
  EXPECT_NE(decode_error({0x09}).find("object end"), std::string::npos);
  for (uint8_t m : {0x04, 0x0D, 0x0E, 0x0F, 0x10, 0x12, 0xFF}) {
    EXPECT_NE(decode_error({m, 0, 0, 0, 0}).find("unknown"), std::string::npos) << int(m);
  }
  EXPECT_FALSE(decode_error({}).empty());
}

TEST(Amf0, DepthLimit) {
  DecodeLimits limits;
  limits.max_depth = 4;
  auto nested = [](int depth) {
    Value v = Value::Null();
    for (int i = 0; i < depth; ++i) {
      v = (i % 2) ? Value::Object({{"x", std::move(v)}}) : Value::StrictArray({std::move(v)});
    }
    Bytes b;
    encode(v, b);
    return b;
  };
  EXPECT_EQ(decode_error(nested(4), limits), "");
  EXPECT_NE(decode_error(nested(5), limits).find("deeper"), std::string::npos);
  // Default limit: 10,000 nested objects fail cleanly, no stack overflow.
  Bytes deep;
  for (int i = 0; i < 10000; ++i) deep.insert(deep.end(), {0x03, 0x00, 0x01, 'a'});
  deep.push_back(0x05);
  EXPECT_NE(decode_error(deep).find("deeper than 32"), std::string::npos);
}

TEST(Amf0, ElementLimit) {
  DecodeLimits limits;
  limits.max_elements = 3;
  Properties props;
  for (int i = 0; i < 4; ++i) props.emplace_back(std::to_string(i), Value::Number(i));
  Bytes obj;
  encode(Value::Object(props), obj);
  EXPECT_NE(decode_error(obj, limits).find("more than 3"), std::string::npos);
  Bytes ecma;
  encode(Value::EcmaArray(props), ecma);
  EXPECT_NE(decode_error(ecma, limits).find("more than 3"), std::string::npos);
  Bytes arr;
  encode(Value::StrictArray({Value::Null(), Value::Null(), Value::Null(), Value::Null()}), arr);
  EXPECT_NE(decode_error(arr, limits).find("exceeds"), std::string::npos);
  // A huge declared count with little data is refused before allocating.
  EXPECT_FALSE(decode_error({0x0A, 0x00, 0x00, 0xFF, 0xFF, 0x05}).empty());
}

TEST(Amf0, DecodeAtOffset) {
  Bytes b{0x05, 0x01, 0x01, 0x02, 0x00, 0x01, 'z'};
  size_t pos = 1;
  Value v;
  ASSERT_EQ(decode(b, pos, v), "");
  EXPECT_EQ(v, Value::Boolean(true));
  ASSERT_EQ(decode(b, pos, v), "");
  EXPECT_EQ(v.string, "z");
  EXPECT_EQ(pos, b.size());
  EXPECT_FALSE(decode(b, pos, v).empty());
  pos = 100;
  EXPECT_FALSE(decode(b, pos, v).empty());
}

TEST(Amf0, Equality) {
  EXPECT_NE(Value::Number(1), Value::Boolean(true));
  EXPECT_NE(Value::Null(), Value::Undefined());
  EXPECT_NE(Value::Object({{"a", Value::Null()}}), Value::EcmaArray({{"a", Value::Null()}}));
  EXPECT_NE(Value::Date(1, 0), Value::Date(1, 1));
  EXPECT_NE(Value::String("a"), Value::String("b"));
}

TEST(Amf0Value, AsUint32TakesOnlyWholeNumbersInRange) {
  EXPECT_EQ(Value::Number(0).as_uint32(), 0u);
  EXPECT_EQ(Value::Number(4294967295.0).as_uint32(), 4294967295u);
  for (double bad : {-4.0, -0.5, 1.5, 4294967296.0, 1e20, std::nan(""), HUGE_VAL})
    EXPECT_FALSE(Value::Number(bad).as_uint32()) << bad;
  EXPECT_FALSE(Value::String("1").as_uint32());
}

}  // namespace
}  // namespace rtmp::amf0
