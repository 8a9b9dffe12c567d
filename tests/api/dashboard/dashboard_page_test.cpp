#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "ingest/api/dashboard/dashboard.hpp"

namespace rtmp::api {
namespace {

const std::string& page() {
  static const std::string text(dashboard_page());
  return text;
}

TEST(DashboardPage, IsOneHtmlDocumentWithItsStyleAndScriptInlined) {
  EXPECT_EQ(page().rfind("<!doctype html>", 0), 0u);
  EXPECT_NE(page().find("</html>"), std::string::npos);
  EXPECT_NE(page().find("<style>"), std::string::npos);
  EXPECT_NE(page().find("<script>"), std::string::npos);
  EXPECT_NE(page().find("svg.spark"), std::string::npos) << "dashboard.css not inlined";
  EXPECT_NE(page().find("/api/v1/events"), std::string::npos) << "dashboard.js not inlined";
  EXPECT_EQ(page().find("@STYLE@"), std::string::npos);
  EXPECT_EQ(page().find("@SCRIPT@"), std::string::npos);
}

TEST(DashboardPage, NamesNoOtherOrigin) {
  // Nothing but the API on the page's own origin: no absolute or
  // protocol-relative URL, no external script, style, image or font.
  const std::regex url(R"((https?|wss?|ftp):|//[A-Za-z0-9-]+\.[A-Za-z])", std::regex::icase);
  std::smatch m;
  EXPECT_FALSE(std::regex_search(page(), m, url)) << "found " << m.str();
  // The one reference allowed: the empty data: icon that keeps browsers from
  // asking for /favicon.ico.
  const std::regex attr(R"re((src|href|action)\s*=\s*"(?!data:,"))re", std::regex::icase);
  EXPECT_FALSE(std::regex_search(page(), m, attr)) << "found " << m.str();
  EXPECT_EQ(page().find("@import"), std::string::npos);
  EXPECT_EQ(page().find("url("), std::string::npos);
}

TEST(DashboardPage, PolicyAllowsOnlyThePageAndItsOrigin) {
  const std::string csp(kDashboardContentSecurityPolicy);
  EXPECT_EQ(csp.rfind("default-src 'none';", 0), 0u);
  EXPECT_NE(csp.find("connect-src 'self'"), std::string::npos);
}

}  // namespace
}  // namespace rtmp::api
