#include "dispatcher/hook_kinds.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>

#include "dispatcher/counters.hpp"
#include "dispatcher/job.hpp"
#include "dispatcher/options.hpp"

namespace rtmp::dispatcher {
namespace {

TEST(HookKinds, WebhookScriptAndNatsEachOnce) {
  std::set<std::string> names;
  for (const HookKindDef& def : hook_kinds()) names.insert(std::string(def.name));
  EXPECT_EQ(names.size(), hook_kinds().size());
  EXPECT_EQ(hook_kinds()[hook_kind("webhook")].name, "webhook");
  EXPECT_EQ(hook_kinds()[hook_kind("script")].name, "script");
  EXPECT_EQ(hook_kinds()[hook_kind("nats")].name, "nats");
  EXPECT_THROW(hook_kind("redis"), std::out_of_range);
}

// Every kind gets its -hook-<name> flag, and its pairs land under its name.
TEST(HookKinds, EachKindHasItsFlag) {
  Options options;
  common::FlagSet flags("test", "RTMP_HOOK_KINDS_TEST_");
  register_hook_flags(flags, options);
  std::vector<std::string> args = {"test"};
  for (const HookKindDef& def : hook_kinds()) {
    args.push_back("-hook-" + std::string(def.name));
    args.push_back(def.name == "webhook" ? "*=http://h/"
                   : def.name == "nats"  ? "*=nats://h:4222/s.{type}"
                                         : "*=/bin/true");
  }
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  ASSERT_TRUE(flags.parse(static_cast<int>(argv.size()), argv.data()));
  for (HookKind k = 0; k < hook_kinds().size(); ++k) {
    EXPECT_EQ(hook_pairs(options, k).size(), 1u) << hook_kinds()[k].name;
  }
  EXPECT_EQ(hook_specs(options).size(), hook_kinds().size());
}

// A kind's own target check applies to its pairs.
TEST(HookKinds, TargetCheckOfTheKind) {
  EXPECT_THROW(parse_hook_spec(hook_kind("webhook"), "*=ftp://h/"), common::FlagError);
  EXPECT_NO_THROW(parse_hook_spec(hook_kind("script"), "*=ftp://h/"));
}

// Each kind builds a runner that starts and stops idle.
TEST(HookKinds, RunnersBuildAndStop) {
  Options options;
  Counters counters;
  for (HookKind k = 0; k < hook_kinds().size(); ++k) {
    auto runner = hook_kinds()[k].make_runner(options, counters.kinds[k]);
    ASSERT_NE(runner, nullptr) << hook_kinds()[k].name;
    runner->stop();
  }
}

}  // namespace
}  // namespace rtmp::dispatcher
