#include "common/flags.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string_view>

extern char** environ;

namespace rtmp::common {
namespace {

std::string strip_dashes(const std::string& arg) {
  size_t n = 0;
  while (n < arg.size() && n < 2 && arg[n] == '-') ++n;
  return arg.substr(n);
}

std::vector<std::string> split_env_list(const std::string& value) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : value) {
    if (c == '\n' || c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

}  // namespace

FlagSet::FlagSet(std::string program, std::string env_prefix)
    : program_(std::move(program)), env_prefix_(std::move(env_prefix)) {}

FlagSet::Flag& FlagSet::add(Flag flag) {
  flags_.push_back(std::move(flag));
  return flags_.back();
}

FlagSet::Flag* FlagSet::find(const std::string& name) {
  for (Flag& f : flags_)
    if (f.name == name) return &f;
  return nullptr;
}

void FlagSet::add_string(const std::string& name, std::string* target, std::string def,
                         std::string help, Validator validate) {
  *target = def;
  add({name, std::move(help), def, false, false, false,
       [name, target, validate](const std::string& v) {
         if (validate) {
           if (auto err = validate(v); !err.empty())
             throw FlagError("invalid value \"" + v + "\" for flag -" + name + ": " + err);
         }
         *target = v;
       }});
}

void FlagSet::add_choice(const std::string& name, std::string* target, std::string def,
                         std::vector<std::string> choices, std::string help) {
  std::string joined;
  for (const auto& c : choices) joined += (joined.empty() ? "" : ", ") + c;
  add_string(name, target, std::move(def), help + " (" + joined + ")",
             [choices, joined](const std::string& v) {
               return std::find(choices.begin(), choices.end(), v) != choices.end()
                          ? std::string()
                          : "must be one of " + joined;
             });
}

void FlagSet::add_list(const std::string& name, std::vector<std::string>* target, std::string help,
                       Validator validate) {
  target->clear();
  add({name, std::move(help) + " (repeatable)", "", false, true, false,
       [name, target, validate](const std::string& v) {
         if (validate) {
           if (auto err = validate(v); !err.empty())
             throw FlagError("invalid value \"" + v + "\" for flag -" + name + ": " + err);
         }
         target->push_back(v);
       }});
}

void FlagSet::add_int(const std::string& name, int64_t* target, int64_t def, int64_t min,
                      int64_t max, std::string help) {
  *target = def;
  add({name, std::move(help), std::to_string(def), false, false, false, [=](const std::string& v) {
         char* end = nullptr;
         errno = 0;
         const long long n = std::strtoll(v.c_str(), &end, 10);
         if (v.empty() || *end != '\0' || errno != 0)
           throw FlagError("invalid value \"" + v + "\" for flag -" + name + ": not an integer");
         if (n < min || n > max)
           throw FlagError("invalid value \"" + v + "\" for flag -" + name + ": must be " +
                           std::to_string(min) + ".." + std::to_string(max));
         *target = n;
       }});
}

FlagSet::DurationCheck FlagSet::above_zero() {
  return [](Duration d) { return d > Duration::zero() ? std::string() : "must be above 0"; };
}

FlagSet::DurationCheck FlagSet::zero_or_at_least(Duration min) {
  return [min](Duration d) {
    return d == Duration::zero() || d >= min ? std::string()
                                             : "below " + format_duration(min) + " (0 = off)";
  };
}

void FlagSet::add_duration(const std::string& name, Duration* target, Duration def,
                           std::string help, DurationCheck check) {
  *target = def;
  add({name, std::move(help), format_duration(def), false, false, false, [=](const std::string& v) {
         auto d = parse_duration(v);
         if (!d)
           throw FlagError("invalid value \"" + v + "\" for flag -" + name +
                           ": not a duration (e.g. 500ms, 30s, 2m)");
         if (*d > kMaxFlagDuration)
           throw FlagError("invalid value \"" + v + "\" for flag -" + name + ": above " +
                           format_duration(kMaxFlagDuration) + ", the longest duration taken");
         if (check) {
           if (auto err = check(*d); !err.empty())
             throw FlagError("invalid value \"" + v + "\" for flag -" + name + ": " + err);
         }
         *target = *d;
       }});
}

void FlagSet::add_bool(const std::string& name, bool* target, bool def, std::string help) {
  *target = def;
  add({name, std::move(help), def ? "true" : "false", true, false, false,
       [=](const std::string& v) {
         if (v == "1" || v == "true" || v == "TRUE" || v == "True" || v == "t") {
           *target = true;
         } else if (v == "0" || v == "false" || v == "FALSE" || v == "False" || v == "f") {
           *target = false;
         } else {
           throw FlagError("invalid value \"" + v + "\" for flag -" + name + ": not a boolean");
         }
       }});
}

void FlagSet::apply(Flag& flag, const std::string& value) {
  flag.apply(value);
  flag.set = true;
}

bool FlagSet::parse(int argc, const char* const* argv) {
  std::vector<std::string> seen_on_cli;
  std::string bare_bool;  // a boolean flag just given without a value
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {
      if (i + 1 < argc) throw FlagError(std::string("unexpected argument: ") + argv[i + 1]);
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      if (!bare_bool.empty())
        throw FlagError("unexpected argument: " + arg + " (-" + bare_bool +
                        " is a boolean flag: -" + bare_bool + "=true or -" + bare_bool + "=false)");
      throw FlagError("unexpected argument: " + arg);
    }
    bare_bool.clear();
    std::string body = strip_dashes(arg);
    std::string name = body, value;
    bool has_value = false;
    if (auto eq = body.find('='); eq != std::string::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
      has_value = true;
    }
    if (name == "help" || name == "h") {
      print_usage(std::cout);
      return false;
    }
    if (name == "version") {
      std::cout << program_ << " " << RTMP_HOOKS_VERSION << "\n";
      return false;
    }
    Flag* flag = find(name);
    if (!flag) throw FlagError("flag provided but not defined: -" + name);
    if (!has_value) {
      if (flag->is_bool) {
        // `-record-all true` as well as `-record-all`: a following literal
        // true/false is the flag's value, never a stray argument.
        const bool literal = i + 1 < argc && (std::string_view(argv[i + 1]) == "true" ||
                                              std::string_view(argv[i + 1]) == "false");
        value = literal ? argv[++i] : "true";
        if (!literal) bare_bool = name;
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        throw FlagError("flag needs an argument: -" + name);
      }
    }
    apply(*flag, value);
    seen_on_cli.push_back(name);
  }
  for (Flag& flag : flags_) {
    if (std::find(seen_on_cli.begin(), seen_on_cli.end(), flag.name) != seen_on_cli.end()) continue;
    const char* env = std::getenv(env_name(flag.name).c_str());
    if (!env) continue;
    try {
      if (flag.repeatable) {
        for (const auto& v : split_env_list(env)) apply(flag, v);
      } else {
        apply(flag, env);
      }
    } catch (const FlagError& e) {
      throw FlagError(std::string(e.what()) + " (from $" + env_name(flag.name) + ")");
    }
  }
  unknown_env_.clear();
  for (char** entry = environ; entry && *entry; ++entry) {
    const std::string_view var(*entry);
    const std::string name(var.substr(0, var.find('=')));
    if (name.size() <= env_prefix_.size() || name.compare(0, env_prefix_.size(), env_prefix_) != 0)
      continue;
    const bool known = std::any_of(flags_.begin(), flags_.end(),
                                   [&](const Flag& f) { return env_name(f.name) == name; });
    if (!known) unknown_env_.push_back(name);
  }
  std::sort(unknown_env_.begin(), unknown_env_.end());
  return true;
}

std::string FlagSet::unknown_environment_warning() const {
  if (unknown_env_.empty()) return {};
  std::string names;
  for (const auto& n : unknown_env_) names += (names.empty() ? "" : ", ") + n;
  return "ignoring environment variable" + std::string(unknown_env_.size() > 1 ? "s " : " ") +
         names + ": no " + program_ + " flag of that name (see -help)";
}

std::string FlagSet::env_name(const std::string& name) const {
  std::string out = env_prefix_;
  for (char c : name) out += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return out;
}

std::vector<std::string> FlagSet::names() const {
  std::vector<std::string> out;
  for (const Flag& f : flags_) out.push_back(f.name);
  return out;
}

bool FlagSet::was_set(const std::string& name) const {
  for (const Flag& f : flags_)
    if (f.name == name) return f.set;
  return false;
}

void FlagSet::print_usage(std::ostream& out) const {
  out << "Usage of " << program_ << ":\n";
  for (const Flag& f : flags_) {
    out << "  -" << f.name << (f.is_bool ? "" : " value") << "\n    \t" << f.help;
    if (!f.default_text.empty()) out << " (default " << f.default_text << ")";
    out << "\n    \tenv " << env_name(f.name) << "\n";
  }
  out << "-version prints the version and exits; -help prints this.\n";
}

void parse_flags_or_exit(FlagSet& flags, int argc, const char* const* argv) {
  try {
    if (!flags.parse(argc, argv)) std::exit(0);
  } catch (const FlagError& e) {
    std::cerr << e.what() << "\n";
    std::exit(2);
  }
}

std::string set_flag_names(std::initializer_list<std::pair<bool, const char*>> flags) {
  std::string names;
  for (const auto& [set, name] : flags)
    if (set) names += (names.empty() ? "" : ", ") + std::string(name);
  return names;
}

void refuse_orphan_flags(std::initializer_list<std::pair<bool, const char*>> flags,
                         const char* needed, const char* what) {
  const std::string names = set_flag_names(flags);
  if (!names.empty())
    throw std::runtime_error(names + " set without " + needed + " (" + what + ")");
}

}  // namespace rtmp::common
