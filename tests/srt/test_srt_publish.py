#!/usr/bin/env python3
"""SRT ingest, plain: ffmpeg publishes H.264 + AAC as MPEG-TS over SRT for 10 s
(streamid=publish:live/s, no passphrase), an ffmpeg RTMP player waiting before
it records the stream: h264 + aac, >= 95% of the frames sent, decodes cleanly.
The API lists the SRT publish like an RTMP one while it runs. It is recorded
to MP4 with both tracks (seen failing before: a TS's first audio comes after
its first video keyframe, and the MP4 had the video alone). The publisher's
events match those of an RTMP publish of the same stream (same types in the same
order, codec_detected alike, publish_stop with its counts); only
connection_accept's protocol and publish_stop's reason (an SRT caller just goes
away) differ.

SRT_TEST_SECONDS sets the SRT publish length (default 10)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import srt_util as u  # noqa: E402
import harness as h  # noqa: E402

sys.path.insert(0, os.path.join(u.HERE, "..", "api"))
import api_util as api  # noqa: E402

SECONDS = int(os.environ.get("SRT_TEST_SECONDS", "10"))
COMPARED = ("connection_accept", "handshake_complete", "publish_start", "codec_detected",
            "publish_stop", "connection_close")


def publisher_view(events):
    """The publisher's own events, as comparable tuples."""
    out = []
    for e in events:
        if e["type"] not in COMPARED:
            continue
        d = e["data"]
        if e["type"] == "codec_detected":
            out.append((e["type"], tuple(sorted(d.items()))))
        elif e["type"] == "publish_stop":
            out.append((e["type"], d["video_codec"], d["audio_codec"]))
        elif e["type"] == "connection_close":
            out.append((e["type"], d["role"]))
        else:
            out.append((e["type"],))
    return out


def main(ctx):
    ing, port = u.start_ingest(ctx, ["-api-addr", "127.0.0.1:0", "-record", "live/s",
                                     "-record-format", "mp4", "-record-dir", ctx.path("rec")])
    api_port = api.api_port_from_log(ing)

    player = h.ffmpeg_player(ctx, ing.url("s"), "srt.flv")
    h.wait_ffmpeg_play_sent(player)
    pub = u.SrtPublisher(ctx, u.srt_url(port, "publish:live/s"), duration=SECONDS)

    def listed():
        st, body, _ = api.request(api_port, "GET", "/api/v1/streams")
        h.check(st == 200, f"GET /api/v1/streams: {st} {body}")
        streams = [s for s in body.get("streams", []) if s.get("key") == "live/s"]
        if streams and streams[0].get("video") and streams[0].get("publisher"):
            return streams[0]
        return None
    s = h.wait_for(listed, 30, "the API to list live/s with its video")
    h.log(f"API: {s}")
    h.check(s["video"].get("codec") == "H264", f"API video: {s['video']}")

    code = pub.wait(SECONDS + 60)
    h.check(code == 0, f"SRT ffmpeg exit {code}; see {pub.proc.stderr_path}")
    sent = pub.frames()
    h.stop_player(player, ctx.path("srt.flv"))
    h.check_recording(ctx.path("srt.flv"), "RTMP player of the SRT publish", sent, None, 0.95)
    errors = h.decode_errors(ctx.path("srt.flv"))
    h.check(errors == "", f"decoding the player's recording: {errors[:500]}")

    rec = h.wait_for(lambda: [e for e in ing.events() if e["type"] == "recording_stop"], 30,
                     "recording_stop")[0]["data"]
    h.check(rec["error"] == "", f"recording_stop {rec}")
    h.check(h.codec_names(rec["path"]) == {"video": "h264", "audio": "aac"},
            f"MP4 recording {rec['path']}: {h.codec_names(rec['path'])}, want h264 + aac")

    srt_ids = u.srt_conn_ids(ing)
    h.check(len(srt_ids) == 1, f"SRT connections: {srt_ids}")
    stop = h.wait_for(lambda: u.publish_stops(ing, "live/s"), 20, "publish_stop")[0]["data"]
    h.check(stop["video_packets"] >= 0.95 * sent,
            f"publish_stop video_packets {stop['video_packets']} of {sent} sent")
    h.check(stop["audio_packets"] >= 0.95 * SECONDS * 48000 / 1024,
            f"publish_stop audio_packets {stop['audio_packets']}")
    h.wait_for(lambda: any(e["type"] == "connection_close"
                           for e in u.conn_events(ing, srt_ids[0])), 20, "connection_close")

    # The same stream from an RTMP publisher (shorter: only its events matter).
    rtmp = h.Publisher(ctx, ing.url("r"), name="rtmppub", duration=3, gop=u.GOP, fps=u.FPS,
                       size="640x360", vbitrate="800k")
    h.check(rtmp.wait(60) == 0, "RTMP publisher failed")
    h.wait_for(lambda: u.publish_stops(ing, "live/r"), 20, "RTMP publish_stop")
    rtmp_id = u.publish_starts(ing, "live/r")[0]["conn_id"]
    h.wait_for(lambda: any(e["type"] == "connection_close"
                           for e in u.conn_events(ing, rtmp_id)), 20, "RTMP connection_close")

    srt_events = u.conn_events(ing, srt_ids[0])
    rtmp_events = u.conn_events(ing, rtmp_id)
    h.log("SRT:  " + " ".join(e["type"] for e in srt_events))
    h.log("RTMP: " + " ".join(e["type"] for e in rtmp_events))
    h.check(publisher_view(srt_events) == publisher_view(rtmp_events),
            f"SRT publisher events {publisher_view(srt_events)} != RTMP's "
            f"{publisher_view(rtmp_events)}")
    accept = srt_events[0]
    h.check(accept["type"] == "connection_accept" and accept["data"]["protocol"] == "srt"
            and accept["data"]["remote_addr"].startswith("127.0.0.1:"), f"accept: {accept}")
    ing.stop()


if __name__ == "__main__":
    h.run(main)
