#!/usr/bin/env python3
"""Twenty streams recorded at once while a player watches one of them: the player gets
every frame, and every recording holds every frame of its stream. The publishers replay
one ffmpeg-made FLV with -re -c copy (no encoding), so the machine's CPU goes to the
server and its recordings."""

import os

import record_util as ru
from record_util import h

STREAMS = 20
SECONDS = 10


def make_source(ctx):
    src = ctx.path("source.flv")
    code, _, err = h._run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y",
                           "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
                           "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                           "-t", str(SECONDS), "-c:v", "libx264", "-preset", "ultrafast",
                           "-g", "60", "-b:v", "800k", "-c:a", "aac", "-b:a", "96k", src])
    h.check(code == 0, f"ffmpeg could not make the source: {err[:300]}")
    return src


def main(ctx):
    src = make_source(ctx)
    want = h.packet_counts(src)
    rec_dir = ctx.path("recordings")
    ingest = h.Ingest(ctx, ["-record-all", "true", "-record-dir", rec_dir])
    player = h.ffmpeg_player(ctx, ingest.url("s0"), "player.flv")
    h.wait_ffmpeg_play_sent(player)
    h.wait_for(lambda: ru.of_type(ingest.events(), "play_start") or None, 30, "play_start")
    pubs = [ctx.proc(f"pub{i}", ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-re",
                                 "-i", src, "-c", "copy", "-f", "flv", ingest.url(f"s{i}")])
            for i in range(STREAMS)]
    for p in pubs:
        code = p.wait_exit(SECONDS * 6 + 30)
        h.check(code == 0, f"{p.name} exit status {code}; see {p.stderr_path}")
    h.stop_player(player, ctx.path("player.flv"))
    ru.wait_event(ingest, "recording_stop", STREAMS, timeout=60)
    events = ingest.events()
    got = h.packet_counts(ctx.path("player.flv"))
    h.log(f"source {want}, player {got}")
    h.check(got == want, f"player got {got} of {want}")
    for i in range(STREAMS):
        ru.check_order(ingest, f"live/s{i}", f"s{i}")
    stops = ru.of_type(events, "recording_stop")
    h.check(all(s["data"]["error"] == "" for s in stops), f"errors: {[s['data'] for s in stops]}")
    files = ru.files(rec_dir, "flv")
    h.check(len(files) == STREAMS, f"{len(files)} recordings: {os.listdir(rec_dir)}")
    for f in files:
        counts = h.packet_counts(f)
        h.check(counts == want, f"{os.path.basename(f)} holds {counts}, want {want}")
    h.log(f"{STREAMS} recordings hold every frame")
    ingest.stop()


if __name__ == "__main__":
    h.run(main)
