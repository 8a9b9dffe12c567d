#include "dispatcher/replay.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>

#include "common/logging.hpp"
#include "common/payload.hpp"
#include "dispatcher/counters.hpp"
#include "dispatcher/dead_letter_writer.hpp"
#include "dispatcher/hook_kinds.hpp"
#include "dispatcher/payload_event.hpp"
#include "dispatcher/pool.hpp"
#include "dispatcher/redact.hpp"

namespace rtmp::dispatcher {
namespace {

// One line of the input and what became of it.
struct Entry {
  std::string raw;
  std::optional<DeadLetter> letter;
  std::optional<Job> job;  // set when it is run
  bool done = false;       // a result arrived (guarded by Replay::mutex)
  JobResult result;        // when run: its outcome; else why it was not
};

// The full target for a dead letter's redacted one: among the -hook-<kind>
// targets that redact to it, the one whose target_id the letter recorded;
// else the recorded target itself when nothing was removed from it. "" with
// `why` set when there is no such target or no telling which one it is;
// `note` set when the one target there is has other credentials than the
// letter was sent with (they were changed since, or it is another hook).
std::string full_target(const DeadLetter& d, HookKind kind, const Options& options,
                        std::string& why, std::string& note) {
  if (!d.credentials_removed) return d.target;
  const HookKindDef& def = hook_kinds()[kind];
  std::set<std::string> candidates;
  for (const std::string& pair : hook_pairs(options, kind)) {
    const HookSpec spec = parse_hook_spec(kind, pair);  // validated while parsing flags
    if (def.redact(spec.target).text == d.target) candidates.insert(spec.target);
  }
  if (candidates.empty()) {
    why = fmt::format(
        "its target had credentials removed: give -replay the -hook-{} flag with them (any "
        "event type; the one whose target, credentials removed, reads {})",
        d.kind, d.target);
    return {};
  }
  if (!d.target_id.empty()) {
    for (const std::string& c : candidates)
      if (target_id(c) == d.target_id) return c;
  }
  // A letter of an older version (no target_id), or credentials changed
  // since: one candidate is the hook it came from, under its new credentials.
  if (candidates.size() == 1) {
    if (!d.target_id.empty())
      note = fmt::format("sent with other credentials than the -hook-{} flag's (target_id {})",
                         d.kind, d.target_id);
    return *candidates.begin();
  }
  why = fmt::format(
      "{} -hook-{} targets differ only in credentials and read {} with them removed, and "
      "{}: give -replay only the flag of the hook it came from",
      candidates.size(), d.kind, d.target,
      d.target_id.empty()
          ? "the dead letter does not say which one it came from"
          : "none has the credentials it was sent with (target_id " + d.target_id + ")");
  return {};
}

std::string utc_stamp() {
  const time_t now = time(nullptr);
  struct tm tm {};
  gmtime_r(&now, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// Creates the failures file under a name nobody uses yet (O_EXCL).
int create_output(const std::string& base, std::string& name) {
  for (int n = 1; n < 1000; ++n) {
    name = n == 1 ? base : fmt::format("{}-{}", base, n);
    const int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  return -1;
}

bool write_lines(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return ::fsync(fd) == 0;
}

}  // namespace

std::string replay_output_base(const std::string& input, const Options& options) {
  if (!options.dead_letter.empty()) return options.dead_letter;
  return input + ".failed-" + utc_stamp();
}

int run_replay(const std::string& input, const Options& options) {
  // A script that does not read its stdin must not kill us with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  std::ifstream in(input);
  if (!in) {
    return common::startup_failure("rtmp-dispatcher",
                                   "cannot read -replay " + input + ": " + std::strerror(errno));
  }
  // A directory opens, then reads as empty: that would pass for "all delivered".
  std::error_code ec;
  if (std::filesystem::is_directory(input, ec))
    return common::startup_failure("rtmp-dispatcher",
                                   "cannot read -replay " + input + ": " + std::strerror(EISDIR));
  std::deque<Entry> entries;
  std::deque<HookSpec> specs;  // stable addresses: jobs point at them
  std::map<std::pair<HookKind, std::string>, const HookSpec*> spec_of;
  std::map<const void*, Entry*> by_event;
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Entry& e = entries.emplace_back();
    e.raw = line;
    std::string why;
    e.letter = parse_dead_letter(line, why);
    if (!e.letter) {
      e.result.cause = "not a dead letter: " + why;
      continue;
    }
    HookKind kind = 0;
    try {
      kind = hook_kind(e.letter->kind);
    } catch (const std::out_of_range&) {
      e.result.cause = "unknown hook kind \"" + e.letter->kind + "\"";
      continue;
    }
    std::string note;
    const std::string target = full_target(*e.letter, kind, options, why, note);
    if (!note.empty())
      fmt::print("replay: note: {} {} id={} -> {}: {}\n", e.letter->kind, e.letter->event_type,
                 e.letter->event_id, e.letter->target, note);
    if (target.empty()) {
      e.result.cause = why;
      continue;
    }
    auto event = event_from_payload(e.letter->payload, why);
    if (!event) {
      e.result.cause = why;
      continue;
    }
    const HookSpec*& spec = spec_of[{kind, target}];
    if (!spec) spec = &specs.emplace_back(HookSpec{kind, std::nullopt, target});
    auto ev = std::make_shared<const rtmphooks::Event>(std::move(*event));
    by_event[ev.get()] = &e;
    e.job = Job{spec, std::move(ev), std::make_shared<const std::string>(e.letter->payload)};
    e.job->nats_message_id = e.letter->message_id;
  }
  // NATS letters that recorded no message id (never attempted: abandoned at
  // shutdown) and share their event with another NATS letter of the file:
  // each needs "<event id>:<subject>", or JetStream would keep only the first.
  std::map<std::string, std::set<std::string>> nats_targets_of_event;
  for (const Entry& e : entries)
    if (e.job && e.letter->kind == "nats")
      nats_targets_of_event[e.letter->event_id].insert(e.job->hook->target);
  for (Entry& e : entries)
    if (e.job && e.letter->kind == "nats" && nats_targets_of_event[e.letter->event_id].size() > 1)
      e.job->nats_id_with_subject = true;

  Counters counters;
  std::vector<std::unique_ptr<Runner>> runners;
  std::vector<Runner*> raw;
  for (HookKind k = 0; k < hook_kinds().size(); ++k) {
    runners.push_back(hook_kinds()[k].make_runner(options, counters.kinds[k]));
    raw.push_back(runners.back().get());
  }
  std::mutex mutex;
  {
    Pool pool(static_cast<size_t>(options.hook_concurrency), entries.size() + 1, raw, counters, {},
              [&](const Job& job, const JobResult& r) {
                std::lock_guard lock(mutex);
                Entry* e = by_event.at(job.event.get());
                e->result = r;
                e->done = true;
              });
    for (Entry& e : entries)
      if (e.job) pool.submit(*e.job);
    pool.wait_idle();
    // Stop (join) the runners while the pool still exists: a runner thread
    // may still be returning from the pool's completion callback, which
    // notifies the pool's condition variable after wait_idle saw it idle.
    for (auto& r : runners) r->stop();
  }

  size_t delivered = 0;
  std::string failures;
  for (const Entry& e : entries) {
    const DeadLetter* d = e.letter ? &*e.letter : nullptr;
    const std::string what =
        d ? fmt::format("{} {} id={} -> {}", d->kind, d->event_type, d->event_id, d->target)
          : "line";
    if (e.job && e.result.ok) {
      ++delivered;
      fmt::print("replay: delivered {} (attempts {})\n", what, e.result.attempts);
      continue;
    }
    fmt::print("replay: FAILED {}: {}\n", what, e.result.cause);
    if (e.job) {
      failures += dead_letter_line(dead_letter_of(*e.job, e.result)) + "\n";
    } else if (d) {
      DeadLetter again = *d;
      again.time = utc_time(std::chrono::system_clock::now());
      again.attempts = 0;
      again.error = e.result.cause;
      failures += dead_letter_line(again) + "\n";
    } else {
      failures += e.raw + "\n";  // kept as it was: nothing of it is lost
    }
  }
  const size_t failed = entries.size() - delivered;
  if (failed == 0) {
    fmt::print("replay: {} dead letter(s) of {}: all delivered\n", entries.size(), input);
    std::fflush(stdout);
    return 0;
  }
  std::string out;
  const int fd = create_output(replay_output_base(input, options), out);
  if (fd < 0 || !write_lines(fd, failures)) {
    fmt::print(
        "replay: {} dead letter(s) of {}: {} delivered, {} failed; could not write them "
        "to {}: {} ({} is unchanged)\n",
        entries.size(), input, delivered, failed, out, std::strerror(errno), input);
  } else {
    fmt::print("replay: {} dead letter(s) of {}: {} delivered, {} failed, written to {}\n",
               entries.size(), input, delivered, failed, out);
  }
  if (fd >= 0) ::close(fd);
  std::fflush(stdout);
  return 1;
}

}  // namespace rtmp::dispatcher
