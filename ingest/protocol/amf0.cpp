#include "ingest/protocol/amf0.hpp"

#include <bit>
#include <cmath>
#include <cstring>

namespace rtmp::amf0 {

Value::Value() = default;
Value::~Value() = default;
Value::Value(const Value&) = default;
Value::Value(Value&&) noexcept = default;
Value& Value::operator=(const Value&) = default;
Value& Value::operator=(Value&&) noexcept = default;

Value Value::Number(double v) {
  Value r;
  r.type = Type::kNumber;
  r.number = v;
  return r;
}

Value Value::Boolean(bool v) {
  Value r;
  r.type = Type::kBoolean;
  r.boolean = v;
  return r;
}

Value Value::String(std::string v) {
  Value r;
  r.type = Type::kString;
  r.string = std::move(v);
  return r;
}

Value Value::Null() {
  return Value{};
}

Value Value::Undefined() {
  Value r;
  r.type = Type::kUndefined;
  return r;
}

Value Value::Object(Properties props) {
  Value r;
  r.type = Type::kObject;
  r.properties = std::move(props);
  return r;
}

Value Value::EcmaArray(Properties props) {
  Value r;
  r.type = Type::kEcmaArray;
  r.properties = std::move(props);
  return r;
}

Value Value::StrictArray(Array elements) {
  Value r;
  r.type = Type::kStrictArray;
  r.elements = std::move(elements);
  return r;
}

Value Value::Date(double ms, int16_t tz) {
  Value r;
  r.type = Type::kDate;
  r.number = ms;
  r.timezone = tz;
  return r;
}

const Value* Value::get(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [k, v] : properties) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::optional<std::string> Value::get_string(std::string_view key) const {
  const Value* v = get(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return v->string;
}

std::optional<double> Value::get_number(std::string_view key) const {
  const Value* v = get(key);
  if (v == nullptr || v->type != Type::kNumber) return std::nullopt;
  return v->number;
}

std::optional<uint32_t> Value::as_uint32() const {
  if (type != Type::kNumber || !(number >= 0) || number > 4294967295.0 ||
      std::floor(number) != number)
    return std::nullopt;
  return static_cast<uint32_t>(number);
}

namespace {

bool same_number(double a, double b) {
  return a == b || (std::isnan(a) && std::isnan(b));
}

}  // namespace

// Short and long strings compare equal when their text does: the wire form
// depends only on the length.
bool Value::operator==(const Value& o) const {
  if (is_string() && o.is_string()) return string == o.string;
  if (type != o.type) return false;
  switch (type) {
    case Type::kNumber:
      return same_number(number, o.number);
    case Type::kBoolean:
      return boolean == o.boolean;
    case Type::kDate:
      return same_number(number, o.number) && timezone == o.timezone;
    case Type::kObject:
    case Type::kEcmaArray:
      return properties == o.properties;
    case Type::kStrictArray:
      return elements == o.elements;
    default:
      return true;  // null, undefined
  }
}

namespace {

// Bounds-checked reader over one buffer; every read fails rather than overruns.
class Decoder {
 public:
  Decoder(std::span<const uint8_t> data, size_t& pos, const DecodeLimits& limits)
      : data_(data), pos_(pos), limits_(limits) {}

  std::string value(Value& out, int depth) {
    uint8_t marker = 0;
    if (!u8(marker)) return "truncated: missing type marker";
    switch (marker) {
      case 0x00:
        out.type = Type::kNumber;
        return f64(out.number) ? "" : "truncated number";
      case 0x01: {
        uint8_t b = 0;
        if (!u8(b)) return "truncated boolean";
        out.type = Type::kBoolean;
        out.boolean = b != 0;
        return "";
      }
      case 0x02:
        out.type = Type::kString;
        return str(out.string, 2);
      case 0x0C:
        out.type = Type::kLongString;
        return str(out.string, 4);
      case 0x03:
        out.type = Type::kObject;
        return properties(out.properties, depth + 1, 0, false);
      case 0x08: {
        uint32_t count = 0;
        if (!be(count, 4)) return "truncated ECMA array count";
        out.type = Type::kEcmaArray;
        return properties(out.properties, depth + 1, count, true);
      }
      case 0x0A:
        out.type = Type::kStrictArray;
        return strict_array(out.elements, depth + 1);
      case 0x05:
        out.type = Type::kNull;
        return "";
      case 0x06:
        out.type = Type::kUndefined;
        return "";
      case 0x0B: {
        uint32_t tz = 0;
        out.type = Type::kDate;
        if (!f64(out.number) || !be(tz, 2)) return "truncated date";
        out.timezone = static_cast<int16_t>(static_cast<uint16_t>(tz));
        return "";
      }
      case 0x09:
        return "unexpected object end marker";
      case 0x07:
        return "unsupported AMF0 reference";
      case 0x11:
        return "unsupported AMF3 value in AMF0 data";
      default:
        return "unknown AMF0 type marker " + std::to_string(marker);
    }
  }

 private:
  size_t remaining() const { return data_.size() - pos_; }

  bool u8(uint8_t& v) {
    if (remaining() < 1) return false;
    v = data_[pos_++];
    return true;
  }

  bool be(uint32_t& v, int n) {
    if (remaining() < static_cast<size_t>(n)) return false;
    v = rtmp_read_be(n);
    return true;
  }

  uint32_t rtmp_read_be(int n) {
    uint32_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | data_[pos_++];
    return v;
  }

  bool f64(double& v) {
    if (remaining() < 8) return false;
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits = (bits << 8) | data_[pos_++];
    v = std::bit_cast<double>(bits);
    return true;
  }

  // A string with an n-byte length prefix.
  std::string str(std::string& out, int n) {
    uint32_t len = 0;
    if (!be(len, n)) return "truncated string length";
    if (len > remaining()) {
      return "string of " + std::to_string(len) + " bytes longer than the " +
             std::to_string(remaining()) + " bytes left";
    }
    out.assign(reinterpret_cast<const char*>(data_.data() + pos_), len);
    pos_ += len;
    return "";
  }

  // Name/value pairs up to the object end marker (00 00 09). For ECMA arrays the
  // count is advisory; a missing end marker at the very end of data after
  // `count` properties is tolerated, as some encoders omit it.
  std::string properties(Properties& out, int depth, uint32_t count, bool ecma) {
    if (depth > limits_.max_depth)
      return "AMF0 nesting deeper than " + std::to_string(limits_.max_depth);
    for (;;) {
      if (ecma && remaining() == 0 && out.size() >= count) return "";
      std::string key;
      if (auto err = str(key, 2); !err.empty()) return "property name: " + err;
      if (key.empty() && remaining() >= 1 && data_[pos_] == 0x09) {
        ++pos_;
        return "";
      }
      if (out.size() >= limits_.max_elements) {
        return "more than " + std::to_string(limits_.max_elements) + " properties";
      }
      Value v;
      if (auto err = value(v, depth); !err.empty()) return err;
      out.emplace_back(std::move(key), std::move(v));
    }
  }

  std::string strict_array(Array& out, int depth) {
    if (depth > limits_.max_depth)
      return "AMF0 nesting deeper than " + std::to_string(limits_.max_depth);
    uint32_t count = 0;
    if (!be(count, 4)) return "truncated strict array count";
    if (count > limits_.max_elements) {
      return "strict array of " + std::to_string(count) + " elements exceeds " +
             std::to_string(limits_.max_elements);
    }
    if (count > remaining()) return "strict array count larger than the data";
    out.reserve(count);
    for (uint32_t i = 0; i < count; ++i) {
      Value v;
      if (auto err = value(v, depth); !err.empty()) return err;
      out.push_back(std::move(v));
    }
    return "";
  }

  std::span<const uint8_t> data_;
  size_t& pos_;
  const DecodeLimits& limits_;
};

void put_be(std::vector<uint8_t>& out, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void put_double(std::vector<uint8_t>& out, double v) {
  put_be(out, std::bit_cast<uint64_t>(v), 8);
}

// Property names are short strings; a longer name is cut to what fits.
void put_key(std::vector<uint8_t>& out, const std::string& key) {
  size_t n = std::min<size_t>(key.size(), 0xFFFF);
  put_be(out, n, 2);
  out.insert(out.end(), key.begin(), key.begin() + static_cast<std::ptrdiff_t>(n));
}

void put_properties(std::vector<uint8_t>& out, const Properties& props) {
  for (const auto& [k, v] : props) {
    put_key(out, k);
    encode(v, out);
  }
  out.insert(out.end(), {0x00, 0x00, 0x09});
}

}  // namespace

std::string decode(std::span<const uint8_t> data, size_t& pos, Value& out,
                   const DecodeLimits& limits) {
  if (pos > data.size()) return "decode position past the end";
  out = Value{};
  Decoder d(data, pos, limits);
  return d.value(out, 0);
}

std::string decode_all(std::span<const uint8_t> data, std::vector<Value>& out,
                       const DecodeLimits& limits) {
  size_t pos = 0;
  while (pos < data.size()) {
    Value v;
    if (auto err = decode(data, pos, v, limits); !err.empty()) return err;
    out.push_back(std::move(v));
  }
  return "";
}

void encode(const Value& v, std::vector<uint8_t>& out) {
  switch (v.type) {
    case Type::kNumber:
      out.push_back(0x00);
      put_double(out, v.number);
      break;
    case Type::kBoolean:
      out.push_back(0x01);
      out.push_back(v.boolean ? 1 : 0);
      break;
    case Type::kString:
    case Type::kLongString:
      if (v.type == Type::kLongString || v.string.size() > 0xFFFF) {
        out.push_back(0x0C);
        put_be(out, v.string.size(), 4);
      } else {
        out.push_back(0x02);
        put_be(out, v.string.size(), 2);
      }
      out.insert(out.end(), v.string.begin(), v.string.end());
      break;
    case Type::kObject:
      out.push_back(0x03);
      put_properties(out, v.properties);
      break;
    case Type::kEcmaArray:
      out.push_back(0x08);
      put_be(out, v.properties.size(), 4);
      put_properties(out, v.properties);
      break;
    case Type::kStrictArray:
      out.push_back(0x0A);
      put_be(out, v.elements.size(), 4);
      for (const auto& e : v.elements) encode(e, out);
      break;
    case Type::kDate:
      out.push_back(0x0B);
      put_double(out, v.number);
      put_be(out, static_cast<uint16_t>(v.timezone), 2);
      break;
    case Type::kUndefined:
      out.push_back(0x06);
      break;
    case Type::kNull:
    case Type::kObjectEnd:
      out.push_back(0x05);
      break;
  }
}

std::vector<uint8_t> encode_all(std::span<const Value> values) {
  std::vector<uint8_t> out;
  for (const auto& v : values) encode(v, out);
  return out;
}

}  // namespace rtmp::amf0
