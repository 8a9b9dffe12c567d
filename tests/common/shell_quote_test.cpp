#include "common/shell_quote.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace rtmp::common {
namespace {

using Vars = std::vector<std::pair<std::string, std::string>>;

TEST(ShellQuote, SingleQuotesWithoutNewlines) {
  EXPECT_EQ(shell_assignments(Vars{{"A", "x y"}, {"B", "it's"}, {"C", ""}}),
            R"(A='x y' B='it'\''s' C='')");
}

TEST(ShellQuote, NewlinesThroughPrintf) {
  EXPECT_EQ(shell_assignments(Vars{{"A", "a\nb\\"}, {"B", "z"}}),
            R"(A=$(printf %b 'a\nb\\_') B='z'; A=${A%_})");
}

// What `eval "$line"` gives back in a real shell, one value per variable.
std::string eval_in(const char* shell, const std::string& line, const std::string& name) {
  char path[] = "/tmp/shell_quote_test_XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return "mkstemp failed";
  ::close(fd);
  std::ofstream(path) << line << '\n';
  const std::string cmd = std::string(shell) + " -c 'IFS= read -r line < " + path +
                          " && eval \"$line\" && printf %s \"$" + name + "\"'";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[256];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  ::unlink(path);
  return out;
}

TEST(ShellQuote, EvalRestoresEveryByte) {
  const std::vector<std::string> values = {
      "plain",
      "two words",
      "it's \"quoted\" $HOME `id` $(id) \\ %s %b",
      "-n",
      "-e\\c\\0101",
      "line1\nline2",
      "\n",
      "ends with newlines\n\n",
      "\n'\n'\n",
      "cr\r tab\t",
      "\xff\xc3\xa9 invalid and valid UTF-8",
      "",
  };
  for (const char* shell : {"/bin/sh", "bash", "dash"}) {
    if (std::string(shell) != "/bin/sh" &&
        std::system(("command -v " + std::string(shell) + " >/dev/null").c_str()) != 0) {
      continue;
    }
    for (const auto& v : values) {
      const std::string line = shell_assignments(Vars{{"RTMP_A", "x"}, {"RTMP_V", v}});
      EXPECT_EQ(line.find('\n'), std::string::npos) << line;
      EXPECT_EQ(eval_in(shell, line, "RTMP_V"), v) << shell << ": " << line;
      EXPECT_EQ(eval_in(shell, line, "RTMP_A"), "x") << shell << ": " << line;
    }
  }
}

}  // namespace
}  // namespace rtmp::common
