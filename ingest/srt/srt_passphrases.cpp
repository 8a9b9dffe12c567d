#include "ingest/srt/srt_passphrases.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace rtmp::srt {

std::string check_passphrase(const std::string& p) {
  if (p.size() < 10 || p.size() > 79)
    return "must be 10 to 79 characters (SRT's limits), got " + std::to_string(p.size());
  return {};
}

PassphraseMap load_passphrase_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot read SRT passphrase file " + path + ": " +
                             std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw std::runtime_error("cannot read SRT passphrase file " + path);

  boost::system::error_code ec;
  const boost::json::value root = boost::json::parse(text.str(), ec);
  if (ec)
    throw std::runtime_error("SRT passphrase file " + path + ": invalid JSON: " + ec.message());
  if (!root.is_object())
    throw std::runtime_error("SRT passphrase file " + path +
                             ": expected a JSON object {\"app/name\": \"passphrase\"}");
  PassphraseMap map;
  for (const auto& [key, value] : root.as_object()) {
    const std::string k(key);
    if (k.empty() || !value.is_string())
      throw std::runtime_error("SRT passphrase file " + path + ": entry \"" + k +
                               "\" must map a stream key to a string");
    std::string p(value.as_string());
    if (auto bad = check_passphrase(p); !bad.empty())
      throw std::runtime_error("SRT passphrase file " + path + ": entry \"" + k + "\": " + bad);
    map.emplace(k, std::move(p));
  }
  return map;
}

Passphrases::Passphrases(std::string passphrase, std::string file)
    : passphrase_(std::move(passphrase)), file_(std::move(file)) {
  map_ = std::make_shared<const PassphraseMap>(file_.empty() ? PassphraseMap{}
                                                             : load_passphrase_file(file_));
}

Passphrases::Lookup Passphrases::lookup(const std::string& key) const {
  std::shared_ptr<const PassphraseMap> map;
  {
    std::lock_guard lock(mutex_);
    map = map_;
  }
  if (auto it = map->find(key); it != map->end()) return {true, it->second};
  if (!passphrase_.empty()) return {true, passphrase_};
  return {file_.empty(), {}};
}

void Passphrases::reload() {
  if (file_.empty()) return;
  std::shared_ptr<const PassphraseMap> fresh;
  try {
    fresh = std::make_shared<const PassphraseMap>(load_passphrase_file(file_));
  } catch (const std::exception& e) {
    spdlog::error("SRT passphrase file not reloaded, keeping the previous one: {}", e.what());
    return;
  }
  const size_t count = fresh->size();
  {
    std::lock_guard lock(mutex_);
    map_.swap(fresh);
  }
  spdlog::info("SRT passphrase file {} reloaded: {} entries", file_, count);
}

}  // namespace rtmp::srt
