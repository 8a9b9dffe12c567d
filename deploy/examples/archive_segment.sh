#!/bin/sh
# Example hook for finished recordings:
#   rtmp-ingest -record-all true -segment-duration 10m \
#     -hook-script segment_complete=/path/archive_segment.sh
#
# segment_complete fires once a file is complete on disk under its final name
# (RTMP_PATH, RTMP_SIZE bytes, RTMP_SEGMENT_INDEX, RTMP_DURATION_MS,
# RTMP_FORMAT, RTMP_CODEC), so it can be moved or uploaded at once. This one
# moves it to ARCHIVE_DIR/<stream key>/ (default /var/lib/rtmp-archive), or,
# with UPLOAD_URL set, PUTs it there with curl and removes it after a 2xx.
# Executed directly with the event in its environment and the JSON payload on
# stdin; a non-zero exit is logged at ERROR by the dispatcher.
set -eu

cat >/dev/null  # the payload: not needed, read so the writer never blocks

: "${RTMP_PATH:?run this on segment_complete}"
if [ -n "${UPLOAD_URL:-}" ]; then
  curl --fail --silent --show-error --upload-file "$RTMP_PATH" \
       "${UPLOAD_URL%/}/${RTMP_STREAM_KEY}/$(basename "$RTMP_PATH")"
  rm -f -- "$RTMP_PATH"
  echo "uploaded ${RTMP_PATH} (${RTMP_SIZE} bytes) to ${UPLOAD_URL}"
  exit 0
fi
dest="${ARCHIVE_DIR:-/var/lib/rtmp-archive}/${RTMP_STREAM_KEY}"
mkdir -p -- "$dest"
mv -- "$RTMP_PATH" "$dest/"
echo "archived ${RTMP_PATH} (${RTMP_SIZE} bytes, ${RTMP_DURATION_MS} ms) to ${dest}/"
