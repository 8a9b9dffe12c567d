#pragma once
// Go-style command-line flags: `-name value`, `-name=value`, `--name value`,
// repeatable flags, `-help`, `-version`, and a fallback to `<PREFIX><NAME>` environment
// variables (upper case, '-' -> '_') so containers can configure everything.
// A flag on the command line wins over the environment.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/duration.hpp"

namespace rtmp::common {

// A bad flag or value; what() is the one line printed before exit 2.
struct FlagError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class FlagSet {
 public:
  // Checks a value; returns an empty string when fine, else what is wrong.
  using Validator = std::function<std::string(const std::string&)>;
  using DurationCheck = std::function<std::string(Duration)>;
  // Timeouts: a zero deadline would fire at once. "must be above 0".
  static DurationCheck above_zero();
  // Periods that 0 turns off and that would spin when tiny: "below MIN (0 = off)".
  static DurationCheck zero_or_at_least(Duration min);

  FlagSet(std::string program, std::string env_prefix);

  void add_string(const std::string& name, std::string* target, std::string def, std::string help,
                  Validator validate = {});
  void add_choice(const std::string& name, std::string* target, std::string def,
                  std::vector<std::string> choices, std::string help);
  // Repeatable; from the environment, values are separated by newlines or commas.
  void add_list(const std::string& name, std::vector<std::string>* target, std::string help,
                Validator validate = {});
  void add_int(const std::string& name, int64_t* target, int64_t def, int64_t min, int64_t max,
               std::string help);
  void add_duration(const std::string& name, Duration* target, Duration def, std::string help,
                    DurationCheck check = {});
  void add_bool(const std::string& name, bool* target, bool def, std::string help);

  // Parses argv, then the environment for flags argv did not set.
  // Returns false when -help/-h or -version was asked (already answered on
  // stdout).
  // Throws FlagError on an unknown flag, a missing or bad value.
  bool parse(int argc, const char* const* argv);

  void print_usage(std::ostream& out) const;
  // The environment variable that sets `name`.
  std::string env_name(const std::string& name) const;
  // Every flag name, in registration order (for -help checks and tests).
  std::vector<std::string> names() const;
  // Whether the flag was given on the command line or in the environment.
  bool was_set(const std::string& name) const;
  // After parse(): variables with this program's prefix that name no flag (a
  // typo would otherwise be ignored silently), sorted.
  const std::vector<std::string>& unknown_environment() const { return unknown_env_; }
  // One line naming them for a WARN, or "" when there are none.
  std::string unknown_environment_warning() const;

 private:
  struct Flag {
    std::string name;
    std::string help;
    std::string default_text;
    bool is_bool = false;
    bool repeatable = false;
    bool set = false;
    std::function<void(const std::string&)> apply;  // throws FlagError
  };
  Flag& add(Flag flag);
  Flag* find(const std::string& name);
  void apply(Flag& flag, const std::string& value);

  std::string program_;
  std::string env_prefix_;
  std::vector<Flag> flags_;
  std::vector<std::string> unknown_env_;
};

// For main(): parses, prints a bad flag as one line on stderr and exits 2, exits 0
// after -help or -version. Returns only when the program should run.
void parse_flags_or_exit(FlagSet& flags, int argc, const char* const* argv);

// Flags that do nothing without another (-srt-passphrase without
// -srt-listen) are refused at startup, not ignored: throws
// std::runtime_error "-a, -b set without -x (what)" naming those whose
// `set` is true; nothing when none is.
void refuse_orphan_flags(std::initializer_list<std::pair<bool, const char*>> flags,
                         const char* needed, const char* what);
// "-a, -b": the names whose `set` is true ("" when none).
std::string set_flag_names(std::initializer_list<std::pair<bool, const char*>> flags);

}  // namespace rtmp::common
