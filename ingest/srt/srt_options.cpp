#include "ingest/srt/srt_options.hpp"

#include <stdexcept>

#include "common/host_port.hpp"
#include "ingest/srt/srt_passphrases.hpp"

namespace rtmp::srt {

void register_srt_flags(common::FlagSet& flags, SrtOptions& o) {
  flags.add_string("srt-listen", &o.listen, "",
                   "SRT listen address host:port for MPEG-TS publishers (empty = off)",
                   [](const std::string& v) -> std::string {
                     if (v.empty()) return {};
                     try {
                       common::parse_host_port(v);
                       return {};
                     } catch (const std::exception& e) {
                       return e.what();
                     }
                   });
  flags.add_int("srt-latency", &o.latency_ms, SrtOptions{}.latency_ms, 0, 60000,
                "SRT latency in milliseconds: how long lost packets may be retransmitted");
  flags.add_string("srt-passphrase", &o.passphrase, "",
                   "passphrase every SRT publisher must encrypt with (10-79 characters; "
                   "empty = none unless -srt-passphrase-file names the stream)",
                   [](const std::string& v) { return v.empty() ? v : check_passphrase(v); });
  flags.add_choice("srt-pbkeylen", &o.pbkeylen, "16", {"16", "24", "32"},
                   "SRT key length in bytes of the listener (AES-128/192/256); a caller's own "
                   "key length is accepted");
  flags.add_string("srt-passphrase-file", &o.passphrase_file, "",
                   "JSON {\"app/name\": \"passphrase\"}: each stream's own SRT passphrase, "
                   "reloaded on SIGHUP");
}

void check_srt_flags(const SrtOptions& o) {
  if (o.enabled()) return;
  // Without a listener these would do nothing, silently: a passphrase set in
  // a unit file while the listen variable is misspelt must not look like
  // encrypted SRT ingest (as -tls-cert without -tls-listen is refused).
  const SrtOptions defaults;
  common::refuse_orphan_flags({{!o.passphrase.empty(), "-srt-passphrase"},
                               {!o.passphrase_file.empty(), "-srt-passphrase-file"},
                               {o.latency_ms != defaults.latency_ms, "-srt-latency"},
                               {o.pbkeylen != defaults.pbkeylen, "-srt-pbkeylen"}},
                              "-srt-listen", "SRT is off");
}

}  // namespace rtmp::srt
