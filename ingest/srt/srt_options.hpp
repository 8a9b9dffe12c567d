#pragma once
// SRT ingest's flags (docs/srt.md): -srt-listen and the encryption an SRT
// publisher must use.
#include <cstdint>
#include <string>

#include "common/flags.hpp"

namespace rtmp::srt {

struct SrtOptions {
  std::string listen;           // host:port, "" = no SRT listener
  int64_t latency_ms = 120;     // SRTO_LATENCY: the receiver's retransmission window
  std::string passphrase;       // every stream, unless the file names it
  std::string pbkeylen = "16";  // "16", "24" or "32" (AES-128/192/256)
  std::string passphrase_file;  // JSON {"app/name": "passphrase"}, re-read on SIGHUP

  bool enabled() const { return !listen.empty(); }
};

void register_srt_flags(common::FlagSet& flags, SrtOptions& options);
// Refuses SRT flags given without -srt-listen (std::runtime_error naming them).
void check_srt_flags(const SrtOptions& options);

}  // namespace rtmp::srt
