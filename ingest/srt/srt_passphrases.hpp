#pragma once
// Which passphrase an SRT publish of a stream key must be encrypted with:
// -srt-passphrase-file's entry for the key ({"live/name": "passphrase"},
// re-read on SIGHUP), else -srt-passphrase. With a file given, a key it does
// not list and no -srt-passphrase is refused: a file of secrets never leaves
// the other streams open by accident. Neither given: no encryption.
//
// Any thread: the listener's handshake callback reads a snapshot while a
// SIGHUP swaps in a new one; a broken file keeps the old map.
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace rtmp::srt {

// SRT accepts passphrases of 10 to 79 characters; "" when `p` is one,
// else why not (never the passphrase itself).
std::string check_passphrase(const std::string& p);

using PassphraseMap = std::map<std::string, std::string, std::less<>>;

// Reads and validates a passphrase file; throws std::runtime_error with a
// one-line reason naming the file (and the key, never the passphrase).
PassphraseMap load_passphrase_file(const std::string& path);

class Passphrases {
 public:
  // Throws std::runtime_error when `file` is given and does not load.
  Passphrases(std::string passphrase, std::string file);

  struct Lookup {
    bool allowed = true;     // false: no passphrase applies and the file is in use
    std::string passphrase;  // "" = unencrypted
  };
  Lookup lookup(const std::string& key) const;

  // SIGHUP: re-reads the file (no-op without one). On failure logs an error
  // and keeps the current map.
  void reload();
  bool enabled() const { return !passphrase_.empty() || !file_.empty(); }

 private:
  const std::string passphrase_;
  const std::string file_;
  mutable std::mutex mutex_;  // guards only the map_ pointer
  std::shared_ptr<const PassphraseMap> map_;
};

}  // namespace rtmp::srt
