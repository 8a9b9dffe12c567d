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
  flags.add_int("srt-latency", &o.latency_ms, 120, 0, 60000,
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

}  // namespace rtmp::srt
