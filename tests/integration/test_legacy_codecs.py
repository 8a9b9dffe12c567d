#!/usr/bin/env python3
"""ffmpeg's FLV muxer, given no codec options, sends Sorenson H.263 ("flv1")
video and MP3 audio: the legacy codecs that have no sequence header. Their
codec_detected events still carry the picture size (from the H.263 picture
header) and the audio parameters (from the MP3 frame header), here for a
custom 400x300 size; and a player gets the stream.

(Seen failing before the H.263 picture header was read: the video
codec_detected had codec H263 and no width or height.)
"""

import shutil

import harness as h


def main(ctx):
    if h.server_kind() != "ingest":
        h.skip("codec_detected is rtmp-ingest's own event")
    for tool in ("ffmpeg", "ffprobe"):
        if not shutil.which(tool):
            h.skip(f"{tool} not installed")
    server = h.Ingest(ctx)
    url = server.url("legacy")
    pub = ctx.proc("publisher", [
        "ffmpeg", "-hide_banner", "-v", "error", "-re",
        "-f", "lavfi", "-i", "testsrc=size=400x300:rate=15",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
        "-t", "4", "-ac", "1", "-f", "flv", url])
    player = h.ffmpeg_player(ctx, url, "player.flv", duration=2)

    def codecs():
        return {e["data"]["media"]: e["data"] for e in server.events()
                if e["type"] == "codec_detected"}
    h.wait_for(lambda: len(codecs()) == 2, 60, "codec_detected for video and audio")
    video, audio = codecs()["video"], codecs()["audio"]
    h.check(video.get("codec") == "H263", f"video codec_detected {video}, want H263")
    h.check(video.get("width") == 400 and video.get("height") == 300,
            f"video codec_detected {video}, want 400x300")
    h.check(audio.get("codec") == "MP3" and audio.get("sample_rate") == 44100
            and audio.get("channels") == 1, f"audio codec_detected {audio}, want MP3 44100 Hz mono")

    h.check(pub.wait_exit(60) == 0, f"publisher failed; see {pub.stderr_path}")
    h.stop_player(player, ctx.path("player.flv"), timeout=60)
    h.check(h.codec_names(ctx.path("player.flv")) == {"video": "flv1", "audio": "mp3"},
            f"player got {h.codec_names(ctx.path('player.flv'))}, want flv1 + mp3")
    server.stop()


if __name__ == "__main__":
    h.run(main)
