// rtmp-load: N players (and optionally M publishers replaying an FLV file) against
// any RTMP server; reports bytes, frames, stalls and time to first frame.
//
//   rtmp-load -url rtmp://127.0.0.1:1935/live/test -players 500 -duration 30s
//   rtmp-load -url rtmp://127.0.0.1:1935/live/bench -publishers 1 -flv in.flv -players 100 -json
//
//   rtmp-load -url ... -players 2000 -ramp 500 -duration 40s -window-after 15s -json
//
// -window-after D also reports what arrived from D (after the client's start)
// to the end: bytes, video frames, stalls (a gap > 1 s ending in the window or
// still open at the end), per player minimum and 1st percentile.
//
// -rcvlowat B sets SO_RCVLOWAT on each player once it plays: a wake and a read
// per B bytes instead of per message the server writes, for a lighter client
// (frame arrival times then have that granularity: B / stream rate).
//
// With M > 1 publishers, publisher i publishes <stream>_i and player j plays
// <stream>_(j mod M).
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "bench/rtmp_load/load_player.hpp"
#include "bench/rtmp_load/load_publisher.hpp"

using namespace rtmp::load;

namespace {

struct Options {
  std::string url;
  int players = 1;
  int publishers = 0;
  std::string flv;
  double duration_s = 10;
  double players_after_s = 0;  // start players this long after the publishers
  double ramp = 0;             // players started per second (0: all at once)
  double window_after_s = -1;  // -window-after: start of the measurement window
  int rcvlowat = 0;            // players' SO_RCVLOWAT once playing (0: not set)
  int threads = 1;
  uint32_t chunk_size = 4096;
  bool json = false;
  bool idle = false;  // players connect and createStream, then never play
};

[[noreturn]] void usage(const std::string& err) {
  if (!err.empty()) std::fprintf(stderr, "rtmp-load: %s\n", err.c_str());
  std::fprintf(stderr,
               "usage: rtmp-load -url rtmp://HOST:PORT/APP/STREAM [-players N] [-publishers M "
               "-flv FILE]\n"
               "       [-duration 10s] [-players-after 0s] [-ramp PER_SEC] [-threads T] "
               "[-chunk-size N] [-idle] [-json]\n"
               "       [-window-after D] [-rcvlowat BYTES]\n");
  std::exit(2);
}

// Go-style durations: 500ms, 30s, 2m, 1h, or plain seconds.
double parse_duration(const std::string& flag, const std::string& v) {
  size_t i = 0;
  while (i < v.size() && (std::isdigit(static_cast<unsigned char>(v[i])) || v[i] == '.')) ++i;
  double num = 0;
  try {
    num = std::stod(v.substr(0, i));
  } catch (...) {
    usage("bad duration for -" + flag + ": " + v);
  }
  const std::string unit = v.substr(i);
  static const std::map<std::string, double> units{
      {"", 1}, {"s", 1}, {"ms", 1e-3}, {"m", 60}, {"h", 3600}};
  auto it = units.find(unit);
  if (it == units.end()) usage("bad duration for -" + flag + ": " + v);
  return num * it->second;
}

long parse_int(const std::string& flag, const std::string& v, long lo, long hi) {
  long n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < lo || n > hi)
    usage("bad value for -" + flag + ": " + v);
  return n;
}

Options parse_flags(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) == 0) a = a.substr(1);
    if (a.empty() || a[0] != '-') usage("unexpected argument " + a);
    a = a.substr(1);
    std::string v;
    bool has_v = false;
    if (auto eq = a.find('='); eq != std::string::npos) {
      v = a.substr(eq + 1), a = a.substr(0, eq), has_v = true;
    }
    if (a == "json") {
      o.json = true;
      continue;
    }
    if (a == "idle") {
      o.idle = true;
      continue;
    }
    if (a == "help" || a == "h") usage("");
    if (!has_v) {
      if (i + 1 >= argc) usage("-" + a + " needs a value");
      v = argv[++i];
    }
    if (a == "url")
      o.url = v;
    else if (a == "players")
      o.players = static_cast<int>(parse_int(a, v, 0, 1000000));
    else if (a == "publishers")
      o.publishers = static_cast<int>(parse_int(a, v, 0, 10000));
    else if (a == "flv")
      o.flv = v;
    else if (a == "duration")
      o.duration_s = parse_duration(a, v);
    else if (a == "players-after")
      o.players_after_s = parse_duration(a, v);
    else if (a == "rcvlowat")
      o.rcvlowat = static_cast<int>(parse_int(a, v, 0, 1 << 20));
    else if (a == "window-after")
      o.window_after_s = parse_duration(a, v);
    else if (a == "ramp")
      o.ramp = static_cast<double>(parse_int(a, v, 0, 1000000));
    else if (a == "threads")
      o.threads = static_cast<int>(parse_int(a, v, 1, 256));
    else if (a == "chunk-size")
      o.chunk_size = static_cast<uint32_t>(parse_int(a, v, 128, 65536));
    else
      usage("unknown flag -" + a);
  }
  if (o.url.empty()) usage("-url is required");
  if (o.publishers > 0 && o.flv.empty()) usage("-publishers needs -flv");
  return o;
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t idx =
      std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5));
  return v[idx];
}

Target with_stream(Target t, int publishers, int i) {
  if (publishers > 1) t.stream += "_" + std::to_string(i % publishers);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_flags(argc, argv);
  Target target;
  if (auto err = parse_url(o.url, target); !err.empty()) usage(err);
  auto tags = std::make_shared<std::vector<FlvTag>>();
  if (o.publishers > 0) {
    if (auto err = read_flv(o.flv, *tags); !err.empty()) usage(err);
    if (std::all_of(tags->begin(), tags->end(), [](const FlvTag& t) { return t.is_header; }))
      usage(o.flv + ": no media frames");
  }

  // One io_context per thread; connections are spread round-robin and each lives
  // on one thread only, so no locking is needed.
  std::vector<std::unique_ptr<net::io_context>> ios;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  for (int i = 0; i < o.threads; ++i) {
    ios.push_back(std::make_unique<net::io_context>(1));
    guards.push_back(net::make_work_guard(*ios.back()));
  }
  std::vector<std::thread> threads;
  for (auto& io : ios) threads.emplace_back([&io] { io->run(); });

  std::vector<std::shared_ptr<LoadPublisher>> pubs;
  std::vector<std::shared_ptr<LoadPlayer>> players;
  std::vector<std::shared_ptr<ClientConn>> all;
  size_t rr = 0;
  auto launch = [&](std::shared_ptr<ClientConn> c, net::io_context& io) {
    all.push_back(c);
    net::post(io, [c] { c->start(); });
  };
  const auto t_start = Clock::now();
  const auto t_window = o.window_after_s < 0
                            ? Clock::time_point::max()
                            : t_start + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(o.window_after_s));
  for (int i = 0; i < o.publishers; ++i) {
    auto& io = *ios[rr++ % ios.size()];
    auto p = std::make_shared<LoadPublisher>(io, with_stream(target, o.publishers, i), o.chunk_size,
                                             tags);
    pubs.push_back(p);
    launch(p, io);
  }
  if (o.players_after_s > 0)
    std::this_thread::sleep_for(std::chrono::duration<double>(o.players_after_s));
  const auto t_players = Clock::now();
  for (int i = 0; i < o.players; ++i) {
    if (o.ramp > 0)
      std::this_thread::sleep_until(t_players + std::chrono::duration_cast<Clock::duration>(
                                                    std::chrono::duration<double>(i / o.ramp)));
    auto& io = *ios[rr++ % ios.size()];
    auto p = std::make_shared<LoadPlayer>(io, with_stream(target, o.publishers, i), o.chunk_size);
    p->set_idle(o.idle);
    p->set_window_start(t_window);
    p->set_rcvlowat(o.rcvlowat);
    players.push_back(p);
    launch(p, io);
  }
  std::this_thread::sleep_until(t_start + std::chrono::duration_cast<Clock::duration>(
                                              std::chrono::duration<double>(o.duration_s)));

  // Stop every connection on its own thread, then let the threads finish.
  for (auto& c : all) net::post(c->executor(), [c] { c->stop(); });
  guards.clear();
  for (auto& t : threads) t.join();
  const auto t_end = Clock::now();
  const double elapsed = std::chrono::duration<double>(t_end - t_start).count();
  const double window_s =
      t_end > t_window ? std::chrono::duration<double>(t_end - t_window).count() : 0;

  uint64_t bytes = 0, vframes = 0, aframes = 0, stalls = 0, with_stalls = 0, got_frames = 0,
           key_first = 0, failed = 0, ready = 0, playing = 0;
  std::vector<double> ttff, play_start, w_bytes, w_frames;
  uint64_t w_bytes_sum = 0, w_vframes = 0, w_stalls = 0, w_with_stalls = 0, w_no_frames = 0;
  double w_max_gap = 0;
  double max_gap = 0;
  std::map<std::string, int> errors;
  for (auto& p : players) {
    const auto& s = p->stats();
    bytes += p->bytes_in();
    vframes += s.video_frames;
    aframes += s.audio_frames;
    stalls += s.stalls;
    ready += s.stream_ready;
    playing += s.play_started;
    if (s.play_start_ms) play_start.push_back(*s.play_start_ms);
    with_stalls += s.stalls > 0;
    max_gap = std::max(max_gap, s.max_gap_ms);
    w_bytes_sum += p->window_bytes_in();
    w_vframes += s.window_video_frames;
    w_stalls += s.window_stalls;
    w_with_stalls += s.window_stalls > 0;
    w_no_frames += s.window_video_frames == 0;
    w_max_gap = std::max(w_max_gap, s.window_max_gap_ms);
    w_bytes.push_back(static_cast<double>(p->window_bytes_in()));
    w_frames.push_back(static_cast<double>(s.window_video_frames));
    if (s.ttff_ms) {
      ++got_frames;
      ttff.push_back(*s.ttff_ms);
      key_first += s.first_frame_key;
    }
    if (!p->error().empty()) {
      ++failed;
      ++errors[p->error()];
    }
  }
  uint64_t pub_bytes = 0, pub_frames = 0, pub_failed = 0;
  for (auto& p : pubs) {
    pub_bytes += p->bytes_out();
    pub_frames += p->frames_sent();
    if (!p->error().empty()) {
      ++pub_failed;
      ++errors["publisher: " + p->error()];
    }
  }
  const double p50 = percentile(ttff, 0.5), p99 = percentile(ttff, 0.99),
               pmax = ttff.empty() ? 0 : *std::max_element(ttff.begin(), ttff.end());
  std::string window_json;
  if (window_s > 0) {
    char b[512];
    std::snprintf(b, sizeof b,
                  ",\"window_s\":%.2f,\"window_bytes_in\":%llu,\"window_video_frames\":%llu,"
                  "\"window_stalls\":%llu,\"window_players_with_stalls\":%llu,"
                  "\"window_players_no_frames\":%llu,\"window_max_gap_ms\":%.1f,"
                  "\"window_player_bytes_min\":%.0f,\"window_player_bytes_p1\":%.0f,"
                  "\"window_player_vframes_min\":%.0f,\"window_player_vframes_p1\":%.0f",
                  window_s, (unsigned long long)w_bytes_sum, (unsigned long long)w_vframes,
                  (unsigned long long)w_stalls, (unsigned long long)w_with_stalls,
                  (unsigned long long)w_no_frames, w_max_gap, percentile(w_bytes, 0),
                  percentile(w_bytes, 0.01), percentile(w_frames, 0), percentile(w_frames, 0.01));
    window_json = b;
  }
  if (o.json) {
    std::string errs;
    for (auto& [e, n] : errors) {
      std::string esc;
      for (char ch : e) {
        if (ch == '"' || ch == '\\') esc += '\\';
        if (static_cast<unsigned char>(ch) >= 0x20) esc += ch;
      }
      errs += (errs.empty() ? "" : ",") + std::string("\"") + esc + "\":" + std::to_string(n);
    }
    std::printf(
        "{\"players\":%d,\"players_with_frames\":%llu,\"players_failed\":%llu,"
        "\"players_with_stalls\":%llu,\"stalls\":%llu,\"max_gap_ms\":%.1f,\"bytes_in\":%llu,"
        "\"video_frames\":%llu,\"audio_frames\":%llu,\"first_frame_key\":%llu,"
        "\"ttff_ms_p50\":%.1f,\"ttff_ms_p99\":%.1f,\"ttff_ms_max\":%.1f,"
        "\"play_start_ms_p50\":%.1f,\"play_start_ms_p99\":%.1f,"
        "\"publishers\":%d,\"publishers_failed\":%llu,\"publisher_bytes_out\":%llu,"
        "\"publisher_frames\":%llu,\"players_ready\":%llu,\"players_playing\":%llu,\"elapsed_s\":%."
        "2f%s,\"errors\":{%s}}\n",
        o.players, (unsigned long long)got_frames, (unsigned long long)failed,
        (unsigned long long)with_stalls, (unsigned long long)stalls, max_gap,
        (unsigned long long)bytes, (unsigned long long)vframes, (unsigned long long)aframes,
        (unsigned long long)key_first, p50, p99, pmax, percentile(play_start, 0.5),
        percentile(play_start, 0.99), o.publishers, (unsigned long long)pub_failed,
        (unsigned long long)pub_bytes, (unsigned long long)pub_frames, (unsigned long long)ready,
        (unsigned long long)playing, elapsed, window_json.c_str(), errs.c_str());
  } else {
    std::printf("players:        %d (%llu got frames, %llu failed, %llu with stalls)\n", o.players,
                (unsigned long long)got_frames, (unsigned long long)failed,
                (unsigned long long)with_stalls);
    std::printf("received:       %.1f MB, %llu video / %llu audio frames, %.1f Mbit/s\n",
                static_cast<double>(bytes) / 1e6, (unsigned long long)vframes,
                (unsigned long long)aframes, static_cast<double>(bytes) * 8 / 1e6 / elapsed);
    std::printf("stalls (>1 s):  %llu, largest gap %.0f ms\n", (unsigned long long)stalls, max_gap);
    std::printf("first frame:    p50 %.1f ms, p99 %.1f ms, max %.1f ms; %llu of %llu keyframes\n",
                p50, p99, pmax, (unsigned long long)key_first, (unsigned long long)got_frames);
    std::printf("Play.Start:     p50 %.1f ms, p99 %.1f ms (connection setup alone)\n",
                percentile(play_start, 0.5), percentile(play_start, 0.99));
    if (o.publishers > 0)
      std::printf("publishers:     %d (%llu failed), %llu frames, %.1f MB sent\n", o.publishers,
                  (unsigned long long)pub_failed, (unsigned long long)pub_frames,
                  static_cast<double>(pub_bytes) / 1e6);
    if (window_s > 0)
      std::printf(
          "window %.1f s:   %.1f Mbit/s, %llu video frames, %llu stalls (%llu players), "
          "%llu players without frames, per player min %.0f bytes / %.0f frames\n",
          window_s, static_cast<double>(w_bytes_sum) * 8 / 1e6 / window_s,
          (unsigned long long)w_vframes, (unsigned long long)w_stalls,
          (unsigned long long)w_with_stalls, (unsigned long long)w_no_frames,
          percentile(w_bytes, 0), percentile(w_frames, 0));
    for (auto& [e, n] : errors) std::printf("error x%d: %s\n", n, e.c_str());
  }
  if (o.idle) return ready == static_cast<uint64_t>(o.players) ? 0 : 1;
  return got_frames == 0 && o.players > 0 ? 1 : 0;
}
