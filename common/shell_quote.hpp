#pragma once
// Shell assignments that a POSIX shell (bash, dash, busybox sh) evaluates back
// to the exact bytes, on one line: the stdio hook's `env` format.
//
// A value without a newline is single-quoted: NAME='it'\''s'. Inside single
// quotes every byte but ' stands for itself, so spaces, double quotes, $, `,
// backslashes, CR and invalid UTF-8 need nothing more.
//
// A newline cannot be written inside quotes without breaking the line, and
// $'…' is not POSIX. Such a value goes through printf %b, which turns \n into
// a newline: NAME=$(printf %b 'a\nb_') followed, after the line's other
// assignments, by NAME=${NAME%_}. The trailing _ keeps the command
// substitution from eating trailing newlines; the second assignment takes it
// off again. Backslashes are doubled, so nothing else is interpreted (the
// value is an argument, never the format: a leading '-' or a '%' is inert).
//
// Values never hold a NUL byte: the environment of a process cannot carry one
// (see script_env).
#include <string>
#include <string_view>

namespace rtmp::common {

// One line of assignments, in the order given; no trailing newline. Names
// must be shell identifiers.
template <typename Range>
std::string shell_assignments(const Range& name_values);

// The parts of a line: NAME=<word> for the first part of the line and, for a
// value with a newline, the NAME=${NAME%_} fix-up that goes after all of them.
void append_shell_word(std::string& out, std::string_view value);
bool shell_needs_fixup(std::string_view value);
void append_shell_fixup(std::string& out, std::string_view name);

template <typename Range>
std::string shell_assignments(const Range& name_values) {
  std::string out;
  bool fixups = false;
  for (const auto& [name, value] : name_values) {
    if (!out.empty()) out += ' ';
    out += name;
    out += '=';
    append_shell_word(out, value);
    fixups = fixups || shell_needs_fixup(value);
  }
  if (fixups) {
    for (const auto& [name, value] : name_values) {
      if (shell_needs_fixup(value)) append_shell_fixup(out, name);
    }
  }
  return out;
}

}  // namespace rtmp::common
