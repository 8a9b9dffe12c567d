#include "dispatcher/router.hpp"

#include <gtest/gtest.h>

#include "common/payload.hpp"

namespace rtmp::dispatcher {
namespace {

using T = rtmphooks::EventType;

std::vector<std::string> targets(const std::vector<HookSpec>& hooks) {
  std::vector<std::string> out;
  for (const auto& h : hooks) out.push_back(h.target);
  return out;
}

TEST(Router, MatchesByEventTypeAndStar) {
  Options o;
  o.hook_pairs["webhook"] = {"publish_start=http://a/", "*=http://all/", "publish_stop=http://b/"};
  o.hook_pairs["script"] = {"publish_start=/bin/true"};
  Router r(hook_specs(o));
  EXPECT_EQ(targets(r.match(T::PUBLISH_START)),
            (std::vector<std::string>{"http://a/", "http://all/", "/bin/true"}));
  EXPECT_EQ(targets(r.match(T::PUBLISH_STOP)),
            (std::vector<std::string>{"http://all/", "http://b/"}));
  EXPECT_EQ(targets(r.match(T::CONNECTION_CLOSE)), (std::vector<std::string>{"http://all/"}));
  EXPECT_EQ(r.match(T::PUBLISH_START)[2].kind, hook_kind("script"));
}

TEST(Router, NoHooksMatchesNothing) {
  Router r({});
  EXPECT_TRUE(r.empty());
  EXPECT_TRUE(r.match(T::PUBLISH_START).empty());
}

TEST(Router, UnspecifiedAndUnknownTypesMatchNothing) {
  Options o;
  o.hook_pairs["webhook"] = {"*=http://all/"};
  Router r(hook_specs(o));
  EXPECT_TRUE(r.match(T::EVENT_TYPE_UNSPECIFIED).empty());
  EXPECT_TRUE(r.match(static_cast<T>(99)).empty());
  for (int t = 1; t < rtmphooks::EventType_ARRAYSIZE; ++t)
    EXPECT_EQ(r.match(static_cast<T>(t)).size(), 1u) << t;
}

TEST(Router, EveryEventTypeRoutesByName) {
  for (int t = 1; t < rtmphooks::EventType_ARRAYSIZE; ++t) {
    const std::string name(common::event_name(static_cast<T>(t)));
    ASSERT_FALSE(name.empty()) << t;
    Options o;
    o.hook_pairs["script"] = {name + "=/bin/true"};
    Router r(hook_specs(o));
    EXPECT_EQ(r.match(static_cast<T>(t)).size(), 1u) << name;
  }
}

TEST(Router, SameHookTwiceFiresTwice) {
  Options o;
  o.hook_pairs["webhook"] = {"play_start=http://a/", "play_start=http://a/"};
  Router r(hook_specs(o));
  EXPECT_EQ(r.match(T::PLAY_START).size(), 2u);
}

}  // namespace
}  // namespace rtmp::dispatcher
