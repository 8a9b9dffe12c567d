#pragma once
// AMF0 values, encoder and decoder (AMF0 spec), no I/O.
// Every type clients send: number, boolean, string, long string, object,
// ECMA array, strict array, null, undefined, date (and reference/unsupported
// decode as errors; AMF3 switch (0x11) is an error here).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rtmp::amf0 {

enum class Type : uint8_t {
  kNumber = 0x00,
  kBoolean = 0x01,
  kString = 0x02,
  kObject = 0x03,
  kNull = 0x05,
  kUndefined = 0x06,
  kEcmaArray = 0x08,
  kObjectEnd = 0x09,
  kStrictArray = 0x0A,
  kDate = 0x0B,
  kLongString = 0x0C,
};

struct Value;
using Property = std::pair<std::string, Value>;
using Properties = std::vector<Property>;  // insertion order kept
using Array = std::vector<Value>;

struct Value {
  Type type = Type::kNull;
  double number = 0;      // kNumber, kDate (ms since epoch)
  int16_t timezone = 0;   // kDate
  bool boolean = false;   // kBoolean
  std::string string;     // kString, kLongString
  Properties properties;  // kObject, kEcmaArray
  Array elements;         // kStrictArray

  // Declared here, defaulted in amf0.cpp: defining them where Value is still
  // incomplete (std::pair<std::string, Value>) does not compile with clang.
  Value();
  ~Value();
  Value(const Value&);
  Value(Value&&) noexcept;
  Value& operator=(const Value&);
  Value& operator=(Value&&) noexcept;

  static Value Number(double v);
  static Value Boolean(bool v);
  static Value String(std::string v);  // encodes as long string past 65535 bytes
  static Value Null();
  static Value Undefined();
  static Value Object(Properties props);
  static Value EcmaArray(Properties props);
  static Value StrictArray(Array elements);
  static Value Date(double ms, int16_t tz = 0);

  bool is_string() const { return type == Type::kString || type == Type::kLongString; }
  bool is_object() const { return type == Type::kObject || type == Type::kEcmaArray; }
  // Property lookup for objects / ECMA arrays; nullptr when absent.
  const Value* get(std::string_view key) const;
  // Convenience: the property as string / number if present and of that type.
  std::optional<std::string> get_string(std::string_view key) const;
  std::optional<double> get_number(std::string_view key) const;
  // A number that is a whole value in [0, 2^32) (message stream ids and
  // the like); nullopt for any other value, so a peer's -4, NaN or 1e20
  // never reaches an integer conversion.
  std::optional<uint32_t> as_uint32() const;

  bool operator==(const Value& o) const;
};

struct DecodeLimits {
  int max_depth = 32;           // nesting of objects/arrays
  size_t max_elements = 65536;  // properties or elements in one container
};

// Decodes one value at data[pos], advancing pos. Empty string on success, else
// the reason (truncated, unknown marker, too deep, ...).
std::string decode(std::span<const uint8_t> data, size_t& pos, Value& out,
                   const DecodeLimits& limits = {});
// Decodes values until the end of data.
std::string decode_all(std::span<const uint8_t> data, std::vector<Value>& out,
                       const DecodeLimits& limits = {});

void encode(const Value& v, std::vector<uint8_t>& out);
std::vector<uint8_t> encode_all(std::span<const Value> values);

}  // namespace rtmp::amf0
