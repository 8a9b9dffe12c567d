#!/usr/bin/env python3
"""The HTTP API with real clients: two ffmpeg publishers (640x360@30 and
320x240@25, H.264 + AAC) and three ffmpeg players (two on the first stream,
one on the second). GET /api/v1/streams shows both with their codecs,
resolutions, player counts and a bitrate within 20% of what ffmpeg itself
reports writing over the same 5 s; the detail route lists the players; a
request without (or with a wrong) token gets 401; unknown routes 404, wrong
methods 405, a bad key 400. POST .../kick ends the second publisher: ffmpeg
exits, publish_stop and connection_close carry reason "kicked", the stream
leaves the list. DELETE /api/v1/connections/{id} closes a player. With
-stats-interval 1s, stream_stats comes about every second per live stream
with plausible figures. API_TEST_SECONDS sets how long the publishers run
(default 14)."""

import os
import time

import api_util as u
from api_util import h

TOKEN = "s3cret-token"
SECONDS = int(os.environ.get("API_TEST_SECONDS", "14"))


def stream_by_key(body, key):
    for s in body["streams"]:
        if s["key"] == key:
            return s
    return None


def main(ctx):
    ingest = h.Ingest(ctx, args=["-api-addr", "127.0.0.1:0", "-api-token", TOKEN,
                                 "-stats-interval", "1s"])
    port = u.api_port_from_log(ingest)

    # 401 before anything else: no token, wrong token, token in the query.
    st, body, res = u.request(port, "GET", "/api/v1/streams")
    h.check(st == 401 and body.get("status") == 401, f"no token: {st} {body}")
    h.check(res.getheader("WWW-Authenticate") == "Bearer", "401 without WWW-Authenticate")
    st, body, _ = u.request(port, "GET", "/api/v1/streams", token="wrong")
    h.check(st == 401, f"wrong token: {st} {body}")
    st, body, _ = u.request(port, "GET", f"/api/v1/streams?access_token={TOKEN}")
    h.check(st == 200 and body == {"streams": []}, f"token in the query: {st} {body}")
    st, page, res = u.request(port, "GET", "/")
    h.check(st == 200 and res.getheader("Content-Type").startswith("text/html"),
            f"GET / without a token: {st}")

    pub_a = h.Publisher(ctx, ingest.url("a"), name="pub_a", duration=SECONDS + 20,
                        size="640x360", fps=30, vbitrate="800k")
    pub_b = h.Publisher(ctx, ingest.url("b"), name="pub_b", duration=SECONDS + 20,
                        size="320x240", fps=25, vbitrate="400k")
    pub_a.wait_frames(30, 60)
    pub_b.wait_frames(25, 60)
    players = [h.ffmpeg_player(ctx, ingest.url("a"), "p1.flv", name="player1"),
               h.ffmpeg_player(ctx, ingest.url("a"), "p2.flv", name="player2"),
               h.ffmpeg_player(ctx, ingest.url("b"), "p3.flv", name="player3")]

    def both_listed():
        st, body, _ = u.request(port, "GET", "/api/v1/streams", token=TOKEN)
        h.check(st == 200, f"GET /api/v1/streams: {st} {body}")
        a, b = stream_by_key(body, "live/a"), stream_by_key(body, "live/b")
        return a and b and a["players"] == 2 and b["players"] == 1 and a["video"] and \
            b["video"] and a["audio"] and b["audio"]
    h.wait_for(both_listed, 60, "both streams with 2 and 1 players and their codecs")

    # Let the 5 s window fill with steady media.
    h.wait_for(lambda: pub_a.frames() >= 30 * 8 and pub_b.frames() >= 25 * 8, 60,
               "8 s of media from both publishers")
    st, body, _ = u.request(port, "GET", "/api/v1/streams", token=TOKEN)
    sent = {"live/a": u.ffmpeg_kbps(pub_a.progress_path), "live/b": u.ffmpeg_kbps(pub_b.progress_path)}
    h.log(f"streams: {body}")
    h.log(f"ffmpeg wrote (kbit/s, last 5 s): {sent}")
    expect = {"live/a": (640, 360, 30), "live/b": (320, 240, 25)}
    for key, (w, hgt, fps) in expect.items():
        s = stream_by_key(body, key)
        h.check(s is not None, f"{key} not listed: {body}")
        h.check(s["app"] == "live" and s["name"] == key[5:], f"{key}: app/name {s}")
        h.check(s["video"]["codec"] == "H264" and s["video"]["width"] == w and
                s["video"]["height"] == hgt, f"{key}: video {s['video']}")
        h.check(abs(s["video"]["fps"] - fps) < 0.5, f"{key}: declared fps {s['video']}")
        h.check(s["audio"] == {"codec": "AAC", "sample_rate": 48000, "channels": 2},
                f"{key}: audio {s['audio']}")
        h.check(abs(s["bitrate_kbps"] - sent[key]) <= 0.2 * sent[key],
                f"{key}: bitrate_kbps {s['bitrate_kbps']} vs ffmpeg's {sent[key]:.1f}")
        h.check(abs(s["fps"] - fps) <= 0.15 * fps, f"{key}: measured fps {s['fps']}")
        h.check(s["bytes_in"] > 0 and s["bytes_out"] > 0, f"{key}: bytes {s}")
        h.check(s["publisher"]["remote_addr"].startswith("127.0.0.1:") and
                s["publisher"]["conn_id"].startswith("conn-") and
                abs(s["publisher"]["since"] - time.time()) < 120, f"{key}: publisher {s}")
        h.check(s["recording"] is False, f"{key}: recording {s}")

    # Detail: the players with their own figures.
    st, a, _ = u.request(port, "GET", "/api/v1/streams/live/a", token=TOKEN)
    h.check(st == 200 and len(a["player_list"]) == 2, f"detail of live/a: {st} {a}")
    for p in a["player_list"]:
        h.check(p["conn_id"].startswith("conn-") and p["bytes_out"] > 0 and p["dropped"] == 0 and
                p["remote_addr"].startswith("127.0.0.1:"), f"player entry {p}")
    h.check(sum(p["bytes_out"] for p in a["player_list"]) <= a["bytes_out"], f"bytes_out {a}")

    # Errors as JSON with their status.
    for method, path, want in [("GET", "/api/v1/streams/live/none", 404),
                               ("GET", "/api/v1/nothing", 404),
                               ("GET", "/api/v1/streams/nokey", 400),
                               ("DELETE", "/api/v1/streams", 405),
                               # a GET of a live stream's kick: a method mistake
                               ("GET", "/api/v1/streams/live/a/kick", 405),
                               ("GET", "/api/v1/streams/live/none/kick", 404),
                               ("POST", "/api/v1/streams/live/none/kick", 404),
                               ("DELETE", "/api/v1/connections/conn-nope", 404),
                               ("GET", "/api/v1/connections/x", 405)]:
        st, body, _ = u.request(port, method, path, token=TOKEN)
        h.check(st == want and isinstance(body, dict) and body.get("status") == want,
                f"{method} {path}: {st} {body}, expected {want}")
    st, body, _ = u.request(port, "POST", "/api/v1/streams/live/b/kick")
    h.check(st == 401, f"kick without the token: {st}")

    # Kick the second publisher.
    b_conn = stream_by_key(u.request(port, "GET", "/api/v1/streams", token=TOKEN)[1],
                           "live/b")["publisher"]["conn_id"]
    st, body, _ = u.request(port, "POST", "/api/v1/streams/live/b/kick", token=TOKEN)
    h.check(st == 200 and body == {"kicked": "live/b", "conn_id": b_conn}, f"kick: {st} {body}")
    code = pub_b.wait(30)
    h.log(f"kicked ffmpeg exited with {code}")
    h.check(pub_b.frames() < 25 * (SECONDS + 20), "the kicked publisher ran to its end")
    def kicked_events():
        evs = ingest.events()
        stop = [e for e in evs if e["type"] == "publish_stop" and e["stream_key"] == "live/b"]
        close = [e for e in evs if e["type"] == "connection_close" and e["conn_id"] == b_conn]
        return stop and close and stop[0]["data"]["reason"] == "kicked" and \
            close[0]["data"]["reason"] == "kicked"
    h.wait_for(kicked_events, 20, "publish_stop and connection_close with reason kicked")
    st, body, _ = u.request(port, "GET", "/api/v1/streams", token=TOKEN)
    h.check(stream_by_key(body, "live/b") is None and stream_by_key(body, "live/a"),
            f"after the kick: {body}")

    # Close one player of live/a by its connection id.
    victim = a["player_list"][0]["conn_id"]
    st, body, _ = u.request(port, "DELETE", f"/api/v1/connections/{victim}", token=TOKEN)
    h.check(st == 200 and body == {"closed": victim}, f"DELETE connection: {st} {body}")
    h.wait_for(lambda: any(e["type"] == "play_stop" and e["conn_id"] == victim and
                           e["data"]["reason"] == "kicked" for e in ingest.events()),
               20, "play_stop of the closed player")
    h.wait_for(lambda: stream_by_key(u.request(port, "GET", "/api/v1/streams", token=TOKEN)[1],
                                     "live/a")["players"] == 1, 20, "live/a down to 1 player")
    h.wait_for(lambda: any(e["type"] == "stream_stats" and e["stream_key"] == "live/a" and
                           e["data"]["players"] == 1 for e in ingest.events()),
               20, "a stream_stats of live/a with 1 player")

    # stream_stats: about one per second per live stream, plausible figures.
    pub_a.wait_frames(30 * SECONDS, SECONDS + 60)
    evs = ingest.events()
    for key, fps, pub in [("live/a", 30, pub_a), ("live/b", 25, pub_b)]:
        stats = [e for e in evs if e["type"] == "stream_stats" and e["stream_key"] == key]
        start = next(e for e in evs if e["type"] == "publish_start" and e["stream_key"] == key)
        end = next((e for e in evs if e["type"] == "publish_stop" and e["stream_key"] == key), None)
        span = (end["timestamp"] if end else evs[-1]["timestamp"]) - start["timestamp"]
        h.log(f"{key}: {len(stats)} stream_stats over {span} s; last {stats[-1] if stats else None}")
        h.check(span - 2 <= len(stats) <= span + 2, f"{key}: {len(stats)} stream_stats in {span} s")
        seqs = [e["seq"] for e in stats]
        h.check(seqs == sorted(seqs), "stream_stats out of order")
        steady = stats[5:]
        h.check(steady, f"{key}: too few stream_stats")
        for e in steady:
            d = e["data"]
            h.check(set(d) == {"bitrate_kbps", "fps", "players", "bytes_in", "bytes_out", "dropped"},
                    f"stream_stats fields {d}")
            h.check(abs(d["fps"] - fps) <= 0.2 * fps, f"{key}: fps {d}")
            h.check(d["bitrate_kbps"] > 50 and d["players"] in (0, 1, 2), f"{key}: {d}")
        h.check(all(stats[i]["data"]["bytes_in"] <= stats[i + 1]["data"]["bytes_in"]
                    for i in range(len(stats) - 1)), f"{key}: bytes_in went down")
        h.check(stats[-1]["data"]["bytes_out"] > 0, f"{key}: bytes_out {stats[-1]}")
    a_stats = [e for e in evs if e["type"] == "stream_stats" and e["stream_key"] == "live/a"]
    h.check(any(e["data"]["players"] == 2 for e in a_stats) and a_stats[-1]["data"]["players"] == 1,
            f"live/a stream_stats players did not follow 2 -> 1: {[e['data']['players'] for e in a_stats]}")
    bitrates = [e["data"]["bitrate_kbps"] for e in a_stats[5:]]
    ref = u.ffmpeg_kbps(pub_a.progress_path)
    med = sorted(bitrates)[len(bitrates) // 2]
    h.check(abs(med - ref) <= 0.2 * ref, f"live/a stream_stats median bitrate {med} vs ffmpeg {ref:.1f}")

    pub_a.quit()
    for p in players:
        h.stop_player(p)
    ingest.stop()


if __name__ == "__main__":
    h.run(main)
