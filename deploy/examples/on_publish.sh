#!/bin/sh
# Example rtmp-dispatcher hook script (-hook-script publish_start=/path/on_publish.sh).
#
# Executed directly (shebang honoured, never through `sh -c`), with the event in
# the environment (RTMP_EVENT_TYPE, RTMP_STREAM_KEY, RTMP_CONN_ID, RTMP_EVENT_ID,
# RTMP_SEQ, RTMP_TIMESTAMP, and RTMP_<DATA_KEY> for each data field) and the
# JSON payload on stdin. A non-zero exit is logged by the dispatcher at ERROR;
# past -hook-timeout the script's process group gets SIGTERM, then SIGKILL.
set -eu

payload=$(cat)  # read stdin fully, even when unused, so the writer never blocks

case "${RTMP_EVENT_TYPE:-}" in
  publish_start)
    echo "stream ${RTMP_STREAM_KEY} went live (conn ${RTMP_CONN_ID}, event ${RTMP_EVENT_ID})"
    ;;
  publish_stop)
    echo "stream ${RTMP_STREAM_KEY} ended after ${RTMP_DURATION_SEC:-?}s," \
         "${RTMP_VIDEO_PACKETS:-0} video / ${RTMP_AUDIO_PACKETS:-0} audio packets," \
         "codecs ${RTMP_VIDEO_CODEC:-none}/${RTMP_AUDIO_CODEC:-none}"
    ;;
  *)
    echo "event ${RTMP_EVENT_TYPE:-unknown}: ${payload}"
    ;;
esac
