#pragma once
// libav* logs to stderr by default, where the stdio hook writes its JSON
// lines: a demuxer's complaints about bad input would land between events.
// route_av_log() sends libav's warnings and errors to our log at DEBUG
// instead (errors reach the callers as return codes, which they log
// themselves). Once per process; every user of libavformat calls it before
// its first libav call.
namespace rtmp::libav {

void route_av_log();

}  // namespace rtmp::libav
