#pragma once
// The target of a NATS hook, `nats://host:4222[,host2:4222]/subject`: its
// servers, its subject template ({type}, {node}) and the subjects it yields.
#include <string>
#include <string_view>

namespace rtmp::dispatcher {

struct NatsTarget {
  std::string servers;  // comma-separated nats:// URLs
  std::string subject;  // template with {type}, {node}
};

// Splits and checks `event`'s target; empty `why` when it is usable.
NatsTarget parse_nats_target(const std::string& target, std::string& why);
// {type} and {node} replaced; '.', '*', '>' and whitespace in the values become '_'.
std::string nats_subject(const std::string& tmpl, std::string_view type, std::string_view node);
// The subject filter a stream captures the template with: each token holding
// a placeholder becomes '*'.
std::string nats_filter(const std::string& tmpl);

}  // namespace rtmp::dispatcher
