#include "ingest/protocol/command.hpp"

namespace rtmp::protocol {

using amf0::Value;

std::string parse_command(const Message& m, Command& out, const amf0::DecodeLimits& limits) {
  std::span<const uint8_t> data = m.payload;
  if (m.type() == MessageType::kCommandAmf3) {
    // AMF3 commands as clients send them: a 0x00 format byte, then AMF0.
    if (!data.empty() && data[0] == 0x00) data = data.subspan(1);
  } else if (m.type() != MessageType::kCommandAmf0) {
    return "message type " + std::to_string(m.header.type_id) + " is not a command";
  }
  std::vector<Value> values;
  if (auto err = amf0::decode_all(data, values, limits); !err.empty()) {
    return "command AMF0: " + err;
  }
  if (values.empty() || !values[0].is_string()) return "command without a name";
  out = Command{};
  out.name = std::move(values[0].string);
  if (values.size() > 1) {
    if (values[1].type != amf0::Type::kNumber) {
      return "command " + out.name + ": transaction id is not a number";
    }
    out.transaction_id = values[1].number;
  }
  if (values.size() > 2) out.command_object = std::move(values[2]);
  for (size_t i = 3; i < values.size(); ++i) out.args.push_back(std::move(values[i]));
  return "";
}

Message make_command(uint32_t csid, uint32_t stream_id, std::span<const Value> values) {
  Message m;
  m.header.csid = csid;
  m.header.stream_id = stream_id;
  m.header.type_id = static_cast<uint8_t>(MessageType::kCommandAmf0);
  m.payload = amf0::encode_all(values);
  m.header.length = static_cast<uint32_t>(m.payload.size());
  return m;
}

Message make_connect_result(double transaction_id, double object_encoding) {
  const Value values[] = {
      Value::String("_result"),
      Value::Number(transaction_id),
      Value::Object(
          {{"fmsVer", Value::String("FMS/3,0,1,123")}, {"capabilities", Value::Number(31)}}),
      Value::Object({{"level", Value::String("status")},
                     {"code", Value::String("NetConnection.Connect.Success")},
                     {"description", Value::String("Connection succeeded.")},
                     {"objectEncoding", Value::Number(object_encoding)}}),
  };
  return make_command(kCsidCommand, 0, values);
}

Message make_result(double transaction_id, const Value& info) {
  const Value values[] = {Value::String("_result"), Value::Number(transaction_id), Value::Null(),
                          info};
  return make_command(kCsidCommand, 0, values);
}

Message make_error(double transaction_id, const std::string& code, const std::string& description) {
  const Value values[] = {
      Value::String("_error"),
      Value::Number(transaction_id),
      Value::Null(),
      Value::Object({{"level", Value::String("error")},
                     {"code", Value::String(code)},
                     {"description", Value::String(description)}}),
  };
  return make_command(kCsidCommand, 0, values);
}

Message make_on_status(uint32_t stream_id, const std::string& level, const std::string& code,
                       const std::string& description, const std::string& details) {
  amf0::Properties info = {{"level", Value::String(level)},
                           {"code", Value::String(code)},
                           {"description", Value::String(description)}};
  if (!details.empty()) info.emplace_back("details", Value::String(details));
  info.emplace_back("clientid", Value::String("rtmp-hooks"));
  const Value values[] = {Value::String("onStatus"), Value::Number(0), Value::Null(),
                          Value::Object(std::move(info))};
  return make_command(kCsidData, stream_id, values);
}

Message make_sample_access(uint32_t stream_id) {
  const Value values[] = {Value::String("|RtmpSampleAccess"), Value::Boolean(true),
                          Value::Boolean(true)};
  Message m = make_command(kCsidData, stream_id, values);
  m.header.type_id = static_cast<uint8_t>(MessageType::kDataAmf0);
  return m;
}

}  // namespace rtmp::protocol
