#pragma once
// The target of a NATS hook, `nats://host:4222[,host2:4222]/subject`: its
// servers, its subject template ({type}, {node}) and the subjects it yields.
#include <string>
#include <string_view>
#include <vector>

namespace rtmp::dispatcher {

struct NatsTarget {
  std::string servers;  // comma-separated nats:// URLs
  std::string subject;  // template with {type}, {node}
};

// The credentials of a server list, percent-decoded: `user:password@` or
// `token@` in its URLs.
struct NatsCredentials {
  std::string user, password;  // user set: user and password
  std::string token;           // else token, when set
};

// Splits `servers` (comma-separated URLs) into URLs without credentials and
// the credentials they carried, percent-decoded (libnats would send `%40`
// as written, so a password holding `@`, `:` or `/` could not be given).
// When the URLs carry different credentials, each keeps its own as written
// and the result has none.
std::vector<std::string> nats_server_urls(const std::string& servers, NatsCredentials& out);

// Splits and checks `event`'s target; empty `why` when it is usable.
NatsTarget parse_nats_target(const std::string& target, std::string& why);
// {type} and {node} replaced; '.', '*', '>' and whitespace in the values become '_'.
std::string nats_subject(const std::string& tmpl, std::string_view type, std::string_view node);
// The subject filter a stream captures the template with: each token holding
// a placeholder becomes '*'.
std::string nats_filter(const std::string& tmpl);
// Whether a stream capturing `stream_subject` (NATS wildcards: '*' one token,
// '>' the rest) gets everything published to `subject` (a subject or a
// filter such as nats_filter's).
bool nats_subject_covers(std::string_view stream_subject, std::string_view subject);

}  // namespace rtmp::dispatcher
