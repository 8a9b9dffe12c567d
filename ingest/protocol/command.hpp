#pragma once
// NetConnection / NetStream commands (RTMP spec §7.2): parsing command
// messages and building the replies clients expect. No I/O.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ingest/protocol/amf0.hpp"
#include "ingest/protocol/message.hpp"

namespace rtmp::protocol {

struct Command {
  std::string name;               // "connect", "publish", ...
  double transaction_id = 0;
  amf0::Value command_object;     // null when absent
  std::vector<amf0::Value> args;  // the rest
};

// Parses an AMF0 command (type 20) or AMF3 command (type 17, a leading 0x00
// then AMF0 as clients send it). Empty string on success, else the reason.
std::string parse_command(const Message& m, Command& out, const amf0::DecodeLimits& limits = {});

// Builders of complete messages (csid/stream set as clients expect).
Message make_command(uint32_t csid, uint32_t stream_id, std::span<const amf0::Value> values);
// _result for connect: fmsVer/capabilities + NetConnection.Connect.Success.
Message make_connect_result(double transaction_id, double object_encoding);
// _result / _error with a command object and one info value.
Message make_result(double transaction_id, const amf0::Value& info);
Message make_error(double transaction_id, const std::string& code, const std::string& description);
// onStatus on message stream `stream_id`: level "status"/"error", code, description.
Message make_on_status(uint32_t stream_id, const std::string& level, const std::string& code,
                       const std::string& description, const std::string& details = "");
// |RtmpSampleAccess (data message) sent to players.
Message make_sample_access(uint32_t stream_id);

}  // namespace rtmp::protocol
