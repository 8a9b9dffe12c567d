"""/metrics of rtmp-ingest follows a real ffmpeg stream.

A 720p ffmpeg publish and an ffmpeg player: the connection, stream, publisher
and player gauges go up and back to 0 as they come and go; bytes in/out and
events emitted grow while the stream runs; at the end the counters equal what
happened, counted independently (connections = connection_accept events,
events emitted = stdio JSON lines, bytes received >= publish_stop total_bytes,
bytes sent ~>= the player's recording).
Every page scraped at a checkpoint passes `promtool check metrics`. /healthz is
200 and /readyz 200 (embedded hooks) throughout.
"""
import ops_util as u
from ops_util import h

G = "rtmp_ingest_"


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("rtmp-ingest's own metrics")
    mport = h.free_port()
    server = h.Ingest(ctx, args=["-metrics-addr", f"127.0.0.1:{mport}"])
    h.wait_port(mport, 30)
    s = u.Scraper(mport)
    h.check(u.http_get(mport, "/healthz")[0] == 200, "/healthz not 200")
    h.check(u.http_get(mport, "/readyz")[0] == 200, "/readyz not 200 with embedded hooks")
    m0 = s.scrape()
    for name in ("connections", "connections_total", "bytes_received_total", "bytes_sent_total",
                 "streams", "publishers", "players", "events_emitted_total",
                 "events_buffered", "events_fallback_total", "events_dropped_total"):
        h.check(G + name in m0, f"{G}{name} missing from /metrics")
    h.check(m0[G + "connections"] == 0 and m0[G + "publishers"] == 0, "idle gauges not 0")
    # The embedded dispatcher pulls over inproc://, which counts as connected: the
    # suggested alert sum(rtmp_dispatcher_connected_ingests) == 0 must not fire here.
    h.check(m0.get("rtmp_dispatcher_connected_ingests") == 1,
            f"embedded: rtmp_dispatcher_connected_ingests is "
            f"{m0.get('rtmp_dispatcher_connected_ingests')}, want 1")

    pub = h.Publisher(ctx, server.url("metrics"), duration=30)
    pub.wait_frames(30, 60)
    m1 = s.wait(lambda m: m[G + "publishers"] == 1 and m[G + "streams"] == 1
                and m[G + "connections"] == 1, 30, "publisher in the gauges")
    h.check(m1[G + "connections_total"] >= 1, "connections_total did not move")
    h.check(m1[G + "events_emitted_total"] >= 4, "events emitted did not move")
    # Bytes in keep growing while the stream runs (~1.6 Mbit/s).
    b1 = m1[G + "bytes_received_total"]
    m2 = s.wait(lambda m: m[G + "bytes_received_total"] > b1 + 100_000, 30,
                "bytes received to grow by 100 kB")
    s.scrape()  # promtool on a page taken mid-stream

    player = h.ffmpeg_player(ctx, server.url("metrics"), "play.flv")
    h.wait_ffmpeg_play_sent(player, 30)
    m3 = s.wait(lambda m: m[G + "players"] == 1 and m[G + "connections"] == 2, 30,
                "player in the gauges")
    out0 = m3[G + "bytes_sent_total"]
    m4 = s.wait(lambda m: m[G + "bytes_sent_total"] > out0 + 100_000, 30,
                "bytes sent to grow by 100 kB while playing")
    h.check(m4[G + "events_emitted_total"] > m1[G + "events_emitted_total"],
            "events emitted did not grow with the player")
    s.scrape()

    player.send_signal(h.signal.SIGINT)
    player.wait_exit(30)
    s.wait(lambda m: m[G + "players"] == 0 and m[G + "connections"] == 1, 30,
           "player gone from the gauges")
    h.check(pub.quit(30) == 0, "ffmpeg publisher failed")
    end = s.wait(lambda m: m[G + "publishers"] == 0 and m[G + "streams"] == 0
                 and m[G + "connections"] == 0, 30, "publisher gone from the gauges")

    # Counted independently: the stdio JSON events of the embedded hook.
    def settled():
        m = s.scrape(check=False)
        evs = server.events()
        return (m, evs) if m[G + "events_emitted_total"] == len(evs) else None
    end, events = h.wait_for(settled, 30, "events emitted == stdio event lines", 0.25)
    s.scrape()
    accepts = sum(1 for e in events if e["type"] == "connection_accept")
    h.check(end[G + "connections_total"] == accepts,
            f"connections_total {end[G + 'connections_total']} != {accepts} accepts")
    stop = [e for e in events if e["type"] == "publish_stop"]
    h.check(len(stop) == 1, f"{len(stop)} publish_stop events")
    h.check(end[G + "bytes_received_total"] >= stop[0]["data"]["total_bytes"],
            "bytes received < publish_stop total_bytes")
    # What the player recorded came through bytes_sent (FLV tags ~ RTMP chunks in size).
    played = h.file_size(ctx.path("play.flv"))
    h.check(played > 0 and end[G + "bytes_sent_total"] >= 0.8 * played,
            f"bytes sent {end[G + 'bytes_sent_total']:g} < what the player recorded ({played})")
    for name in ("events_fallback_total", "events_dropped_total"):
        h.check(end[G + name] == 0, f"{G}{name} = {end[G + name]}")
    h.log(f"{s.pages} scrapes; end: connections_total={end[G + 'connections_total']:g} "
          f"bytes in={end[G + 'bytes_received_total']:g} out={end[G + 'bytes_sent_total']:g} "
          f"events={end[G + 'events_emitted_total']:g}")
    h.check(u.http_get(mport, "/healthz")[0] == 200, "/healthz not 200 at the end")
    server.stop()


if __name__ == "__main__":
    h.run(main)
