#include "ingest/protocol/aggregate.hpp"

namespace rtmp::protocol {
namespace {

// An FLV tag: type(1) size(3) timestamp(3) timestamp_ext(1) stream(3), the
// body, then the previous tag size(4).
constexpr size_t kTagHeader = 11;
constexpr size_t kTagTrailer = 4;

}  // namespace

std::string split_aggregate(const Message& aggregate, std::vector<Message>& out) {
  const auto& p = aggregate.payload;
  size_t pos = 0;
  bool first = true;
  uint32_t base = 0;
  while (pos + kTagHeader <= p.size()) {
    const uint8_t type = p[pos];
    const uint32_t size = read_be(&p[pos + 1], 3);
    const uint32_t ts = read_be(&p[pos + 4], 3) | (uint32_t{p[pos + 7]} << 24);
    if (pos + kTagHeader + size + kTagTrailer > p.size()) return "aggregate message: truncated tag";
    if (type == static_cast<uint8_t>(MessageType::kAggregate))
      return "aggregate message: nested aggregate";
    if (first) base = ts;
    first = false;
    Message& sub = out.emplace_back();
    sub.header = aggregate.header;
    sub.header.type_id = type;
    sub.header.length = size;
    sub.header.timestamp = aggregate.header.timestamp + (ts - base);
    const auto body = p.begin() + static_cast<long>(pos + kTagHeader);
    sub.payload.assign(body, body + size);
    pos += kTagHeader + size + kTagTrailer;
  }
  return "";
}

}  // namespace rtmp::protocol
